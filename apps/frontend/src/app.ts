import type { FastifyInstance } from 'fastify';
import { createServiceApp, type ServiceDeps } from '@ztmesh/service-kit';
import type { FrontendConfig } from './config';
import { backendProxy } from './plugins/backend-proxy';
import { securityHeaders } from './plugins/security-headers';
import { pageRoutes } from './routes/page';

/** What buildApp needs besides config; everything optional has a real default. */
export type FrontendDeps = Pick<ServiceDeps, 'logger' | 'readiness'> &
  Partial<Pick<ServiceDeps, 'metrics'>> & { readonly hostname?: () => string };

/**
 * Builds the frontend: shared service plumbing (health, readiness, errors, logs, metrics), security headers,
 * the page and the `/api/backend/*` proxy.
 */
export function buildApp(config: FrontendConfig, deps: FrontendDeps): FastifyInstance {
  const app = createServiceApp({
    logger: deps.logger,
    readiness: deps.readiness,
    metrics: config.METRICS_ENABLED ? deps.metrics : undefined,
    requestLogging: config.REQUEST_LOGGING,
    keepAliveTimeoutMs: config.KEEP_ALIVE_TIMEOUT_MS,
    headersTimeoutMs: config.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
    maxConnections: config.MAX_CONNECTIONS,
    // A malformed URL (`/api/backend/%zz`) gets the JSON 400 from createServiceApp's framework-error handler.
    hostname: deps.hostname,
  });
  app.register(securityHeaders);
  app.register(pageRoutes);
  app.register(
    backendProxy({
      backendUrl: config.BACKEND_URL,
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
      maxQueued: config.UPSTREAM_MAX_QUEUED,
      registry: config.METRICS_ENABLED ? deps.metrics?.registry : undefined,
      connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
      connections: config.UPSTREAM_CONNECTIONS,
      keepAliveTimeoutMs: config.UPSTREAM_KEEP_ALIVE_TIMEOUT_MS,
    }),
  );
  return app;
}
