/** Options for createArrivalSchedule. */
export interface ArrivalScheduleOptions {
  /** Steady arrival rate in requests per second (> 0). */
  readonly ratePerSecond: number;
  /** Linear ramp from 0 to `ratePerSecond` over this many ms; default 0 (full rate at once). */
  readonly rampUpMs?: number;
  /** Arrivals stop at this offset (ms from the start); default unbounded. */
  readonly durationMs?: number;
  /** At most this many arrivals; default unbounded. */
  readonly requests?: number;
}

/** When each request of an open-model run is due, as offsets in ms from the run's start. */
export interface ArrivalSchedule {
  /** Number of arrivals in the whole run (Infinity for a run until stopped). */
  readonly total: number;
  /** Nominal length of the sending window in ms (Infinity for a run until stopped). */
  readonly windowMs: number;
  /** Offset (ms) at which arrival `index` (0-based) is due. */
  offsetOf(index: number): number;
  /** How many arrivals are due by `elapsedMs` (never more than `total`). */
  dueBy(elapsedMs: number): number;
}

/**
 * A fixed arrival schedule computed in closed form: arrival i is due at the time the cumulative arrival curve
 * reaches i (rate ramps linearly over `rampUpMs`, then stays flat). Because the due count is a function of the
 * clock, not of how often a timer fired, a late tick never loses arrivals: it sends all of them at once.
 */
export function createArrivalSchedule(options: ArrivalScheduleOptions): ArrivalSchedule {
  const ratePerMs = options.ratePerSecond / 1000;
  const rampMs = Math.max(0, options.rampUpMs ?? 0);
  // Arrivals accumulated by the end of the ramp: the area under the rate line from 0 to ratePerMs.
  const rampArrivals = (ratePerMs * rampMs) / 2;
  const cumulative = (t: number): number =>
    t <= 0 ? 0 : t < rampMs ? (ratePerMs * t * t) / (2 * rampMs) : rampArrivals + ratePerMs * (t - rampMs);
  const offsetOf = (index: number): number =>
    index < rampArrivals
      ? Math.sqrt((2 * rampMs * index) / ratePerMs)
      : rampMs + (index - rampArrivals) / ratePerMs;

  const durationMs = options.durationMs ?? Infinity;
  // Arrival i belongs to the run when its offset is strictly inside the duration.
  const byDuration = Number.isFinite(durationMs) ? Math.ceil(cumulative(durationMs) - 1e-9) : Infinity;
  const total = Math.min(byDuration, options.requests ?? Infinity);
  const windowMs = Number.isFinite(durationMs)
    ? durationMs
    : Number.isFinite(total)
      ? offsetOf(total)
      : Infinity;
  return {
    total,
    windowMs,
    offsetOf,
    dueBy(elapsedMs) {
      // +1: arrival 0 is due at offset 0, so by time t the arrivals 0..floor(cumulative(t)) are due.
      const due = elapsedMs < 0 ? 0 : Math.floor(cumulative(elapsedMs) + 1e-9) + 1;
      return due < total ? due : total;
    },
  };
}
