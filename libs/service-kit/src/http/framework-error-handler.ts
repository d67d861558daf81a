import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from './error-schema';
import { REQUEST_ID_HEADER } from './request-id';

/**
 * For Fastify's `frameworkErrors` server option: errors raised before routing (a malformed URL such as `/%zz`,
 * an over-long path parameter) answer with the same JSON error body and `x-request-id` header as every other
 * error, instead of Fastify's own shape without a request id.
 */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const statusCode =
    error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  const body: ErrorBody = {
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Bad Request',
    message: error.message,
    requestId: request.id,
  };
  void reply.code(statusCode).header(REQUEST_ID_HEADER, request.id).type('application/json').send(body);
}
