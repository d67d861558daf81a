import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ServiceMetrics } from '../metrics/create-metrics';

/** Route label for requests that matched no route, so unknown URLs cannot add series or log fields. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Options for RequestObserver. */
export interface RequestObserverOptions {
  /** Log one line per completed request at info; default true. Errors are logged either way. */
  readonly logRequests?: boolean;
  /** Records each completed request in `http_request_duration_seconds`; omit to record nothing. */
  readonly metrics?: ServiceMetrics;
}

/**
 * Fastify's request logging writes two lines per request (incoming and completed). This controller writes one,
 * when the response is done, with what an operator filters on: method, URL, route template, status and time.
 * It also records the latency histogram: Fastify calls requestCompleted once per response on every path
 * (routes, 404s, framework errors), directly, so observing here costs no onResponse hook (whose runner
 * allocates per request) and reads the route and elapsed time once for both the log line and the metric.
 */
export class RequestObserver extends LogController {
  private readonly logRequests: boolean;
  private readonly metrics: ServiceMetrics | undefined;

  constructor(options: RequestObserverOptions = {}) {
    const logRequests = options.logRequests ?? true;
    super({ requestIdLogLabel: 'requestId', disableRequestLogging: !logRequests });
    this.logRequests = logRequests;
    this.metrics = options.metrics;
  }

  override incomingRequest(): void {
    // Folded into requestCompleted.
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (!this.metrics && !this.logRequests && !error) return;
    // routeOptions builds a fresh object on each access: read it once, and not at all for a 404.
    const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
    const responseTimeMs = reply.elapsedTime;
    const statusCode = reply.statusCode;
    this.metrics?.observeRequest(request.method, route, statusCode, responseTimeMs / 1000);
    if (error) {
      reply.log.error(
        { method: request.method, url: request.url, route, statusCode, responseTimeMs, err: error },
        'request errored',
      );
    } else if (this.logRequests) {
      reply.log.info(
        // Microsecond precision is all a log reader needs; 17 significant digits cost bytes and formatting time.
        {
          method: request.method,
          url: request.url,
          route,
          statusCode,
          responseTimeMs: roundToMicros(responseTimeMs),
        },
        'request completed',
      );
    }
  }
}

function roundToMicros(milliseconds: number): number {
  return Math.round(milliseconds * 1000) / 1000;
}
