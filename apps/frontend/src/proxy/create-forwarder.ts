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
export type Forwarder = (request: FastifyRequest, reply: FastifyReply, upstreamPath: string) => void;

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
  // Set from the buffered body (for a HEAD too: the upstream answered it as a GET).
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
 * Per request it allocates the dispatch options, the upstream headers and one handler object, nothing else
 * (no closures, no streams, no promises): see docs/adr/0004-proxy-hot-path.md.
 */
export function createForwarder(options: ForwarderOptions): Forwarder {
  const shared: SharedOptions = {
    dispatcher: options.dispatcher,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    timeoutMessage: `The backend did not answer within ${options.timeoutMs} ms`,
  };
  const upstreamHost = options.upstreamHost;
  const timeoutMs = options.timeoutMs;

  return function forward(request, reply, upstreamPath) {
    const rawUrl = request.raw.url ?? '';
    const queryAt = rawUrl.indexOf('?');
    const dispatchOptions: Dispatcher.DispatchOptions = {
      path: queryAt === -1 ? upstreamPath : upstreamPath + rawUrl.slice(queryAt),
      // HEAD goes upstream as GET (its body is dropped here): one method for the mesh's rule to allow, and the
      // content-length relayed is the real one.
      method: 'GET',
      headers: upstreamHeaders(request, upstreamHost),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    };
    new RelayHandler(shared, request, reply, dispatchOptions, upstreamPath).start();
  };
}

interface SharedOptions {
  readonly dispatcher: Dispatcher;
  readonly maxBodyBytes: number;
  readonly timeoutMessage: string;
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

/**
 * undici's native (callback) handler for one proxied request: dispatches it (and retries it once when the
 * socket broke before any answer), then relays the upstream response straight to Node's response.
 */
class RelayHandler implements Dispatcher.DispatchHandler {
  private attempt = 0;
  private statusCode = 0;
  private headers: OutgoingHttpHeaders | undefined;
  private body: Buffer | undefined;
  private chunks: Buffer[] | undefined;
  private bytes = 0;
  private abort: ((reason?: Error) => void) | undefined;

  constructor(
    private readonly shared: SharedOptions,
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    private readonly dispatchOptions: Dispatcher.DispatchOptions,
    private readonly upstreamPath: string,
  ) {}

  start(): void {
    this.attempt += 1;
    this.shared.dispatcher.dispatch(this.dispatchOptions, this);
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.statusCode = statusCode;
    const headers: OutgoingHttpHeaders = {};
    let listed: string | undefined;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = (rawHeaders[i] as Buffer).toString('latin1').toLowerCase();
      if (name === 'connection') listed = (rawHeaders[i + 1] as Buffer).toString('latin1');
      if (RESPONSE_HEADERS_DROPPED.has(name)) continue;
      const value = (rawHeaders[i + 1] as Buffer).toString('latin1');
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
    if (this.bytes > this.shared.maxBodyBytes) {
      this.abort?.(Object.assign(new Error('upstream body too large'), { code: 'ZT_BODY_TOO_LARGE' }));
      return false;
    }
    // The API's answers arrive in one chunk; only a longer body needs a list.
    if (this.body === undefined) this.body = chunk;
    else (this.chunks ??= [this.body]).push(chunk);
    return true;
  }

  onComplete(): void {
    const reply = this.reply;
    if (reply.sent || this.request.raw.destroyed) return;
    const body =
      this.chunks !== undefined ? Buffer.concat(this.chunks, this.bytes) : (this.body ?? Buffer.alloc(0));
    // This hop's own headers (security headers, x-request-id) set by the hooks, then the upstream's end-to-end
    // ones. Written straight to Node's response: hijack() only tells Fastify not to send anything itself; its
    // per-request bookkeeping (log line, metrics) still runs when the response finishes.
    // Fastify types header values as possibly numeric, which Node's response accepts as well.
    const headers = reply.getHeaders() as OutgoingHttpHeaders;
    const upstream = this.headers as OutgoingHttpHeaders;
    for (const name in upstream) headers[name] = upstream[name];
    const statusCode = this.statusCode;
    // Content-Length is the body's: the upstream answered a GET, so it is also right for a HEAD (whose body
    // Node drops); a status that has no body has no length either.
    if (statusCode !== 204 && statusCode !== 304 && statusCode >= 200)
      headers['content-length'] = body.length;
    reply.hijack();
    try {
      reply.raw.writeHead(statusCode, headers);
      reply.raw.end(body);
    } catch (error) {
      // Node refused a header the upstream sent: nothing was written, and a half-answer is worse than none.
      reply.log.error({ err: error, upstreamPath: this.upstreamPath }, 'could not relay the upstream answer');
      reply.raw.destroy();
    }
  }

  onError(error: Error): void {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const reply = this.reply;
    if (this.attempt === 1 && this.statusCode === 0 && RETRIED_ERROR_CODES.has(code)) {
      reply.log.warn({ err: error }, 'upstream socket failed, retrying once');
      this.headers = undefined;
      this.start();
      return;
    }
    reply.log.warn({ err: error, upstreamPath: this.upstreamPath }, 'upstream request failed');
    if (reply.sent || this.request.raw.destroyed) return;
    const requestId = this.request.id;
    const body: ErrorBody = TIMEOUT_ERROR_CODES.has(code)
      ? { statusCode: 504, error: 'Gateway Timeout', message: this.shared.timeoutMessage, requestId }
      : { statusCode: 502, error: 'Bad Gateway', message: 'The backend could not be reached', requestId };
    void reply.code(body.statusCode).type('application/json; charset=utf-8').send(body);
  }
}
