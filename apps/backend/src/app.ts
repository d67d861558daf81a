import { hostname as osHostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { createServiceApp, type ServiceDeps } from '@ztmesh/service-kit';
import type { BackendConfig } from './config';
import { dataRoutes } from './routes/data';
import { rootRoutes } from './routes/root';
import type { RouteDeps } from './routes/route-deps';

/** What buildApp needs besides config; everything optional has a real default. */
export type BackendDeps = Pick<ServiceDeps, 'logger' | 'readiness'> &
  Partial<Pick<ServiceDeps, 'metrics'>> &
  Partial<RouteDeps>;

/** Builds the backend: shared service plumbing (health, readiness, errors, logs, metrics) plus its API routes. */
export function buildApp(config: BackendConfig, deps: BackendDeps): FastifyInstance {
  // A pod's hostname never changes; reading it once spares a system call per request.
  const osName = config.POD_NAME || osHostname();
  const routeDeps: RouteDeps = {
    hostname: deps.hostname ?? (() => osName),
    now: deps.now ?? (() => new Date()),
  };
  const app = createServiceApp({
    logger: deps.logger,
    readiness: deps.readiness,
    metrics: config.METRICS_ENABLED ? deps.metrics : undefined,
    requestLogging: config.REQUEST_LOGGING,
    keepAliveTimeoutMs: config.KEEP_ALIVE_TIMEOUT_MS,
    headersTimeoutMs: config.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
    maxConnections: config.MAX_CONNECTIONS,
    hostname: routeDeps.hostname,
  });
  app.register(rootRoutes(routeDeps));
  app.register(dataRoutes(routeDeps));
  return app;
}
