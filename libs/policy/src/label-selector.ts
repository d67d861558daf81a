/** A Kubernetes metav1.LabelSelector as it appears in manifests. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: ReadonlyArray<{
    readonly key: string;
    readonly operator: string;
    readonly values?: readonly string[];
  }>;
}

/** Labels of a pod, namespace or service account. */
export type Labels = Readonly<Record<string, string>>;

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** Returns the problems of a label selector (empty when valid), each naming the field. */
export function validateLabelSelector(selector: unknown, field: string): string[] {
  if (selector === null || selector === undefined) return [];
  if (typeof selector !== 'object' || Array.isArray(selector)) return [`${field}: must be an object`];
  const problems: string[] = [];
  const { matchLabels, matchExpressions } = selector as Record<string, unknown>;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (typeof matchLabels !== 'object' || Array.isArray(matchLabels)) {
      problems.push(`${field}.matchLabels: must be a map of strings`);
    } else {
      for (const [k, v] of Object.entries(matchLabels)) {
        if (typeof v !== 'string') problems.push(`${field}.matchLabels.${k}: value must be a string`);
      }
    }
  }
  if (matchExpressions !== undefined && matchExpressions !== null) {
    if (!Array.isArray(matchExpressions)) return [...problems, `${field}.matchExpressions: must be a list`];
    matchExpressions.forEach((e: Record<string, unknown>, i) => {
      const where = `${field}.matchExpressions[${i}]`;
      if (typeof e?.key !== 'string' || e.key === '') problems.push(`${where}.key: required`);
      if (typeof e?.operator !== 'string' || !OPERATORS.has(e.operator)) {
        problems.push(
          `${where}.operator: must be one of In, NotIn, Exists, DoesNotExist (got ${String(e?.operator)})`,
        );
        return;
      }
      const values = e.values;
      if (e.operator === 'In' || e.operator === 'NotIn') {
        if (!Array.isArray(values) || values.length === 0)
          problems.push(`${where}.values: must be non-empty for ${e.operator}`);
      } else if (Array.isArray(values) && values.length > 0) {
        problems.push(`${where}.values: must be empty for ${e.operator}`);
      }
    });
  }
  return problems;
}

const matchLabelEntries = new WeakMap<object, Array<[string, string]>>();

/** Whether labels satisfy a (valid) selector; an empty selector matches everything. */
export function matchesLabelSelector(selector: LabelSelector, labels: Labels): boolean {
  const ml = selector.matchLabels;
  if (ml) {
    // Selectors are matched against every label set: their entries are extracted once.
    let entries = matchLabelEntries.get(ml);
    if (!entries) {
      entries = Object.entries(ml);
      matchLabelEntries.set(ml, entries);
    }
    for (let i = 0; i < entries.length; i++) if (labels[entries[i][0]] !== entries[i][1]) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In':
        if (!has || !(e.values ?? []).includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (has && (e.values ?? []).includes(labels[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether a selector has no requirement at all (`{}`: selects everything). */
export function isEmptySelector(selector: LabelSelector): boolean {
  return (
    Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0
  );
}
