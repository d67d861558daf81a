import { Pool } from 'undici';

/** Options for createUpstreamPool. */
export interface UpstreamPoolOptions {
  /** The upstream origin (scheme, host, port). */
  readonly origin: string;
  /** Most keep-alive connections held; requests queue in the pool beyond it. */
  readonly connections: number;
  /** Idle time after which a socket is closed when the upstream gives no Keep-Alive hint. */
  readonly keepAliveTimeoutMs: number;
  /** Time to the response headers and between body chunks. */
  readonly timeoutMs: number;
  /** Bound on establishing a TCP connection. */
  readonly connectTimeoutMs: number;
}

/** One keep-alive pool to the upstream origin: no pipelining (one request per connection at a time). */
export function createUpstreamPool(options: UpstreamPoolOptions): Pool {
  return new Pool(options.origin, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connect: { timeout: options.connectTimeoutMs },
  });
}
