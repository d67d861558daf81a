/** What a scheduler needs from the HTTP side. */
export interface SendTarget {
  readonly inFlight: number;
  /** `done` runs when the request's slot is released, with performance.now() at that moment. */
  send(scheduledAt: number, now: number, done?: (now: number) => void): void;
}

/** Counts a scheduler keeps about its own sending (as opposed to how the requests ended). */
export interface SchedulerStats {
  /** Requests whose scheduled time has come (sent plus dropped). */
  readonly scheduled: number;
  readonly sent: number;
  /** Requests not sent because `maxInFlight` were already in flight: the shortfall, never hidden. */
  readonly dropped: number;
  /** performance.now() when the run started. */
  readonly startedAt: number;
  /** performance.now() when the sending phase ended (0 while it goes on). */
  readonly endedAt: number;
}

/** Drives when requests are sent. */
export interface Scheduler {
  readonly stats: SchedulerStats;
  start(): void;
  /** Stops sending at once (requests in flight go on). */
  stop(): void;
  /** Resolves when the sending phase is over: schedule exhausted, duration reached or stopped. */
  readonly finished: Promise<void>;
}
