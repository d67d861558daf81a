import type { LoadModel, LoadRunResult } from '../run/create-load-run';
import { scenarioUrl, type Scenario } from '../scenarios/scenario';
import { summarize, type LatencySummary, type Recorder } from '../record/create-recorder';
import { OUTCOMES, RESPONSE_CLASSES, type Outcome, type ResponseClass } from '../record/response-class';

/** The settings a run was made with, as echoed in its report. */
export interface RunSettings {
  readonly model: LoadModel;
  /** Requests per second; null means as fast as possible (closed model only). */
  readonly rate: number | null;
  readonly durationMs: number | null;
  readonly requests: number | null;
  readonly rampUpMs: number;
  readonly connections: number;
  readonly maxInFlight: number;
  readonly timeoutMs: number;
}

/** Counts by outcome, by class and by status code. */
export interface Tallies {
  readonly requests: number;
  readonly outcomes: Record<Outcome, number>;
  readonly classes: Record<ResponseClass, number>;
  readonly statusCodes: Record<string, number>;
}

/** A threshold checked against a finished run. */
export interface ThresholdResult {
  readonly expression: string;
  readonly metric: string;
  readonly actual: number;
  readonly limit: number;
  readonly passed: boolean;
  /** Present (true) only on the default error threshold. */
  readonly default?: true;
}

/** The `--json` report: everything the summary table shows, in a stable shape (`version` changes if it breaks). */
export interface RunReport {
  readonly version: 1;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly interrupted: boolean;
  readonly settings: RunSettings;
  readonly rate: {
    /** The configured rate (requests per second), null when unpaced. */
    readonly target: number | null;
    /** Requests sent per second over the sending window. */
    readonly achieved: number;
    /** Open model: the average rate the schedule called for (the target, or less with a ramp-up); else null. */
    readonly expected: number | null;
    /** achieved / expected (open model) or achieved / target (closed model); null when unpaced. */
    readonly ratio: number | null;
    readonly windowSeconds: number;
  };
  readonly requests: {
    /** Arrivals whose time came: sent + dropped. */
    readonly scheduled: number;
    readonly sent: number;
    /** Not sent because max-in-flight requests were outstanding (the open model's shortfall). */
    readonly dropped: number;
    readonly completed: number;
    /** Cut off unrecorded by an interruption. */
    readonly cancelled: number;
    /** Completed requests that ended neither ok nor blocked. */
    readonly errors: number;
    readonly errorRate: number;
  };
  /** From each request's scheduled start (includes queueing and any stall: no coordinated omission). */
  readonly latencyMs: LatencySummary;
  /** From the request being written to a socket to its end. */
  readonly serviceTimeMs: LatencySummary;
  /** How late requests left relative to their schedule (the generator's own precision). */
  readonly scheduleLagMs: LatencySummary;
  readonly statusCodes: Record<string, number>;
  /** Failed requests by class (the error classes of the issue: timeout, refused, reset, 4xx, 5xx, error). */
  readonly errorClasses: Record<'timeout' | 'refused' | 'reset' | '4xx' | '5xx' | 'error', number>;
  readonly scenarios: readonly (Tallies & {
    readonly name: string;
    readonly method: string;
    readonly url: string;
    readonly weight: number;
    readonly unauthorized: boolean;
    readonly latencyMs: LatencySummary;
  })[];
  /** Totals of the unauthorized scenarios; null when there are none. */
  readonly unauthorized: {
    readonly requests: number;
    readonly blocked: number;
    readonly leaked: number;
    readonly inconclusive: number;
  } | null;
  readonly errorSamples: readonly string[];
  readonly thresholds: readonly ThresholdResult[];
  /** No threshold failed and nothing leaked. */
  readonly passed: boolean;
}

function tally(classes: Float64Array, outcomes: Float64Array, statuses: Float64Array): Tallies {
  const statusCodes: Record<string, number> = {};
  statuses.forEach((count, status) => {
    if (count > 0) statusCodes[String(status)] = count;
  });
  return {
    requests: outcomes.reduce((sum, count) => sum + count, 0),
    outcomes: Object.fromEntries(OUTCOMES.map((name, index) => [name, outcomes[index] ?? 0])) as Record<
      Outcome,
      number
    >,
    classes: Object.fromEntries(RESPONSE_CLASSES.map((name, index) => [name, classes[index] ?? 0])) as Record<
      ResponseClass,
      number
    >,
    statusCodes,
  };
}

/** Assembles the report of a run (without thresholds: see withThresholds). */
export function buildReport(
  settings: RunSettings,
  scenarios: readonly Scenario[],
  recorder: Recorder,
  result: LoadRunResult,
): RunReport {
  const perScenario = scenarios.map((scenario, index) => {
    const tallyOf = recorder.scenarios[index];
    if (!tallyOf) throw new Error(`no tally for scenario ${index}`);
    return {
      name: scenario.name,
      method: scenario.method,
      url: scenarioUrl(scenario),
      weight: scenario.weight,
      unauthorized: scenario.unauthorized,
      ...tally(tallyOf.classes, tallyOf.outcomes, tallyOf.statuses),
      latencyMs: summarize(tallyOf.latency),
    };
  });
  const statusCodes: Record<string, number> = {};
  const classes = Object.fromEntries(RESPONSE_CLASSES.map((name) => [name, 0])) as Record<
    ResponseClass,
    number
  >;
  for (const scenario of perScenario) {
    for (const [code, count] of Object.entries(scenario.statusCodes))
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
    for (const name of RESPONSE_CLASSES) classes[name] += scenario.classes[name];
  }
  const unauthorizedScenarios = perScenario.filter((scenario) => scenario.unauthorized);
  const sum = (outcome: Outcome) =>
    unauthorizedScenarios.reduce((total, scenario) => total + scenario.outcomes[outcome], 0);
  const windowSeconds = result.windowMs / 1000;
  const achieved = windowSeconds > 0 ? result.stats.sent / windowSeconds : 0;
  const leaked = sum('leaked');
  return {
    version: 1,
    startedAt: result.startedAt.toISOString(),
    finishedAt: result.finishedAt.toISOString(),
    interrupted: result.interrupted,
    settings,
    rate: {
      target: settings.rate,
      achieved: round(achieved, 3),
      expected: result.expectedRate === null ? null : round(result.expectedRate, 3),
      ratio:
        result.expectedRate !== null
          ? round(result.expectedRate > 0 ? achieved / result.expectedRate : 1, 5)
          : settings.rate
            ? round(achieved / settings.rate, 5)
            : null,
      windowSeconds: round(windowSeconds, 3),
    },
    requests: {
      scheduled: result.stats.scheduled,
      sent: result.stats.sent,
      dropped: result.stats.dropped,
      completed: recorder.completed,
      cancelled: result.cancelled,
      errors: recorder.errors,
      errorRate: recorder.completed === 0 ? 0 : round(recorder.errors / recorder.completed, 6),
    },
    latencyMs: summarize(recorder.latency),
    serviceTimeMs: summarize(recorder.serviceTime),
    scheduleLagMs: summarize(recorder.scheduleLag),
    statusCodes,
    errorClasses: {
      timeout: classes.timeout,
      refused: classes.refused,
      reset: classes.reset,
      '4xx': classes['4xx'],
      '5xx': classes['5xx'],
      error: classes.error,
    },
    scenarios: perScenario,
    unauthorized:
      unauthorizedScenarios.length === 0
        ? null
        : {
            requests: unauthorizedScenarios.reduce((total, scenario) => total + scenario.requests, 0),
            blocked: sum('blocked'),
            leaked,
            inconclusive: sum('inconclusive'),
          },
    errorSamples: [...recorder.errorSamples],
    thresholds: [],
    passed: leaked === 0,
  };
}

/** The report with its thresholds checked; it passes only if every threshold passed and nothing leaked. */
export function withThresholds(report: RunReport, results: readonly ThresholdResult[]): RunReport {
  return {
    ...report,
    thresholds: results,
    passed: results.every((result) => result.passed) && (report.unauthorized?.leaked ?? 0) === 0,
  };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
