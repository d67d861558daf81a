import { SingleBar } from 'cli-progress';
import type { LoadRun } from '../run/create-load-run';

/** Options for createProgress. */
export interface ProgressOptions {
  readonly run: LoadRun;
  /** Where the line is drawn; only a TTY gets one (pipes and CI logs stay clean). */
  readonly stream: NodeJS.WriteStream;
  /** Expected length of the run in ms, for the bar; Infinity for a run until stopped. */
  readonly expectedMs: number;
  readonly targetRate: number | null;
  readonly intervalMs?: number;
}

/** A live one-line progress display (cli-progress), or nothing when the stream is not a TTY. */
export function createProgress(options: ProgressOptions): { stop(): void } {
  if (!options.stream.isTTY) return { stop: () => undefined };
  const { run, targetRate } = options;
  const bounded = Number.isFinite(options.expectedMs);
  const bar = new SingleBar({
    stream: options.stream,
    format: `${bounded ? '[{bar}] ' : ''}{elapsed}s | {rate}/s${targetRate ? ` of ${targetRate}/s` : ''} | sent {sent} | in flight {inFlight} | dropped {dropped} | errors {errors} | p99 {p99} ms`,
    barsize: 20,
    hideCursor: true,
    clearOnComplete: true,
    noTTYOutput: false,
    fps: 4,
  });
  let lastSent = 0;
  let lastAt = performance.now();
  let rate = 0;
  const total = bounded ? Math.max(1, Math.round(options.expectedMs)) : 1;
  const values = () => {
    const now = performance.now();
    const sent = run.stats.sent;
    if (now - lastAt >= 500) {
      rate = ((sent - lastSent) * 1000) / (now - lastAt);
      lastSent = sent;
      lastAt = now;
    }
    return {
      elapsed: ((now - (run.stats.startedAt || now)) / 1000).toFixed(1),
      rate: rate.toFixed(0),
      sent,
      inFlight: run.inFlight,
      dropped: run.stats.dropped,
      errors: run.recorder.errors,
      p99: (run.recorder.latency.totalCount
        ? run.recorder.latency.toHdr().getValueAtPercentile(99) / 1000
        : 0
      ).toFixed(1),
    };
  };
  bar.start(total, 0, values());
  const timer = setInterval(() => {
    const elapsed = performance.now() - (run.stats.startedAt || performance.now());
    bar.update(bounded ? Math.min(total, Math.round(elapsed)) : 0, values());
  }, options.intervalMs ?? 250);
  return {
    stop() {
      clearInterval(timer);
      bar.stop();
    },
  };
}
