import pino, { type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';
import { stdoutDestination } from './stdout-destination';

/** Options for createLogger. */
export interface LoggerOptions {
  readonly name: string;
  readonly level: LevelWithSilent | string;
  /** Human-readable output; defaults to whether stdout is a TTY. */
  readonly pretty?: boolean;
  /** Where JSON lines go; defaults to a buffered stdout that is flushed on shutdown. */
  readonly destination?: pino.DestinationStream;
}

/**
 * A pino logger writing one JSON object per line to stdout (or, when stdout is a TTY, pretty lines for people).
 * Stdout is written asynchronously, one write per event-loop turn (see stdout-destination.ts), so request
 * logging costs little throughput, and whatever is pending is flushed synchronously when the process exits.
 */
export function createLogger(options: LoggerOptions): Logger {
  const usePretty = options.pretty ?? Boolean(process.stdout.isTTY);
  const destination =
    options.destination ??
    (usePretty
      ? pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
      : stdoutDestination());
  return pino(
    {
      name: options.name,
      level: options.level,
      base: { service: options.name },
      timestamp: isoTimeCachedPerMillisecond,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], remove: true },
    },
    destination,
  );
}

let cachedAtMs = Number.NaN;
let cachedTime = '';

/**
 * The same `,"time":"<ISO 8601>"` fragment as pino's isoTime, formatted once per millisecond: Date#toISOString
 * was about 40% of the cost of a request log line, and a busy service logs dozens of lines per millisecond.
 */
function isoTimeCachedPerMillisecond(): string {
  const nowMs = Date.now();
  if (nowMs !== cachedAtMs) {
    cachedAtMs = nowMs;
    cachedTime = `,"time":"${new Date(nowMs).toISOString()}"`;
  }
  return cachedTime;
}

/** Writes out whatever the logger still buffers; call before the process exits. */
export function flushLogger(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // A destination that cannot flush synchronously (or is already closed) has nothing left to lose.
  }
}

/** Resolves once the logger's destination has written everything it holds, or after `limitMs`, whichever is first. */
export function flushLoggerWithin(logger: Logger, limitMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, limitMs);
    try {
      // The callback's error (fsync is not possible on a pipe) does not matter: the write itself is done.
      logger.flush(() => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}
