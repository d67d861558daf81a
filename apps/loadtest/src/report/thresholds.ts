import { UsageError } from '../usage-error';
import type { RunReport, ThresholdResult } from './build-report';

const LATENCY_METRICS = {
  p50: 'p50',
  p90: 'p90',
  p95: 'p95',
  p99: 'p99',
  'p99.9': 'p99.9',
  max: 'max',
  mean: 'mean',
} as const;
// k6 spellings, so a threshold copied from a k6 script works unchanged.
const ALIASES: Record<string, string> = {
  avg: 'mean',
  med: 'p50',
  'p(50)': 'p50',
  'p(90)': 'p90',
  'p(95)': 'p95',
  'p(99)': 'p99',
  'p(99.9)': 'p99.9',
  http_req_failed: 'errors',
  error_rate: 'errors',
};
const RATIO_METRICS = new Set(['errors', 'dropped']);
const KNOWN = [...Object.keys(LATENCY_METRICS), 'errors', 'dropped', 'leaked', 'rate'];

type Operator = '<' | '<=' | '>' | '>=' | '==';

/** A pass/fail condition on a run, written like k6's: `p99<250ms`, `errors<1%`, `leaked==0`, `rate>=990`. */
export interface Threshold {
  readonly expression: string;
  readonly metric: string;
  readonly operator: Operator;
  /** In the metric's unit: ms for latency, a fraction for errors and dropped, a count, requests per second. */
  readonly limit: number;
  /** Added because no `errors` threshold was given (DEFAULT_ERROR_THRESHOLD). */
  readonly isDefault?: boolean;
}

/** Applied when no `--threshold` on `errors` is given: failing requests fail a run unless the user says so. */
export const DEFAULT_ERROR_THRESHOLD = 'errors<1%';

const PATTERN = /^\s*([A-Za-z_][\w.()]*)\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?)\s*(ms|s|us|%)?\s*$/;

/** Parses one `--threshold` expression; a UsageError names what is wrong with it. */
export function parseThreshold(expression: string): Threshold {
  const match = PATTERN.exec(expression);
  if (!match) {
    throw new UsageError(
      `invalid --threshold "${expression}": expected METRIC OP VALUE, for example 'p99<250ms' or 'errors<1%'`,
    );
  }
  const [, rawMetric = '', operator = '<', rawValue = '0', unit] = match;
  const metric = ALIASES[rawMetric.toLowerCase()] ?? rawMetric.toLowerCase();
  if (!KNOWN.includes(metric)) {
    throw new UsageError(
      `invalid --threshold "${expression}": unknown metric "${rawMetric}" (known: ${KNOWN.join(', ')})`,
    );
  }
  const value = Number(rawValue);
  let limit: number;
  if (metric in LATENCY_METRICS) {
    if (unit === '%')
      throw new UsageError(`invalid --threshold "${expression}": ${metric} is a time (ms, s or us)`);
    limit = unit === 's' ? value * 1000 : unit === 'us' ? value / 1000 : value;
  } else if (RATIO_METRICS.has(metric)) {
    if (unit && unit !== '%')
      throw new UsageError(`invalid --threshold "${expression}": ${metric} is a ratio (use % or a fraction)`);
    limit = unit === '%' ? value / 100 : value;
  } else {
    if (unit) throw new UsageError(`invalid --threshold "${expression}": ${metric} takes a plain number`);
    limit = value;
  }
  const impossible = impossibility(metric, operator as Operator, limit, RATIO_METRICS.has(metric));
  if (impossible) throw new UsageError(`invalid --threshold "${expression}": ${impossible}`);
  return { expression: expression.trim(), metric, operator: operator as Operator, limit };
}

/**
 * Why a threshold could never fail or never pass, or undefined. Every metric is at least 0, ratios at most 1
 * (100%), and `leaked` is a whole count; `errors<=100%` stays allowed, as the way to let errors pass.
 */
function impossibility(
  metric: string,
  operator: Operator,
  limit: number,
  ratio: boolean,
): string | undefined {
  if (limit < 0) return `${metric} is never negative`;
  if (ratio && limit > 1) return `${metric} is a share of requests, at most 100%`;
  if (operator === '<' && limit === 0) return `${metric} is never below 0 (use ${metric}==0)`;
  if (ratio && operator === '>' && limit === 1) return `${metric} is never above 100%`;
  if (metric === 'leaked' && !Number.isInteger(limit)) return 'leaked is a whole count';
  return undefined;
}

/** The user's thresholds, plus DEFAULT_ERROR_THRESHOLD unless one of them is on `errors`. */
export function withDefaultThresholds(thresholds: readonly Threshold[]): Threshold[] {
  if (thresholds.some((threshold) => threshold.metric === 'errors')) return [...thresholds];
  return [...thresholds, { ...parseThreshold(DEFAULT_ERROR_THRESHOLD), isDefault: true }];
}

/** The value a threshold's metric took in a run. */
function actualOf(metric: string, report: RunReport): number {
  if (metric in LATENCY_METRICS) return report.latencyMs[metric as keyof typeof LATENCY_METRICS];
  switch (metric) {
    case 'errors':
      return report.requests.errorRate;
    case 'dropped':
      return report.requests.scheduled === 0 ? 0 : report.requests.dropped / report.requests.scheduled;
    case 'leaked':
      return report.unauthorized?.leaked ?? 0;
    default:
      return report.rate.achieved;
  }
}

/** Checks every threshold against a run's report. */
export function evaluateThresholds(thresholds: readonly Threshold[], report: RunReport): ThresholdResult[] {
  return thresholds.map((threshold) => {
    const actual = actualOf(threshold.metric, report);
    const { limit } = threshold;
    const passed =
      threshold.operator === '<'
        ? actual < limit
        : threshold.operator === '<='
          ? actual <= limit
          : threshold.operator === '>'
            ? actual > limit
            : threshold.operator === '>='
              ? actual >= limit
              : actual === limit;
    const result = { expression: threshold.expression, metric: threshold.metric, actual, limit, passed };
    return threshold.isDefault ? { ...result, default: true as const } : result;
  });
}
