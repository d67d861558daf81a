import type { Scheduler, SendTarget } from './scheduler';
import { SendingPhase } from './sending-phase';

/** Options for createClosedScheduler. */
export interface ClosedSchedulerOptions {
  readonly target: SendTarget;
  /** Virtual users, each with one request outstanding at a time. */
  readonly workers: number;
  /** Paces all workers together to this rate; undefined sends as fast as responses come back. */
  readonly ratePerSecond?: number;
  readonly durationMs?: number;
  readonly requests?: number;
}

/**
 * The closed model (wrk, autocannon, ab): each worker sends its next request only after the previous one ended,
 * and latency counts from the actual send. It is here to measure a server's ceiling and to show, next to the
 * open model, how a closed loop hides a stall: while the server stands still, the workers stand still with it
 * and the requests that would have waited are never sent (coordinated omission).
 */
export function createClosedScheduler(options: ClosedSchedulerOptions): Scheduler {
  const { target, workers } = options;
  const intervalMs = options.ratePerSecond ? (1000 * workers) / options.ratePerSecond : 0;
  const durationMs = options.durationMs ?? Infinity;
  const requests = options.requests ?? Infinity;
  const timers = new Set<NodeJS.Timeout>();
  const phase = new SendingPhase(() => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  });
  const end = () => phase.end();

  interface Worker {
    next: number;
    readonly relaunch: (now: number) => void;
  }

  // `now`: performance.now() as read by the caller (the engine hands over its own reading when a request ends).
  function launch(slot: Worker, now: number): void {
    if (phase.ended) return;
    if (now - phase.startedAt >= durationMs) return end();
    if (intervalMs > 0 && slot.next > now) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        launch(slot, performance.now());
      }, slot.next - now);
      timers.add(timer);
      return;
    }
    phase.scheduled++;
    phase.sent++;
    // A paced worker that fell behind skips the slots it missed, as a closed-loop tool does.
    if (intervalMs > 0) slot.next = Math.max(slot.next + intervalMs, now);
    target.send(now, now, slot.relaunch);
    // The sending phase ends with the last request, or at the deadline below, even if a worker is stuck on a
    // request that never ends (its timeout is the engine's business).
    if (phase.sent >= requests) end();
  }

  return {
    stats: phase,
    finished: phase.finished,
    start() {
      phase.begin();
      if (Number.isFinite(durationMs)) {
        const deadline = setTimeout(end, durationMs);
        timers.add(deadline);
      }
      for (let index = 0; index < workers; index++) {
        // One closure per worker, reused for every request it sends.
        const worker: Worker = {
          next: phase.startedAt + (intervalMs * index) / workers,
          relaunch: (now) => launch(worker, now),
        };
        launch(worker, performance.now());
      }
    },
    stop: end,
  };
}
