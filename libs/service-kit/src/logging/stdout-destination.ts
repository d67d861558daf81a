import pino from 'pino';

/** Options for BatchedDestination. */
export interface BatchedDestinationOptions {
  /**
   * Least time between two writes while lines keep coming; default DRAIN_INTERVAL_MS. A line logged after a
   * quieter spell is written in the next event-loop turn.
   */
  readonly minIntervalMs?: number;
  /** Pending characters written in the next turn whatever the interval; default DRAIN_AT_CHARS. */
  readonly maxPendingChars?: number;
}

/** Default least time between two stdout writes of a busy process (docs/adr/0057-proxy-routes-bound-at-registration.md). */
export const DRAIN_INTERVAL_MS = 10;
/** Default pending size (characters) written in the next turn, interval or not: a few hundred request lines. */
export const DRAIN_AT_CHARS = 64 * 1024;

/** What BatchedDestination writes to: the part of sonic-boom it uses (`destroyed` once ended or destroyed). */
export interface BatchTarget {
  readonly destroyed?: boolean;
  write(chunk: string): unknown;
  flush(callback?: (error?: Error) => void): void;
  flushSync(): void;
}

/**
 * Collects log lines and hands them to stdout's sonic-boom stream as one string: after a quiet spell in the next
 * event-loop turn (setImmediate, no timer), and while lines keep coming at most once per `minIntervalMs` (sooner
 * once `maxPendingChars` are pending). Each write is an asynchronous fs.write, a round trip through libuv's thread
 * pool that cost about 11 µs of CPU against 3 µs for formatting the line itself (one line per event-loop turn,
 * bench/http-style micro-benchmark): a proxy whose turns each serve a request or two paid it per request. sonic-boom
 * alone also measures its pending string's byte length on every line, which made request logging cost about a
 * third more CPU per line in bench/http.
 */
export class BatchedDestination {
  private pending: string[] = [];
  private pendingChars = 0;
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined = undefined;
  private lastDrainAt = Number.NEGATIVE_INFINITY;
  private readonly minIntervalMs: number;
  private readonly maxPendingChars: number;

  constructor(
    private readonly target: BatchTarget,
    options: BatchedDestinationOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? DRAIN_INTERVAL_MS;
    this.maxPendingChars = options.maxPendingChars ?? DRAIN_AT_CHARS;
  }

  write(line: string): void {
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.scheduled) {
      // Waiting out the interval with a full batch: write it in the next turn instead.
      if (this.timer !== undefined && this.pendingChars >= this.maxPendingChars) {
        clearTimeout(this.timer);
        this.timer = undefined;
        setImmediate(this.drain);
      }
      return;
    }
    this.scheduled = true;
    const waitMs = this.lastDrainAt + this.minIntervalMs - performance.now();
    if (waitMs <= 0 || this.pendingChars >= this.maxPendingChars) {
      setImmediate(this.drain);
    } else {
      // Unref'd: pending lines never keep a process alive; the exit hook below writes them.
      this.timer = setTimeout(this.drain, waitMs);
      this.timer.unref();
    }
  }

  /** Writes what is pending and calls `callback` once sonic-boom has written everything, in-flight writes too. */
  flush(callback?: (error?: Error) => void): void {
    this.drain();
    if (this.target.destroyed) callback?.();
    else this.target.flush(callback);
  }

  /** Writes everything synchronously: for the process's last moments. */
  flushSync(): void {
    this.drain();
    if (!this.target.destroyed) this.target.flushSync();
  }

  private readonly drain = (): void => {
    this.scheduled = false;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0 || this.target.destroyed) return;
    const chunk = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    this.lastDrainAt = performance.now();
    this.target.write(chunk);
  };
}

let stdout: BatchedDestination | undefined;

/** The process's one batched stdout destination (every logger shares it: they all write to fd 1 anyway). */
export function stdoutDestination(): pino.DestinationStream & { flushSync(): void } {
  if (!stdout) {
    const destination = new BatchedDestination(
      pino.destination({
        dest: 1,
        sync: false,
        // Still written as soon as there is anything to write, but with a non-zero minimum sonic-boom's flush(cb)
        // waits until every buffered and in-flight byte is written (with 0 it returns at once), which graceful
        // shutdown relies on before it exits.
        minLength: 1,
        // If stdout blocks (a stuck log collector), drop lines past 16 MiB rather than grow without bound.
        maxLength: 16 * 1024 * 1024,
      }),
    );
    // Runs before pino's own exit hook (which flushes and ends the sonic-boom stream), so nothing pending here
    // is lost when the process exits (graceful shutdown, a config error after logging, an uncaught error).
    process.prependListener('exit', () => {
      try {
        destination.flushSync();
      } catch {
        // stdout already closed: nothing more can be written.
      }
    });
    stdout = destination;
  }
  return stdout;
}
