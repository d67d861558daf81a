import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** Options for createMetricsServer. */
export interface MetricsServerOptions {
  readonly registry: Registry;
}

/**
 * A separate Fastify instance that serves only `GET /metrics`. It listens on its own port, so nothing routed to
 * the public port (and no proxy in front of it) can ever reach the metrics.
 */
export function createMetricsServer(options: MetricsServerOptions): FastifyInstance {
  const server = Fastify({ logger: false });
  server.get('/metrics', async (_request, reply) => {
    reply.header('content-type', options.registry.contentType);
    return options.registry.metrics();
  });
  return server;
}
