/** One query of one panel, as Grafana would send it to Prometheus (before variable substitution). */
export interface PanelQuery {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

interface PanelLike {
  readonly title?: string;
  readonly targets?: readonly { readonly refId?: string; readonly expr?: string }[];
  readonly panels?: readonly PanelLike[];
}

/** Every panel's Prometheus queries in a dashboard JSON (rows' nested panels included). */
export function panelQueries(dashboard: { readonly panels?: readonly PanelLike[] }): PanelQuery[] {
  const out: PanelQuery[] = [];
  const visit = (panels: readonly PanelLike[] | undefined) => {
    for (const panel of panels ?? []) {
      for (const target of panel.targets ?? []) {
        if (typeof target.expr === 'string')
          out.push({ panel: panel.title ?? '(untitled)', refId: target.refId ?? '?', expr: target.expr });
      }
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  return out;
}

/** Grafana's built-in interval variables, replaced as Grafana would for a short range at a `scrapeSeconds` step. */
export function substituteGrafanaVariables(
  expr: string,
  scrapeSeconds: number,
  rangeSeconds: number,
): string {
  // $__rate_interval is max($__interval + scrape interval, 4 * scrape interval).
  const rateInterval = `${4 * scrapeSeconds}s`;
  return expr
    .replaceAll('$__rate_interval', rateInterval)
    .replaceAll('${__rate_interval}', rateInterval)
    .replaceAll('$__interval', `${scrapeSeconds}s`)
    .replaceAll('$__range', `${rangeSeconds}s`);
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'le',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression reads: identifiers that are not a function call, a PromQL keyword, a
 * label inside `by (...)`/`{...}`, or a string. Histogram and counter suffixes are kept as written.
 */
export function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const withoutMatchers = withoutStrings.replace(/\{[^}]*\}/g, '{}');
  const withoutGrouping = withoutMatchers.replace(
    /\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g,
    '$1',
  );
  const withoutRanges = withoutGrouping.replace(/\[[^\]]*\]/g, '[]');
  const names = new Set<string>();
  // A word not inside another token (`5m`, `0.99`) is a metric unless a call or a grouping follows it.
  for (const match of withoutRanges.matchAll(/(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const rest = withoutRanges.slice((match.index ?? 0) + word.length);
    if (/^\s*(\(|by\b|without\b)/.test(rest) || PROMQL_WORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names];
}

/** The metric names `queries` read that are not among the exported ones, each with the panel naming it. */
export function unknownMetrics(
  queries: readonly PanelQuery[],
  exported: ReadonlySet<string>,
): { panel: string; metric: string }[] {
  const out: { panel: string; metric: string }[] = [];
  for (const query of queries) {
    for (const metric of metricNamesIn(query.expr)) {
      if (!exported.has(metric)) out.push({ panel: query.panel, metric });
    }
  }
  return out;
}
