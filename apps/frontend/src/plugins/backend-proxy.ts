import httpProxy from '@fastify/http-proxy';
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import { createForwarder, type Forwarder } from '../proxy/create-forwarder';
import { createProxyMetrics } from '../proxy/create-proxy-metrics';
import { createUpstreamPool } from '../proxy/create-upstream-pool';

/** Where the proxy is mounted on the frontend. */
export const PROXY_PREFIX = '/api/backend';

/**
 * The only upstream paths the proxy forwards (docs/adr/0006-proxy-path-allow-list.md): the backend's API routes,
 * never `/ready` (a kubelet probe) and nothing on a metrics port. Keys are paths under PROXY_PREFIX, values the
 * upstream path; the upstream path is this constant, never derived from the client's spelling of the URL.
 */
export const PROXIED_PATHS: Readonly<Record<string, string>> = {
  '/': '/',
  '/health': '/health',
  '/api/data': '/api/data',
};

/** Methods the proxy forwards; anything else is the JSON 404 (the backend's API is read-only). */
export const PROXIED_METHODS = ['GET', 'HEAD'] as const;

/** Options for backendProxy. */
export interface BackendProxyOptions {
  /** Origin of the backend, e.g. `http://backend.webapp.svc.cluster.local:5000`. */
  readonly backendUrl: string;
  /** From arrival to the upstream's response headers (and each gap between body chunks); past it a 504. */
  readonly timeoutMs: number;
  /** Requests waiting for a free upstream connection at most; beyond it a 503 with `Retry-After` at once. */
  readonly maxQueued: number;
  /** Where the proxy's own series go (aborted, refused, queued, active); omit for none. */
  readonly registry?: Registry;
  /** Bound on establishing an upstream TCP connection (a refused one fails at once). */
  readonly connectTimeoutMs: number;
  /** Most keep-alive connections held to the backend. */
  readonly connections: number;
  /** Idle time after which a pooled socket is closed when the upstream gives no Keep-Alive hint. */
  readonly keepAliveTimeoutMs: number;
}

/**
 * `/api/backend/*` -> the backend. @fastify/http-proxy owns the routing (prefix, allow-listed paths and methods;
 * everything else falls through to the JSON 404); each of its routes hands the request, with the route's constant
 * upstream path, to a lean undici forwarder over one keep-alive pool instead of @fastify/reply-from
 * (docs/adr/0004-proxy-hot-path.md, 0007-upstream-client.md, 0057-proxy-routes-bound-at-registration.md).
 */
export function backendProxy(options: BackendProxyOptions): FastifyPluginAsync {
  return async (app) => {
    const upstream = new URL(options.backendUrl);
    const pool = createUpstreamPool({
      origin: upstream.origin,
      connections: options.connections,
      keepAliveTimeoutMs: options.keepAliveTimeoutMs,
      timeoutMs: options.timeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
    });
    // After the server stopped taking requests: lets in-flight upstream requests finish, then closes the sockets.
    app.addHook('onClose', async () => pool.close());
    const forward: Forwarder = createForwarder({
      dispatcher: pool,
      upstreamHost: upstream.host,
      timeoutMs: options.timeoutMs,
      connections: options.connections,
      maxQueued: options.maxQueued,
      metrics: options.registry && createProxyMetrics(options.registry, () => forward.load()),
    });

    const upstreamPathByRoute = new Map<string, string>();
    for (const [path, upstreamPath] of Object.entries(PROXIED_PATHS)) {
      upstreamPathByRoute.set(PROXY_PREFIX + path, upstreamPath);
      // Fastify registers the prefix's own route both with and without the trailing slash.
      if (path === '/') upstreamPathByRoute.set(PROXY_PREFIX, upstreamPath);
    }

    // @fastify/http-proxy registers the routes (prefix, allow-listed paths, methods); each route's handler is then
    // replaced by one bound to that route's constant upstream path (docs/adr/0057-proxy-routes-bound-at-registration.md).
    // Deliberate, for the hot path: the library's own handler derives a destination from the request URL on every
    // request (prefix decoding, `validateDestination`, three `URL` objects), about 5% of the proxy's CPU, only for
    // our forwarder to ignore it: the upstream path is a constant of the matched route (0006), never the client's
    // spelling. The hook sees exactly the routes registered inside this plugin, the library's among them.
    app.addHook('onRoute', (routeOptions) => {
      const upstreamPath = upstreamPathByRoute.get(routeOptions.url);
      if (upstreamPath === undefined) {
        throw new Error(`backend proxy: route ${routeOptions.url} has no upstream path in PROXIED_PATHS`);
      }
      // Returns nothing: the forwarder answers later, and a returned reply would make Fastify wait on it through
      // its thenable (a listener per request).
      routeOptions.handler = function proxiedRoute(request, reply) {
        forward(request, reply, upstreamPath);
      };
    });

    await app.register(httpProxy, {
      upstream: upstream.origin,
      prefix: PROXY_PREFIX,
      rewritePrefix: '/',
      routes: Object.keys(PROXIED_PATHS),
      httpMethods: [...PROXIED_METHODS],
      // reply-from is registered by http-proxy but never called (the handlers above replace it); pointing it at
      // the same pool keeps it from creating an agent of its own.
      undici: pool,
      disableRequestLogging: true,
    });
  };
}
