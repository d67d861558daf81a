import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ConfigError } from './config/load-config';
import { createReadiness, type Readiness } from './health/readiness';
import { createLogger, flushLoggerWithin } from './logging/create-logger';
import { createMetrics, type ServiceMetrics } from './metrics/create-metrics';
import { createMetricsServer } from './metrics/create-metrics-server';
import { installGracefulShutdown } from './shutdown/install-graceful-shutdown';

/** The part of a service's config that runService reads (every app schema spreads ServiceConfigProperties). */
export interface RunnableConfig {
  readonly HOST: string;
  readonly PORT: number;
  readonly METRICS_HOST: string;
  readonly METRICS_PORT: number;
  readonly LOG_LEVEL: string;
  readonly SHUTDOWN_DELAY_MS: number;
  readonly SHUTDOWN_DRAIN_TIMEOUT_MS: number;
}

/** What runService hands to an app's build function. */
export interface ServiceDeps {
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly readiness: Readiness;
}

/** Options for runService. */
export interface RunServiceOptions<C extends RunnableConfig> {
  readonly name: string;
  /** Reads and validates the environment; a ConfigError becomes one line on stderr and exit code 1. */
  readonly loadConfig: () => C;
  readonly build: (config: C, deps: ServiceDeps) => FastifyInstance | Promise<FastifyInstance>;
}

/**
 * The whole of an app's main(): load config once, build the app, serve it and its metrics on separate ports,
 * install graceful shutdown, then turn ready. Logs `listening` with both bound ports (tests start the bundles on
 * port 0 and read the ports from that line).
 */
export async function runService<C extends RunnableConfig>(options: RunServiceOptions<C>): Promise<void> {
  let config: C;
  try {
    config = options.loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${options.name}: ${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger({ name: options.name, level: config.LOG_LEVEL });
  const metrics = createMetrics();
  const readiness = createReadiness();
  try {
    const app = await options.build(config, { logger, metrics, readiness });
    const metricsServer = createMetricsServer({ registry: metrics.registry });
    installGracefulShutdown({
      logger,
      readiness,
      delayMs: config.SHUTDOWN_DELAY_MS,
      drainTimeoutMs: config.SHUTDOWN_DRAIN_TIMEOUT_MS,
      closers: [() => app.close(), () => metricsServer.close()],
    });
    await app.listen({ host: config.HOST, port: config.PORT });
    await metricsServer.listen({ host: config.METRICS_HOST, port: config.METRICS_PORT });
    readiness.markReady();
    logger.info(
      {
        host: config.HOST,
        port: (app.server.address() as AddressInfo).port,
        metricsPort: (metricsServer.server.address() as AddressInfo).port,
      },
      'listening',
    );
    // Supervisors and tests wait for this line: write it now rather than with the next batch.
    logger.flush();
  } catch (error) {
    logger.fatal({ err: error }, 'could not start');
    process.exitCode = 1;
    await flushLoggerWithin(logger, 1_000);
    process.exit(1);
  }
}
