import { createRequestEngine, type ResultObserver } from './create-request-engine';
import { createRecorder, type Recorder } from '../record/create-recorder';
import { createScenarioPicker } from '../scenarios/create-scenario-picker';
import type { Scenario } from '../scenarios/scenario';
import { createArrivalSchedule } from './arrival-schedule';
import { createClosedScheduler } from './create-closed-scheduler';
import { createOpenScheduler } from './create-open-scheduler';
import type { Scheduler, SchedulerStats } from './scheduler';

/** How requests are paced: open (fixed arrival schedule) or closed (each worker waits for its answer). */
export type LoadModel = 'open' | 'closed';

/** Options for createLoadRun. */
export interface LoadRunOptions {
  readonly scenarios: readonly Scenario[];
  /** Default open. */
  readonly model?: LoadModel;
  /** Requests per second; required for the open model; undefined in the closed model means as fast as possible. */
  readonly ratePerSecond?: number;
  /** Undefined with undefined `requests` runs until stopped. */
  readonly durationMs?: number;
  readonly requests?: number;
  /** Open model: linear ramp from 0 to the rate; default 0. */
  readonly rampUpMs?: number;
  /** Keep-alive connections per origin (closed model: also the number of workers). */
  readonly connections: number;
  /** Open model: bound on requests in flight; arrivals beyond it are dropped and counted. */
  readonly maxInFlight: number;
  readonly timeoutMs: number;
  readonly observer?: ResultObserver;
}

/** How a run ended, beside what the recorder holds. */
export interface LoadRunResult {
  readonly interrupted: boolean;
  readonly stats: SchedulerStats;
  /** The sending window the achieved rate is measured over (ms). */
  readonly windowMs: number;
  /** Requests sent but cut off unrecorded by an interruption. */
  readonly cancelled: number;
  /**
   * Open model: the average rate (per second) the schedule called for over its nominal window (the target rate
   * without ramp-up, less with it); null in the closed model.
   */
  readonly expectedRate: number | null;
  readonly startedAt: Date;
  readonly finishedAt: Date;
}

/** One load run: start it, optionally stop it early, read its recorder. */
export interface LoadRun {
  readonly recorder: Recorder;
  readonly stats: SchedulerStats;
  readonly inFlight: number;
  /** Runs to the end (or until `interrupt`) and releases every connection. */
  run(): Promise<LoadRunResult>;
  /** Stops sending now; requests in flight are cancelled, and the result is marked interrupted. */
  interrupt(): void;
  /** Stops sending now and lets requests in flight finish (bounded by the timeout). */
  stop(): void;
}

/** Wires scenarios, the HTTP engine, a scheduler and a recorder into one run. */
export function createLoadRun(options: LoadRunOptions): LoadRun {
  const model = options.model ?? 'open';
  const recorder = createRecorder(options.scenarios.length);
  const engine = createRequestEngine({
    scenarios: options.scenarios,
    recorder,
    connections: options.connections,
    timeoutMs: options.timeoutMs,
    observer: options.observer,
    pick: createScenarioPicker(options.scenarios.map((scenario) => scenario.weight)),
    recordLag: model === 'open',
  });
  let windowMs = Infinity;
  let expectedBy: ((elapsedMs: number) => number) | null = null;
  let scheduler: Scheduler;
  if (model === 'open') {
    if (!options.ratePerSecond) throw new Error('the open model needs a rate');
    const schedule = createArrivalSchedule({
      ratePerSecond: options.ratePerSecond,
      rampUpMs: options.rampUpMs,
      durationMs: options.durationMs,
      requests: options.requests,
    });
    windowMs = schedule.windowMs;
    expectedBy = (elapsedMs) => schedule.dueBy(elapsedMs);
    scheduler = createOpenScheduler({ schedule, target: engine, maxInFlight: options.maxInFlight });
  } else {
    windowMs = options.durationMs ?? Infinity;
    scheduler = createClosedScheduler({
      target: engine,
      workers: options.connections,
      ratePerSecond: options.ratePerSecond,
      durationMs: options.durationMs,
      requests: options.requests,
    });
  }
  let interrupted = false;
  let cutDrainShort: () => void = () => undefined;
  const drainCut = new Promise<void>((resolve) => (cutDrainShort = resolve));
  return {
    recorder,
    stats: scheduler.stats,
    get inFlight() {
      return engine.inFlight;
    },
    async run() {
      const startedAt = new Date();
      scheduler.start();
      await scheduler.finished;
      if (!interrupted) await Promise.race([engine.drain(), drainCut]);
      const cancelled = Math.max(0, scheduler.stats.sent - recorder.completed);
      await engine.close();
      const stats = scheduler.stats;
      const sendingMs = stats.endedAt - stats.startedAt;
      const bounded = !interrupted && Number.isFinite(windowMs);
      const nominalMs = bounded ? windowMs : sendingMs;
      return {
        interrupted,
        stats,
        // A generator that falls behind stretches the window, which lowers the achieved rate.
        windowMs: bounded ? Math.max(windowMs, sendingMs) : sendingMs,
        cancelled,
        // Arrivals due strictly inside the nominal window (one due exactly at its end belongs to the next).
        expectedRate: expectedBy && nominalMs > 0 ? (expectedBy(nominalMs - 1e-6) * 1000) / nominalMs : null,
        startedAt,
        finishedAt: new Date(),
      };
    },
    interrupt() {
      interrupted = true;
      scheduler.stop();
      cutDrainShort();
    },
    stop() {
      scheduler.stop();
    },
  };
}
