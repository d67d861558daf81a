import type { AddressInfo } from 'node:net';
import {
  ConfigError,
  createLogger,
  createMetrics,
  createReadiness,
  createServiceApp,
  installGracefulShutdown,
} from '@ztmesh/service-kit';
import { OUTCOME } from '../record/response-class';
import { summarize } from '../record/create-recorder';
import { loadScenarioFile } from '../scenarios/load-scenario-file';
import { resolveScenarios } from '../scenarios/resolve-scenarios';
import type { Scenario } from '../scenarios/scenario';
import { createLoadRun, type LoadRun } from '../run/create-load-run';
import { UsageError } from '../usage-error';
import { createLoadMetrics } from './create-load-metrics';
import { loadLoadServiceConfig, type LoadServiceConfig } from './load-service-config';

// At most one log line per this interval about leaked requests (a leak at 5/s must not flood the log).
const LEAK_LOG_INTERVAL_MS = 10_000;

/**
 * `loadtest service`: the long-running Deployment. Sends the open-model mix at RATE until SIGTERM, serves
 * /metrics, /health and /ready on HOST:METRICS_PORT (service-kit's createServiceApp plus the registry), logs the
 * `listening` line every service logs, and on SIGTERM stops sending at once, fails readiness, waits
 * SHUTDOWN_DELAY_MS (a last scrape), lets requests in flight finish and exits 0.
 * See docs/adr/0013-service-mode-single-listener.md for why it does not use runService.
 */
export async function runLoadService(env: Record<string, string | undefined> = process.env): Promise<void> {
  let config: LoadServiceConfig;
  let scenarios: Scenario[];
  try {
    config = loadLoadServiceConfig(env);
    scenarios = resolveScenarios({
      target: config.TARGET_URL,
      file: config.SCENARIO_FILE
        ? { name: config.SCENARIO_FILE, content: loadScenarioFile(config.SCENARIO_FILE) }
        : undefined,
      unauthorizedUrl: config.UNAUTHORIZED_URL || undefined,
      unauthorizedShare: config.UNAUTHORIZED_SHARE,
    });
  } catch (error) {
    if (!(error instanceof ConfigError) && !(error instanceof UsageError)) throw error;
    const message = error.message
      .replace(/^--target/, 'TARGET_URL')
      .replace(/^the unauthorized URL/, 'UNAUTHORIZED_URL');
    process.stderr.write(`loadtest: ${message}\n`);
    process.exit(1);
  }

  const logger = createLogger({ name: 'loadtest', level: config.LOG_LEVEL });
  const metrics = createMetrics();
  const readiness = createReadiness();
  let lastLeakLogAt = -Infinity;
  const observe = createLoadMetrics({
    registry: metrics.registry,
    scenarios,
    targetRate: config.RATE,
    // Read at scrape time, after loadRun exists.
    run: () => loadRun,
  });
  const loadRun: LoadRun = createLoadRun({
    scenarios,
    model: 'open',
    ratePerSecond: config.RATE,
    connections: config.CONNECTIONS,
    maxInFlight: config.MAX_IN_FLIGHT,
    timeoutMs: config.TIMEOUT_MS,
    observer: (scenario, klass, outcome, latencyMs) => {
      observe(scenario, klass, outcome, latencyMs);
      if (outcome === OUTCOME.leaked && performance.now() - lastLeakLogAt > LEAK_LOG_INTERVAL_MS) {
        lastLeakLogAt = performance.now();
        const leaked = scenarios[scenario];
        logger.warn(
          { scenario: leaked?.name, url: leaked && leaked.origin + leaked.path },
          'unauthorized request leaked',
        );
      }
    },
  });

  const app = createServiceApp({
    logger,
    readiness,
    metrics,
    keepAliveTimeoutMs: config.KEEP_ALIVE_TIMEOUT_MS,
    // Scrapes and probes every few seconds are not worth a log line each.
    requestLogging: false,
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  let finished: Promise<unknown> = Promise.resolve();
  // Sending stops at the signal itself; close-with-grace (below) then runs the readiness/delay/drain sequence.
  const stopSending = () => loadRun.stop();
  process.once('SIGTERM', stopSending);
  process.once('SIGINT', stopSending);
  let summaryTimer: NodeJS.Timeout | undefined;
  installGracefulShutdown({
    logger,
    readiness,
    delayMs: config.SHUTDOWN_DELAY_MS,
    drainTimeoutMs: config.SHUTDOWN_DRAIN_TIMEOUT_MS,
    closers: [
      async () => {
        loadRun.stop();
        clearInterval(summaryTimer);
        await finished;
        logSummary();
      },
      () => app.close(),
    ],
  });

  function logSummary(): void {
    const recorder = loadRun.recorder;
    const outcomes = { ok: 0, failed: 0, blocked: 0, leaked: 0, inconclusive: 0 };
    for (const tally of recorder.scenarios) {
      outcomes.ok += tally.outcomes[OUTCOME.ok] ?? 0;
      outcomes.failed += tally.outcomes[OUTCOME.failed] ?? 0;
      outcomes.blocked += tally.outcomes[OUTCOME.blocked] ?? 0;
      outcomes.leaked += tally.outcomes[OUTCOME.leaked] ?? 0;
      outcomes.inconclusive += tally.outcomes[OUTCOME.inconclusive] ?? 0;
    }
    const latency = summarize(recorder.latency);
    logger.info(
      {
        sent: loadRun.stats.sent,
        dropped: loadRun.stats.dropped,
        ...outcomes,
        p50Ms: latency.p50,
        p99Ms: latency.p99,
      },
      'load summary',
    );
  }

  try {
    await app.listen({ host: config.HOST, port: config.METRICS_PORT });
    finished = loadRun.run().catch((error: unknown) => logger.error({ err: error }, 'load run failed'));
    readiness.markReady();
    const port = (app.server.address() as AddressInfo).port;
    logger.info(
      {
        host: config.HOST,
        port,
        metricsPort: port,
        rate: config.RATE,
        scenarios: scenarios.map((scenario) => ({
          name: scenario.name,
          url: scenario.origin + scenario.path,
          weight: scenario.weight,
          unauthorized: scenario.unauthorized,
        })),
      },
      'listening',
    );
    if (config.SUMMARY_INTERVAL_MS > 0) {
      summaryTimer = setInterval(logSummary, config.SUMMARY_INTERVAL_MS);
      summaryTimer.unref();
    }
  } catch (error) {
    logger.fatal({ err: error }, 'could not start');
    logger.flush();
    process.exitCode = 1;
    setImmediate(() => process.exit(1));
  }
}
