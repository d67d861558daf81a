import type { SchedulerStats } from './scheduler';

/** A scheduler's counters and the end of its sending phase, shared by the open and the closed model. */
export class SendingPhase implements SchedulerStats {
  scheduled = 0;
  sent = 0;
  dropped = 0;
  startedAt = 0;
  endedAt = 0;
  /** Resolves when end() is first called. */
  readonly finished: Promise<void>;
  private resolveFinished: () => void = () => undefined;

  /** `onEnd` clears the scheduler's timers; it runs once, before `finished` resolves. */
  constructor(private readonly onEnd: () => void) {
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  begin(): void {
    this.startedAt = performance.now();
  }

  get ended(): boolean {
    return this.endedAt !== 0;
  }

  end(): void {
    if (this.endedAt !== 0) return;
    this.endedAt = performance.now();
    this.onEnd();
    this.resolveFinished();
  }
}
