import { FastHistogram } from './fast-histogram';
import { OUTCOMES, RESPONSE_CLASSES } from './response-class';

/** Percentiles of one latency histogram, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly 'p99.9': number;
  readonly max: number;
}

/** Counters and histograms for one scenario. */
export interface ScenarioTally {
  readonly latency: FastHistogram;
  /** Indexed by response class (RESPONSE_CLASSES). */
  readonly classes: Float64Array;
  /** Indexed by outcome (OUTCOMES). */
  readonly outcomes: Float64Array;
  /** Indexed by HTTP status code (0..599). */
  readonly statuses: Float64Array;
}

/** Where every completed request is counted; cheap enough to call once per request at 10k/s. */
export interface Recorder {
  readonly scenarios: readonly ScenarioTally[];
  /** From each request's scheduled start to its end (what a user waiting on a schedule experiences). */
  readonly latency: FastHistogram;
  /** From the moment the request was written to a socket to its end (the server's share). */
  readonly serviceTime: FastHistogram;
  /** How late requests were handed to the HTTP client relative to their schedule (the generator's own lag). */
  readonly scheduleLag: FastHistogram;
  /** Requests completed so far (answered, failed or timed out). */
  completed: number;
  /** Requests that did not end ok or blocked. */
  errors: number;
  /** First few distinct error messages, to tell an operator what "error" was. */
  readonly errorSamples: string[];
  record(
    scenario: number,
    klass: number,
    outcome: number,
    status: number,
    latencyMs: number,
    serviceMs: number,
  ): void;
  recordLag(lagMs: number): void;
  sampleError(message: string): void;
}

const MAX_ERROR_SAMPLES = 5;
const STATUS_SLOTS = 600;

// Microseconds, 3 significant digits (0.1% error); percentiles come from hdr-histogram-js (see FastHistogram).
const createHistogram = () => new FastHistogram();

/** Creates a recorder for `scenarioCount` scenarios. */
export function createRecorder(scenarioCount: number): Recorder {
  const latency = createHistogram();
  const scenarios: ScenarioTally[] = Array.from({ length: scenarioCount }, () => ({
    // With one scenario its histogram is the overall one: one record per request instead of two.
    latency: scenarioCount === 1 ? latency : createHistogram(),
    classes: new Float64Array(RESPONSE_CLASSES.length),
    outcomes: new Float64Array(OUTCOMES.length),
    statuses: new Float64Array(STATUS_SLOTS),
  }));
  const serviceTime = createHistogram();
  const scheduleLag = createHistogram();
  const errorSamples: string[] = [];
  const recorder: Recorder = {
    scenarios,
    latency,
    serviceTime,
    scheduleLag,
    completed: 0,
    errors: 0,
    errorSamples,
    record(scenario, klass, outcome, status, latencyMs, serviceMs) {
      const tally = scenarios[scenario] as ScenarioTally;
      const latencyUs = latencyMs * 1000;
      latency.record(latencyUs);
      if (tally.latency !== latency) tally.latency.record(latencyUs);
      serviceTime.record(serviceMs * 1000);
      (tally.classes[klass] as number)++;
      (tally.outcomes[outcome] as number)++;
      if (status > 0 && status < STATUS_SLOTS) (tally.statuses[status] as number)++;
      recorder.completed++;
      // ok (0) and blocked (2) are the outcomes a run wants.
      if (outcome !== 0 && outcome !== 2) recorder.errors++;
    },
    recordLag(lagMs) {
      scheduleLag.record(lagMs * 1000);
    },
    sampleError(message) {
      if (errorSamples.length < MAX_ERROR_SAMPLES && !errorSamples.includes(message))
        errorSamples.push(message);
    },
  };
  return recorder;
}

const round = (valueMs: number): number => Math.round(valueMs * 1000) / 1000;

/** Percentiles of a microsecond histogram, in milliseconds (zeros when it is empty), from hdr-histogram-js. */
export function summarize(recorded: FastHistogram): LatencySummary {
  const histogram = recorded.toHdr();
  const count = histogram.totalCount;
  if (count === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, 'p99.9': 0, max: 0 };
  const at = (percentile: number) => round(histogram.getValueAtPercentile(percentile) / 1000);
  return {
    count,
    min: round(histogram.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : histogram.minNonZeroValue / 1000),
    mean: round(recorded.meanUs / 1000),
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    'p99.9': at(99.9),
    max: round(histogram.maxValue / 1000),
  };
}
