import { STATUS_CODES } from 'node:http';
import { hostname as osHostname } from 'node:os';
import type { Socket } from 'node:net';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import { Type } from '@sinclair/typebox';
import type { Readiness } from './health/readiness';
import { ErrorBodySchema, type ErrorBody } from './http/error-schema';
import { SERVER_LIMIT_DEFAULTS } from './config/load-config';
import { createClientErrorHandler, writeRawError } from './http/client-error-handler';
import { malformedRequestMessage } from './http/malformed-request';
import { frameworkErrorHandler } from './http/framework-error-handler';
import { genRequestId, REQUEST_ID_HEADER } from './http/request-id';
import { RequestObserver } from './logging/request-observer';
import type { ServiceMetrics } from './metrics/create-metrics';

/** Options for createServiceApp. */
export interface ServiceAppOptions {
  readonly logger: Logger;
  readonly readiness: Readiness;
  /** Records `http_request_duration_seconds`; omit to serve without metrics. */
  readonly metrics?: ServiceMetrics;
  /** How long an idle keep-alive socket stays open (see KEEP_ALIVE_TIMEOUT_MS). */
  readonly keepAliveTimeoutMs: number;
  /** Time to a request's complete header block (HEADERS_TIMEOUT_MS); default SERVER_LIMIT_DEFAULTS. */
  readonly headersTimeoutMs?: number;
  /** Time to receive a whole request (REQUEST_TIMEOUT_MS), at least the headers timeout; default as above. */
  readonly requestTimeoutMs?: number;
  /** Open client connections at most (MAX_CONNECTIONS); default as above. */
  readonly maxConnections?: number;
  /** Log one line per completed request at info; default true. */
  readonly requestLogging?: boolean;
  /** The name reported as `hostname` (the pod name in Kubernetes); default the OS hostname. */
  readonly hostname?: () => string;
  /** Extra Fastify server options (for example `trustProxy` or `routerOptions`). */
  readonly fastify?: Omit<FastifyServerOptions, 'logger' | 'loggerInstance'>;
}

/** Response schema of `GET /health` (liveness), identical on every service. */
export const HealthBodySchema = Type.Object(
  {
    status: Type.Literal('ok'),
    hostname: Type.String(),
    timestamp: Type.String({ format: 'date-time' }),
    uptimeSeconds: Type.Number(),
  },
  { additionalProperties: false },
);

/** Response schema of `GET /ready`. */
export const ReadyBodySchema = Type.Object(
  { status: Type.Union([Type.Literal('ready'), Type.Literal('starting'), Type.Literal('draining')]) },
  { additionalProperties: false },
);

/**
 * A Fastify instance with what every ztmesh service has: request ids taken from and echoed in `x-request-id`,
 * one JSON log line per completed request, the latency histogram keyed by route template, JSON error bodies
 * `{statusCode, error, message, requestId}` without stack traces, `GET /health` (liveness) and `GET /ready`
 * (readiness). It never listens: the caller adds its routes and decides where to listen.
 */
export function createServiceApp(options: ServiceAppOptions): FastifyInstance {
  const hostname = options.hostname ?? osHostname;
  const startedAt = performance.now();
  const observer = new RequestObserver({
    logRequests: options.requestLogging ?? true,
    metrics: options.metrics,
  });
  // Errors raised before routing (a malformed URL such as `/%zz`) get the JSON error body too.
  const onFrameworkError = options.fastify?.frameworkErrors ?? frameworkErrorHandler;
  const headersTimeoutMs = options.headersTimeoutMs ?? SERVER_LIMIT_DEFAULTS.headersTimeoutMs;
  const requestTimeoutMs = options.requestTimeoutMs ?? SERVER_LIMIT_DEFAULTS.requestTimeoutMs;
  const app = Fastify({
    ...options.fastify,
    // Node checks the headers and request timeouts on a timer; every half timeout (at most each second) bounds
    // a slow or silent socket's life at 1.5 times the timeout (docs/adr/0050-server-timeouts-and-connection-cap.md).
    http: {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, Math.ceil(headersTimeoutMs / 2)),
      // Node's own check answers a bare 400 without a body; the onRequest hook answers the JSON one instead.
      requireHostHeader: false,
    },
    // Fastify copies its own value onto the server after creating it (0, none, unless given).
    requestTimeout: requestTimeoutMs,
    // Fastify skips its response bookkeeping for these, so log and count them here like any other response.
    frameworkErrors: (error, request, reply) => {
      reply.raw.once('finish', () => observer.requestCompleted(null, request, reply));
      return onFrameworkError(error, request, reply);
    },
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: observer,
    requestIdHeader: false,
    genReqId: genRequestId,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    // Closing the listener also closes idle keep-alive sockets; busy ones finish their request first.
    forceCloseConnections: 'idle',
    // Fastify's own 503 while closing has a fixed body without a request id; the onRequest hook answers instead.
    return503OnClosing: false,
    // Requests Node's parser rejects (garbage, oversized headers) never reach Fastify's routing.
    clientErrorHandler: createClientErrorHandler(options.logger),
  });
  // A connection past the cap is closed by Node at once, before any byte is read.
  app.server.maxConnections = options.maxConnections ?? SERVER_LIMIT_DEFAULTS.maxConnections;
  // Node has no answer for CONNECT without a listener: it drops the socket in silence. Nothing here tunnels.
  app.server.on('connect', (_request: unknown, socket: Socket) => {
    writeRawError(socket, 400, 'CONNECT is not supported: this server is not a proxy');
    socket.destroy();
  });

  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    const malformed = malformedRequestMessage(request.raw);
    if (malformed !== undefined) {
      const body: ErrorBody = {
        statusCode: 400,
        error: 'Bad Request',
        message: malformed,
        requestId: request.id,
      };
      // The connection closes after it: a body of unknown length may follow, and a client that sent this is
      // not one to keep talking to.
      void reply.code(400).header('connection', 'close').type('application/json').send(body);
      return;
    }
    if (!closing) return done();
    // A request that reaches a closing server came on a keep-alive connection that was busy when the
    // listener closed: shed it (the caller, or the mesh's retry policy, sends it to another replica) and tell
    // the client not to reuse the connection.
    const body: ErrorBody = {
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The server is shutting down',
      requestId: request.id,
    };
    void reply.code(503).header('connection', 'close').type('application/json').send(body);
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const statusCode =
      typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600
        ? error.statusCode
        : 500;
    if (statusCode >= 500) request.log.error({ err: error }, 'request failed');
    const body: ErrorBody = {
      statusCode,
      error: STATUS_CODES[statusCode] ?? 'Error',
      // Client errors explain themselves; server errors never leak internals.
      message: statusCode >= 500 ? 'The server could not complete the request' : error.message,
      requestId: request.id,
    };
    return reply.code(statusCode).type('application/json').send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      statusCode: 404,
      error: 'Not Found',
      message: `Route ${request.method} ${request.url} not found`,
      requestId: request.id,
    };
    return reply.code(404).type('application/json').send(body);
  });

  app.get('/health', { schema: { response: { 200: HealthBodySchema } } }, async () => ({
    status: 'ok' as const,
    hostname: hostname(),
    timestamp: new Date().toISOString(),
    uptimeSeconds: Math.round((performance.now() - startedAt) / 10) / 100,
  }));

  app.get(
    '/ready',
    { schema: { response: { 200: ReadyBodySchema, 503: ReadyBodySchema } } },
    async (_r, reply) => {
      const status = options.readiness.state;
      return reply.code(status === 'ready' ? 200 : 503).send({ status });
    },
  );

  return app;
}

/** Schemas of the error body for use in a route's `response` map. */
export const ErrorResponses = {
  400: ErrorBodySchema,
  404: ErrorBodySchema,
  500: ErrorBodySchema,
  503: ErrorBodySchema,
};
