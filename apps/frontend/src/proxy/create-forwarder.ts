import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import { REQUEST_ID_HEADER, type ErrorBody } from '@ztmesh/service-kit';

/** Options for createForwarder. */
export interface ForwarderOptions {
  /** The keep-alive pool to the upstream (one origin). */
  readonly dispatcher: Dispatcher;
  /** `Host` sent upstream (the upstream's own authority, so a sidecar routes it to the right service). */
  readonly upstreamHost: string;
  /** Time to the response headers and between body chunks; past it the caller gets a 504. */
  readonly timeoutMs: number;
  /** Largest upstream body relayed; a bigger one is abandoned as a 502. Default 1 MiB (the API sends ~200 B). */
  readonly maxBodyBytes?: number;
}

/** Forwards one request to `upstreamPath` (plus the original query) and answers the reply with the result. */
export type Forwarder = (request: FastifyRequest, reply: FastifyReply, upstreamPath: string) => FastifyReply;

// Hop-by-hop headers (RFC 9110 7.6.1) are never forwarded in either direction; `host` is replaced, and framing
// headers are dropped because only body-less GET and HEAD are forwarded and the body is re-framed here.
const REQUEST_HEADERS_DROPPED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
  'transfer-encoding',
  'content-length',
  'expect',
  'host',
]);
const RESPONSE_HEADERS_DROPPED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'te',
  'trailer',
  'upgrade',
  'transfer-encoding',
  // Re-computed for the relayed body by Fastify; kept only for HEAD, which has none.
  'content-length',
  // This hop's own values win: Node stamps the date, and the request id was set when the request arrived.
  'date',
  REQUEST_ID_HEADER,
]);

// A socket that broke under the request (typically a pooled keep-alive socket the upstream closed at the same
// instant) is retried once, before any response arrived; nothing else is (docs/adr/0007-upstream-client.md).
const RETRIED_ERROR_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);
const TIMEOUT_ERROR_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * A lean HTTP/1.1 forwarder on undici's dispatch API: it copies end-to-end headers, sets `x-forwarded-*` and
 * `x-request-id`, relays status, headers and the (small, buffered) body, and maps failures to JSON 502 or 504.
 * Buffering means a body that breaks mid-way still becomes a clean 502 instead of a truncated 200.
 */
export function createForwarder(options: ForwarderOptions): Forwarder {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const timeoutMessage = `The backend did not answer within ${options.timeoutMs} ms`;

  return function forward(request, reply, upstreamPath) {
    const rawUrl = request.raw.url ?? '';
    const queryAt = rawUrl.indexOf('?');
    const dispatchOptions: Dispatcher.DispatchOptions = {
      path: queryAt === -1 ? upstreamPath : upstreamPath + rawUrl.slice(queryAt),
      // HEAD goes upstream as GET (its body is dropped here): one method for the mesh's rule to allow, and the
      // content-length relayed is the real one.
      method: 'GET',
      headers: upstreamHeaders(request, options.upstreamHost),
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    };
    let attempt = 0;
    const start = (): void => {
      attempt += 1;
      options.dispatcher.dispatch(dispatchOptions, new RelayHandler(reply, onFailure, maxBodyBytes));
    };
    const onFailure = (error: NodeJS.ErrnoException, responseStarted: boolean): void => {
      if (attempt === 1 && !responseStarted && RETRIED_ERROR_CODES.has(error.code ?? '')) {
        reply.log.warn({ err: error }, 'upstream socket failed, retrying once');
        start();
        return;
      }
      const timedOut = TIMEOUT_ERROR_CODES.has(error.code ?? '');
      reply.log.warn({ err: error, upstreamPath }, 'upstream request failed');
      if (reply.sent || request.raw.destroyed) return;
      const body: ErrorBody = timedOut
        ? { statusCode: 504, error: 'Gateway Timeout', message: timeoutMessage, requestId: request.id }
        : {
            statusCode: 502,
            error: 'Bad Gateway',
            message: 'The backend could not be reached',
            requestId: request.id,
          };
      void reply.code(body.statusCode).type('application/json; charset=utf-8').send(body);
    };
    start();
    return reply;
  };
}

function upstreamHeaders(request: FastifyRequest, upstreamHost: string): IncomingHttpHeaders {
  const incoming = request.headers;
  const headers: IncomingHttpHeaders = {};
  for (const name in incoming) {
    if (!REQUEST_HEADERS_DROPPED.has(name)) headers[name] = incoming[name];
  }
  // Headers named in `Connection` are hop-by-hop too (RFC 9110 7.6.1), whatever they are called.
  if (incoming.connection) {
    for (const listed of incoming.connection.split(',')) delete headers[listed.trim().toLowerCase()];
  }
  headers.host = upstreamHost;
  // The backend logs the same id as this hop: the incoming one when it was safe to keep, else ours.
  headers[REQUEST_ID_HEADER] = request.id;
  const client = request.socket.remoteAddress;
  if (client) {
    const before = incoming['x-forwarded-for'];
    headers['x-forwarded-for'] = before ? `${before}, ${client}` : client;
  }
  // Kept when an earlier hop set them (the ingress gateway terminates TLS and knows the original scheme and
  // host); otherwise this hop is the first and says what it saw.
  if (!incoming['x-forwarded-proto']) headers['x-forwarded-proto'] = request.protocol;
  if (!incoming['x-forwarded-host'] && incoming.host) headers['x-forwarded-host'] = incoming.host;
  return headers;
}

/** undici's native (callback) handler: relays one upstream response into a Fastify reply. */
class RelayHandler implements Dispatcher.DispatchHandler {
  private statusCode = 0;
  private headers: OutgoingHttpHeaders = {};
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private abort: ((reason?: Error) => void) | undefined;

  constructor(
    private readonly reply: FastifyReply,
    private readonly onFailure: (error: NodeJS.ErrnoException, responseStarted: boolean) => void,
    private readonly maxBodyBytes: number,
  ) {}

  onConnect(abort: (reason?: Error) => void): void {
    this.abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.statusCode = statusCode;
    const headers: OutgoingHttpHeaders = {};
    let listed: string | undefined;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i].toString('latin1').toLowerCase();
      if (name === 'connection') listed = rawHeaders[i + 1].toString('latin1');
      if (RESPONSE_HEADERS_DROPPED.has(name) && !(name === 'content-length' && this.isHead())) continue;
      const value = rawHeaders[i + 1].toString('latin1');
      const previous = headers[name];
      headers[name] =
        previous === undefined
          ? value
          : Array.isArray(previous)
            ? [...previous, value]
            : [String(previous), value];
    }
    if (listed) for (const name of listed.split(',')) delete headers[name.trim().toLowerCase()];
    this.headers = headers;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBodyBytes) {
      this.abort?.(Object.assign(new Error('upstream body too large'), { code: 'ZT_BODY_TOO_LARGE' }));
      return false;
    }
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    const reply = this.reply;
    if (reply.sent || reply.request.raw.destroyed) return;
    const body = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.bytes);
    void reply
      .code(this.statusCode)
      .headers(this.headers)
      .send(this.isHead() ? undefined : body);
  }

  onError(error: Error): void {
    this.onFailure(error as NodeJS.ErrnoException, this.statusCode !== 0);
  }

  private isHead(): boolean {
    return this.reply.request.method === 'HEAD';
  }
}
