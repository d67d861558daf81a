import Table from 'cli-table3';
import type { LatencySummary } from '../record/create-recorder';
import type { RunReport } from './build-report';

const ms = (value: number): string =>
  value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
/**
 * A whole count with thousands separators (12,345), by hand: toLocaleString's first call loads ICU's number
 * formatting, about 30 ms of CPU in every run.
 */
export const formatCount = (value: number): string => String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const percent = (value: number): string => `${(value * 100).toFixed(value < 0.001 && value > 0 ? 3 : 2)}%`;

function table(head: string[]): Table.Table {
  // No colours: the summary is also read from logs and CI output, where escape codes are noise.
  return new Table({ head, style: { head: [], border: [] } });
}

function latencyRow(label: string, summary: LatencySummary): string[] {
  return [
    label,
    ms(summary.p50),
    ms(summary.p90),
    ms(summary.p99),
    ms(summary['p99.9']),
    ms(summary.max),
    ms(summary.mean),
  ];
}

/** The summary a person reads at the end of a run: rate, counts, latency percentiles, scenarios, thresholds. */
export function formatSummary(report: RunReport): string {
  const { settings, rate, requests } = report;
  const title =
    `loadtest ${report.interrupted ? 'INTERRUPTED, partial results' : 'finished'}: ${settings.model} model, ` +
    `${rate.target === null ? 'unpaced' : `${rate.target}/s target`}, ${settings.connections} connections, ` +
    `${rate.windowSeconds}s window`;

  const overview = table(['rate and requests', '']);
  overview.push(
    ['achieved rate', `${rate.achieved.toFixed(1)}/s`],
    [
      'target rate',
      rate.target === null
        ? 'unpaced (closed model)'
        : `${rate.target}/s${rate.expected !== null && rate.expected !== rate.target ? ` (with the ramp-up ${rate.expected.toFixed(1)}/s on average)` : ''}`,
    ],
    ['achieved / target', rate.ratio === null ? '-' : percent(rate.ratio)],
    ['sent', formatCount(requests.sent)],
    [
      'dropped (max in flight reached)',
      `${formatCount(requests.dropped)}${requests.scheduled ? ` (${percent(requests.dropped / requests.scheduled)})` : ''}`,
    ],
    ['completed', formatCount(requests.completed)],
    ['errors', `${formatCount(requests.errors)} (${percent(requests.errorRate)})`],
  );
  if (requests.cancelled > 0) overview.push(['cancelled by interruption', formatCount(requests.cancelled)]);
  const codes = Object.entries(report.statusCodes).map(([code, n]) => `${code}: ${formatCount(n)}`);
  overview.push(['status codes', codes.join(', ') || '-']);
  const failures = Object.entries(report.errorClasses)
    .filter(([, n]) => n > 0)
    .map(([name, n]) => `${name}: ${formatCount(n)}`);
  overview.push(['by class', failures.join(', ') || '-']);

  const latency = table(['latency (ms)', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean']);
  latency.push(
    latencyRow('from scheduled start', report.latencyMs),
    latencyRow('service time', report.serviceTimeMs),
    latencyRow('schedule lag', report.scheduleLagMs),
  );

  const scenarios = table(['scenario', 'url', 'requests', 'outcomes', 'p99 ms']);
  for (const scenario of report.scenarios) {
    const outcomes = Object.entries(scenario.outcomes)
      .filter(([, n]) => n > 0)
      .map(([name, n]) => `${name} ${formatCount(n)}`);
    scenarios.push([
      scenario.unauthorized ? `${scenario.name} (must be blocked)` : scenario.name,
      `${scenario.method} ${scenario.url}`,
      formatCount(scenario.requests),
      outcomes.join(', ') || '-',
      ms(scenario.latencyMs.p99),
    ]);
  }

  const parts = [title, overview.toString(), latency.toString(), scenarios.toString()];
  if (report.unauthorized && report.unauthorized.leaked > 0) {
    parts.push(`LEAKED: ${formatCount(report.unauthorized.leaked)} unauthorized request(s) got a 2xx answer`);
  }
  if (report.errorSamples.length > 0) parts.push(`errors seen: ${report.errorSamples.join(' | ')}`);
  if (report.thresholds.length > 0) {
    const thresholds = table(['threshold', 'actual', 'result']);
    for (const result of report.thresholds) {
      thresholds.push([
        result.default ? `${result.expression} (default)` : result.expression,
        String(Math.round(result.actual * 1000) / 1000),
        result.passed ? 'pass' : 'FAIL',
      ]);
    }
    parts.push(thresholds.toString());
  }
  parts.push(report.passed ? 'result: passed' : 'result: FAILED');
  return `${parts.join('\n')}\n`;
}
