import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** Route label for requests that matched no route, so unknown URLs cannot add series or log fields. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Fastify's request logging writes two lines per request (incoming and completed). This controller writes one,
 * when the response is done, with what an operator filters on: method, URL, route template, status and time.
 */
export class OneLineLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'requestId' });
  }

  override incomingRequest(): void {
    // Folded into requestCompleted.
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: request.method,
      url: request.url,
      route: request.routeOptions.url ?? UNMATCHED_ROUTE,
      statusCode: reply.statusCode,
      responseTimeMs: reply.elapsedTime,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

/** Logs nothing per request (the ceiling configuration of the benchmarks); errors are still logged. */
export class SilentRequestLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'requestId', disableRequestLogging: true });
  }
}
