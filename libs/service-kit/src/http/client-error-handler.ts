import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ErrorBody } from './error-schema';
import { REQUEST_ID_HEADER } from './request-id';

/** What Node's HTTP parser reports with a `clientError` event. */
type ConnectionError = Error & { code?: string };

/**
 * For Fastify's `clientErrorHandler` option: a request Node's HTTP parser rejects (bytes that are not HTTP, a
 * header block over the size limit, a request that timed out) gets the same JSON error body as every other error,
 * with a fresh request id (its headers were never parsed) in the body and in `x-request-id`, then the connection
 * closes, as after any parse error.
 */
export function createClientErrorHandler(logger: Logger): (error: ConnectionError, socket: Socket) => void {
  return (error, socket) => {
    // A reset connection has nobody left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const statusCode =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const requestId = randomUUID();
    const body: ErrorBody = {
      statusCode,
      error: STATUS_CODES[statusCode] ?? 'Bad Request',
      message:
        statusCode === 408
          ? 'The request was not received in time'
          : statusCode === 431
            ? 'The request headers are too large'
            : 'The request is not valid HTTP',
      requestId,
    };
    // Debug, not warn: port scanners and health checkers that speak no HTTP cause these all day.
    logger.debug({ requestId, err: error }, 'client error');
    if (socket.writable) {
      const payload = JSON.stringify(body);
      socket.write(
        `HTTP/1.1 ${statusCode} ${body.error}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(payload)}\r\n${REQUEST_ID_HEADER}: ${requestId}\r\n` +
          `Connection: close\r\n\r\n${payload}`,
      );
    }
    socket.destroy(error);
  };
}
