import {
  STATUS_CODES,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { util as undiciUtil, type Dispatcher } from 'undici';
import { REQUEST_ID_HEADER, type ErrorBody } from '@ztmesh/service-kit';

/** Options for createForwarder. */
export interface ForwarderOptions {
  /** The keep-alive pool to the upstream (one origin). */
  readonly dispatcher: Dispatcher;
  /** `Host` sent upstream (the upstream's own authority, so a sidecar routes it to the right service). */
  readonly upstreamHost: string;
  /**
   * End-to-end bound from the request's arrival (waiting for a connection included) to the upstream answer's
   * headers, and on each gap between body chunks; past it the caller gets a 504.
   */
  readonly timeoutMs: number;
  /** Requests sent upstream at once: the pool's connection count (one request per connection). */
  readonly connections: number;
  /** Requests waiting for a free connection at most; one more is answered 503 with `Retry-After` at once. */
  readonly maxQueued: number;
  /** Counts aborted and refused requests; optional (no metrics when omitted). */
  readonly metrics?: ForwarderMetrics;
  /** Largest upstream body relayed; a bigger one is abandoned as a 502. Default 1 MiB (the API sends ~200 B). */
  readonly maxBodyBytes?: number;
}

/** What the forwarder reports; each is called off the hot path only (an abort, a refusal). */
export interface ForwarderMetrics {
  /** The client went away: `inFlight` true when an upstream request was cancelled, false when it never left. */
  clientGone(inFlight: boolean): void;
  /** A request was refused with a 503 because the wait queue was full. */
  queueFull(): void;
}

/** Forwards one request to `upstreamPath` (plus the original query) and answers the reply with the result. */
export type Forwarder = ((request: FastifyRequest, reply: FastifyReply, upstreamPath: string) => void) & {
  /** Requests sent upstream and not finished, and requests waiting for a connection (for a gauge). */
  readonly load: () => { readonly active: number; readonly queued: number };
};

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

// The error a cancelled upstream request fails with: the client it was for went away.
const CLIENT_GONE = 'ZT_CLIENT_GONE';
// The handler of a response, so that one shared `close` listener (no closure per request) finds it.
const kRelay = Symbol('relay');
type RelayedResponse = ServerResponse & { [kRelay]?: RelayHandler };

/**
 * A lean HTTP/1.1 forwarder on undici's dispatch API: it copies end-to-end headers, sets `x-forwarded-*` and
 * `x-request-id`, relays status, headers and the (small, buffered) body, and maps failures to JSON 502 or 504.
 * Buffering means a body that breaks mid-way still becomes a clean 502 instead of a truncated 200.
 * It admits at most `connections` requests upstream at a time and queues the rest here, not in the pool, so the
 * timeout runs from arrival (a request that waited past it is answered 504 when it would have been sent), the
 * queue is bounded (`maxQueued`, then 503), and a queued request whose client left is simply dropped. A client
 * that goes away cancels its upstream request, which frees the connection at once.
 * Per request it allocates the dispatch options, the upstream headers and one handler object, and adds one shared
 * listener to the response: no closures, no streams, no promises, no timers (docs/adr/0004-proxy-hot-path.md).
 */
export function createForwarder(options: ForwarderOptions): Forwarder {
  const shared = new SharedState(options);
  const upstreamHost = options.upstreamHost;

  const forward = function forward(request: FastifyRequest, reply: FastifyReply, upstreamPath: string) {
    const rawUrl = request.raw.url ?? '';
    const queryAt = rawUrl.indexOf('?');
    const dispatchOptions: Dispatcher.DispatchOptions = {
      path: queryAt === -1 ? upstreamPath : upstreamPath + rawUrl.slice(queryAt),
      // HEAD goes upstream as GET (its body is dropped here): one method for the mesh's rule to allow, and the
      // content-length relayed is the real one.
      method: 'GET',
      headers: upstreamHeaders(request, upstreamHost),
      // Set from the deadline when the request is sent.
      headersTimeout: 0,
      bodyTimeout: 0,
    };
    const handler = new RelayHandler(shared, request, reply, dispatchOptions, upstreamPath);
    if (reply.raw.destroyed) {
      // The client left before its request got here: nothing to send, nobody to answer.
      shared.metrics?.clientGone(false);
    } else if (shared.active < shared.connections) {
      shared.active += 1;
      handler.watchClient();
      handler.start();
    } else if (shared.queued < shared.maxQueued) {
      handler.watchClient();
      shared.enqueue(handler);
    } else {
      shared.metrics?.queueFull();
      sendError(reply, request, 503, shared.queueFullMessage, true);
    }
  } as Forwarder;
  (forward as { load: Forwarder['load'] }).load = () => ({ active: shared.active, queued: shared.queued });
  return forward;
}

/** What every request of one forwarder shares: options, and the admission count and wait queue. */
class SharedState {
  readonly dispatcher: Dispatcher;
  readonly maxBodyBytes: number;
  readonly timeoutMs: number;
  readonly timeoutMessage: string;
  readonly queueFullMessage: string;
  readonly connections: number;
  readonly maxQueued: number;
  readonly metrics: ForwarderMetrics | undefined;
  /** Requests sent upstream (or being sent) and not finished. */
  active = 0;
  /** Requests in the wait queue. */
  queued = 0;
  /** The wait queue, oldest first: a doubly linked list through the handlers (a leaving client unlinks in O(1)). */
  head: RelayHandler | undefined = undefined;
  tail: RelayHandler | undefined = undefined;

  constructor(options: ForwarderOptions) {
    this.dispatcher = options.dispatcher;
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    this.timeoutMs = options.timeoutMs;
    this.timeoutMessage = `The backend did not answer within ${options.timeoutMs} ms`;
    this.queueFullMessage = `The backend is busy: ${options.maxQueued} requests are already waiting`;
    this.connections = options.connections;
    this.maxQueued = options.maxQueued;
    this.metrics = options.metrics;
  }

  enqueue(handler: RelayHandler): void {
    handler.queuedPrev = this.tail;
    if (this.tail) this.tail.queuedNext = handler;
    else this.head = handler;
    this.tail = handler;
    handler.isQueued = true;
    this.queued += 1;
  }

  unlink(handler: RelayHandler): void {
    const { queuedPrev: prev, queuedNext: next } = handler;
    if (prev) prev.queuedNext = next;
    else this.head = next;
    if (next) next.queuedPrev = prev;
    else this.tail = prev;
    handler.queuedPrev = handler.queuedNext = undefined;
    handler.isQueued = false;
    this.queued -= 1;
  }

  /** A request upstream finished: hand its connection to the oldest waiting request still within its time. */
  release(): void {
    this.active -= 1;
    let next: RelayHandler | undefined;
    while (this.active < this.connections && (next = this.head) !== undefined) {
      this.unlink(next);
      if (next.expired()) {
        next.timedOut();
        continue;
      }
      this.active += 1;
      next.start();
    }
  }
}

/** Answers the JSON error body (502, 503, 504) through Fastify, unless the client is gone or was answered. */
function sendError(
  reply: FastifyReply,
  request: FastifyRequest,
  statusCode: 502 | 503 | 504,
  message: string,
  retryAfter = false,
): void {
  if (reply.sent || request.raw.destroyed) return;
  const body: ErrorBody = {
    statusCode,
    error: STATUS_CODES[statusCode] ?? '',
    message,
    requestId: request.id,
  };
  // The queue drains within one timeout at worst, usually far sooner: a second is a fair first back-off.
  if (retryAfter) reply.header('retry-after', '1');
  void reply.code(statusCode).type('application/json; charset=utf-8').send(body);
}

/** The one `close` listener of every relayed response (`this` is the response). */
function onResponseClose(this: RelayedResponse): void {
  this[kRelay]?.clientClosed();
}

function upstreamHeaders(request: FastifyRequest, upstreamHost: string): IncomingHttpHeaders {
  const incoming = request.headers;
  const headers: IncomingHttpHeaders = {};
  for (const name in incoming) {
    if (!REQUEST_HEADERS_DROPPED.has(name)) headers[name] = incoming[name];
  }
  // Headers named in `Connection` are hop-by-hop too (RFC 9110 7.6.1), whatever they are called.
  if (incoming.connection) dropListedInConnection(headers, incoming.connection);
  headers.host = upstreamHost;
  // The backend logs the same id as this hop: the incoming one when it was safe to keep, else ours.
  headers[REQUEST_ID_HEADER] = request.id;
  // The forwarded headers are read from what survived the hop-by-hop removal: a client that names them in
  // `Connection` has them dropped, and this hop then sets its own, as for a request without them.
  const client = request.socket.remoteAddress;
  if (client) {
    const before = headers['x-forwarded-for'];
    headers['x-forwarded-for'] = before ? `${before}, ${client}` : client;
  }
  // Kept when an earlier hop set them (the ingress gateway terminates TLS and knows the original scheme and
  // host); otherwise this hop is the first and says what it saw.
  if (!headers['x-forwarded-proto']) headers['x-forwarded-proto'] = request.protocol;
  if (!headers['x-forwarded-host'] && incoming.host) headers['x-forwarded-host'] = incoming.host;
  return headers;
}

/**
 * Removes the headers a `Connection` value names (RFC 9110 7.6.1). Hot path: the common value, `keep-alive`, names
 * only a header that is dropped anyway, so it is not split; and only a header that is present is deleted, because
 * `delete` turns the object into a slow dictionary that every later read (undici's, Node's) pays for.
 */
function dropListedInConnection(headers: Record<string, unknown>, connection: string): void {
  if (connection === 'keep-alive') return;
  for (const listed of connection.split(',')) {
    const name = listed.trim().toLowerCase();
    if (headers[name] !== undefined) delete headers[name];
  }
}

/**
 * undici's native (callback) handler for one proxied request: waits in the queue if it must, dispatches the
 * request (and retries it once when the socket broke before any answer), then relays the upstream response
 * straight to Node's response. `finished` makes sure the connection slot is given back exactly once.
 */
class RelayHandler implements Dispatcher.DispatchHandler {
  private attempt = 0;
  private statusCode = 0;
  private headers: OutgoingHttpHeaders | undefined = undefined;
  private body: Buffer | undefined = undefined;
  private chunks: Buffer[] | undefined = undefined;
  private bytes = 0;
  private abort: ((reason?: Error) => void) | undefined = undefined;
  /** When the request arrived plus the timeout (performance.now() milliseconds). */
  private readonly deadline: number;
  /** Answered, failed or abandoned: its slot (if it had one) was given back. */
  private finished = false;
  private clientGone = false;
  isQueued = false;
  queuedPrev: RelayHandler | undefined = undefined;
  queuedNext: RelayHandler | undefined = undefined;

  constructor(
    private readonly shared: SharedState,
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    private readonly dispatchOptions: Dispatcher.DispatchOptions,
    private readonly upstreamPath: string,
  ) {
    this.deadline = performance.now() + shared.timeoutMs;
  }

  /** Listens for the client leaving before its answer (one shared listener, the handler found by a symbol). */
  watchClient(): void {
    const response = this.reply.raw as RelayedResponse;
    response[kRelay] = this;
    response.on('close', onResponseClose);
  }

  expired(): boolean {
    return performance.now() >= this.deadline;
  }

  /** Sends (or re-sends) the request upstream with what is left of its time; the caller holds a slot for it. */
  start(): void {
    const left = Math.ceil(this.deadline - performance.now());
    if (left <= 0) {
      this.finish();
      this.timedOut();
      return;
    }
    this.attempt += 1;
    const dispatchOptions = this.dispatchOptions;
    dispatchOptions.headersTimeout = left;
    dispatchOptions.bodyTimeout = left;
    this.shared.dispatcher.dispatch(dispatchOptions, this);
  }

  /** The 504 for a request whose time ran out (in the queue or before a retry). */
  timedOut(): void {
    this.finished = true;
    sendError(this.reply, this.request, 504, this.shared.timeoutMessage);
  }

  /** The response closed: if it was not answered, the client went away, and its request is abandoned. */
  clientClosed(): void {
    if (this.finished || this.reply.raw.writableFinished) return;
    this.clientGone = true;
    if (this.isQueued) {
      this.shared.unlink(this);
      this.finished = true;
      this.shared.metrics?.clientGone(false);
      return;
    }
    // Not yet on a socket (connecting): onConnect aborts it as soon as undici hands over the abort function.
    this.abort?.(Object.assign(new Error('the client went away'), { code: CLIENT_GONE }));
  }

  /** Gives the connection slot back (once) and lets the next waiting request have it. */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.shared.release();
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.abort = abort;
    if (this.clientGone) abort(Object.assign(new Error('the client went away'), { code: CLIENT_GONE }));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.statusCode = statusCode;
    const headers: OutgoingHttpHeaders = {};
    let listed: string | undefined;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      // undici's lookup returns the interned lower-case name of a known header without building a string.
      const name = undiciUtil.headerNameToString(rawHeaders[i] as Buffer);
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
    if (listed) dropListedInConnection(headers, listed);
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
    this.finish();
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
    if (code === CLIENT_GONE) {
      this.finish();
      this.shared.metrics?.clientGone(true);
      reply.log.info({ upstreamPath: this.upstreamPath }, 'client went away: upstream request cancelled');
      return;
    }
    if (this.attempt === 1 && this.statusCode === 0 && !this.clientGone && RETRIED_ERROR_CODES.has(code)) {
      reply.log.warn({ err: error }, 'upstream socket failed, retrying once');
      this.headers = undefined;
      this.abort = undefined;
      // Keeps its slot: start() gives it back itself if no time is left.
      this.start();
      return;
    }
    this.finish();
    reply.log.warn({ err: error, upstreamPath: this.upstreamPath }, 'upstream request failed');
    if (TIMEOUT_ERROR_CODES.has(code)) sendError(reply, this.request, 504, this.shared.timeoutMessage);
    else sendError(reply, this.request, 502, 'The backend could not be reached');
  }
}
