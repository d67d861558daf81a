import pino from 'pino';

// sonic-boom sets `destroyed` once ended or destroyed; its type declarations leave it out.
type SonicBoom = ReturnType<typeof pino.destination> & { readonly destroyed?: boolean };

/**
 * Collects the lines logged during one event-loop turn and hands them to stdout's sonic-boom stream as one
 * string. Under load one turn serves many requests, so stdout sees one write per turn instead of one per line;
 * sonic-boom alone appends each line to its pending string and measures that string's byte length on every
 * line, which made request logging cost about a third more CPU per line in bench/http. When idle, a line is
 * written in the same turn it was logged (no timer, no delay).
 */
class BatchedDestination {
  private pending: string[] = [];
  private scheduled = false;

  constructor(private readonly target: SonicBoom) {}

  write(line: string): void {
    this.pending.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
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
    if (this.pending.length === 0 || this.target.destroyed) return;
    const chunk = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    this.pending = [];
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
