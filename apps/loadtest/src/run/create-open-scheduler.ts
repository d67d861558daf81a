import type { ArrivalSchedule } from './arrival-schedule';
import type { Scheduler, SendTarget } from './scheduler';
import { SendingPhase } from './sending-phase';

/** Options for createOpenScheduler. */
export interface OpenSchedulerOptions {
  readonly schedule: ArrivalSchedule;
  readonly target: SendTarget;
  /** Arrivals due while this many requests are in flight are dropped and counted. */
  readonly maxInFlight: number;
}

/**
 * The open model: requests are due at fixed times whatever happened to earlier ones. One timer is armed for the
 * next due arrival; when it fires, every arrival due by the clock is sent in one batch, each carrying its own
 * scheduled time, so timer lateness or a busy event loop shows up as latency instead of silently thinning the
 * schedule (see docs/adr/0010-open-model-scheduler.md).
 */
export function createOpenScheduler(options: OpenSchedulerOptions): Scheduler {
  const { schedule, target, maxInFlight } = options;
  let timer: NodeJS.Timeout | undefined;
  const phase = new SendingPhase(() => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  });
  const end = () => phase.end();

  function tick(): void {
    timer = undefined;
    const now = performance.now();
    const due = schedule.dueBy(now - phase.startedAt);
    while (phase.scheduled < due) {
      const scheduledAt = phase.startedAt + schedule.offsetOf(phase.scheduled++);
      if (target.inFlight >= maxInFlight) {
        phase.dropped++;
        continue;
      }
      phase.sent++;
      target.send(scheduledAt, now);
    }
    if (phase.ended) return; // stopped from inside send (never in practice, but cheap to respect)
    if (phase.scheduled >= schedule.total) {
      // Every arrival is out; a duration-bound run still lasts its whole window.
      const rest = phase.startedAt + schedule.windowMs - performance.now();
      if (rest > 1 && Number.isFinite(rest)) timer = setTimeout(end, rest);
      else end();
      return;
    }
    const wait = phase.startedAt + schedule.offsetOf(phase.scheduled) - performance.now();
    // Timers have 1 ms granularity; sub-millisecond waits also take one timer turn rather than spinning.
    timer = setTimeout(tick, wait > 1 ? wait : 1);
  }

  return {
    stats: phase,
    finished: phase.finished,
    start() {
      phase.begin();
      if (schedule.total <= 0) end();
      else tick();
    },
    stop: end,
  };
}
