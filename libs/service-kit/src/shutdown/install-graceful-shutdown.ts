import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';
import type { Readiness } from '../health/readiness';
import { flushLoggerWithin } from '../logging/create-logger';

/** How long shutdown waits for stdout to take the last log lines (a stuck log collector must not block exit). */
export const LOG_FLUSH_LIMIT_MS = 1_000;

/** Options for installGracefulShutdown. */
export interface GracefulShutdownOptions {
  readonly logger: Logger;
  readonly readiness: Readiness;
  /** Time between readiness failing and the first closer running (SHUTDOWN_DELAY_MS). */
  readonly delayMs: number;
  /** Time the closers get to drain in-flight work before the process exits 1 (SHUTDOWN_DRAIN_TIMEOUT_MS). */
  readonly drainTimeoutMs: number;
  /** Run in order after the delay: typically the public server's close, then the metrics server's. */
  readonly closers: readonly (() => Promise<unknown>)[];
}

/**
 * On SIGTERM or SIGINT: readiness fails at once, the process keeps serving for `delayMs` while endpoints and
 * sidecars stop routing to it, then each closer runs (Fastify's close stops accepting, lets in-flight requests
 * finish and closes idle keep-alive sockets) and the process exits 0. Past `delayMs + drainTimeoutMs`, or on a
 * second signal, it exits 1. An uncaught error takes the same path and exits 1.
 */
export function installGracefulShutdown(options: GracefulShutdownOptions): { uninstall(): void } {
  const { logger } = options;
  const handle = closeWithGrace(
    {
      delay: options.delayMs + options.drainTimeoutMs,
      logger: { error: (message: unknown) => logger.error({ detail: String(message) }, 'shutdown problem') },
    },
    async ({ signal, err }) => {
      if (err) logger.error({ err }, 'fatal error, shutting down');
      options.readiness.markDraining();
      // Normal operation, not a failure: worded so that nobody reading the log takes it for an error.
      logger.info(
        { signal, delayMs: options.delayMs },
        'shutting down: readiness now reports not-ready, draining',
      );
      if (options.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      for (const close of options.closers) await close();
      logger.info('shutdown complete');
      // close-with-grace exits right after this returns: let the log lines still in flight reach stdout first.
      await flushLoggerWithin(logger, LOG_FLUSH_LIMIT_MS);
    },
  );
  return { uninstall: () => handle.uninstall() };
}
