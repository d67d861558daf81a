import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { ErrorBody } from '../http/error-schema';
import { genRequestId, REQUEST_ID_HEADER } from '../http/request-id';

/** Options for createMetricsServer. */
export interface MetricsServerOptions {
  readonly registry: Registry;
}

/**
 * A separate Fastify instance that serves only `GET /metrics`. It listens on its own port, so nothing routed to
 * the public port (and no proxy in front of it) can ever reach the metrics. Anything else is a JSON 404 with a
 * request id, like the services' own errors.
 */
export function createMetricsServer(options: MetricsServerOptions): FastifyInstance {
  const server = Fastify({ logger: false, genReqId: genRequestId, requestIdHeader: false });
  server.get('/metrics', async (_request, reply) => {
    reply.header('content-type', options.registry.contentType);
    return options.registry.metrics();
  });
  server.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      statusCode: 404,
      error: 'Not Found',
      message: `Route ${request.method} ${request.url} not found: this port serves GET /metrics only`,
      requestId: request.id,
    };
    return reply.code(404).header(REQUEST_ID_HEADER, request.id).type('application/json').send(body);
  });
  return server;
}
