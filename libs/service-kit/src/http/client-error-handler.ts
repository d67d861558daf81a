import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ErrorBody } from './error-schema';
import { REQUEST_ID_HEADER } from './request-id';

/** What Node's HTTP parser reports with a `clientError` event. */
type ConnectionError = Error & { code?: string };

const CLIENT_ERROR_MESSAGES: Record<number, string> = {
  400: 'The request is not valid HTTP',
  408: 'The request was not received in time',
  431: 'The request headers are too large',
};

/**
 * Writes the JSON error body straight to a socket that Node's HTTP machinery has let go of (a parse error, a
 * timeout, a `CONNECT`), with a fresh request id in the body and in `x-request-id`, and `Connection: close`.
 * The caller destroys the socket afterwards. Returns the request id.
 */
export function writeRawError(socket: Socket, statusCode: number, message: string): string {
  const requestId = randomUUID();
  if (!socket.writable) return requestId;
  const error = STATUS_CODES[statusCode] ?? 'Bad Request';
  const body: ErrorBody = { statusCode, error, message, requestId };
  const payload = JSON.stringify(body);
  socket.write(
    `HTTP/1.1 ${statusCode} ${error}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(payload)}\r\n${REQUEST_ID_HEADER}: ${requestId}\r\n` +
      `Connection: close\r\n\r\n${payload}`,
  );
  return requestId;
}

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
    // Debug, not warn: port scanners and health checkers that speak no HTTP cause these all day.
    const requestId = writeRawError(socket, statusCode, CLIENT_ERROR_MESSAGES[statusCode] ?? '');
    logger.debug({ requestId, err: error }, 'client error');
    socket.destroy(error);
  };
}
