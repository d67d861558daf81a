import { Type, type Static } from '@sinclair/typebox';
import { loadConfig, RequestObservabilityProperties, ServiceConfigProperties } from '@ztmesh/service-kit';

/** The frontend's environment: the shared service settings, its port, and how it reaches the backend. */
export const FrontendConfigSchema = Type.Object({
  ...ServiceConfigProperties,
  ...RequestObservabilityProperties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: '0 picks a free port' }),
  BACKEND_URL: Type.String({
    default: 'http://127.0.0.1:5000',
    pattern: '^https?://[^/?#\\s]+/?$',
    description: 'Origin of the backend API (scheme, host and port; no path)',
  }),
  // From the request's arrival (waiting for an upstream connection included) to the upstream's response headers,
  // and on each gap between body chunks; past it the caller gets a 504.
  UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 300_000, default: 10_000 }),
  // Requests that may wait for a free upstream connection when all UPSTREAM_CONNECTIONS are busy; one more is
  // answered 503 with Retry-After at once. 0: no waiting at all.
  UPSTREAM_MAX_QUEUED: Type.Integer({ minimum: 0, maximum: 100_000, default: 512 }),
  // A refused connection fails at once; this bounds a connect that gets no answer at all (a dropped SYN).
  UPSTREAM_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 1_000 }),
  // Upper bound of keep-alive connections to the backend, so of requests sent to it at once.
  UPSTREAM_CONNECTIONS: Type.Integer({ minimum: 1, maximum: 4096, default: 128 }),
  // How long an idle upstream socket is kept when the upstream sends no Keep-Alive hint (through a sidecar it
  // never does). Below the mesh's 30 s idle timeout, so this side closes first and never reuses a dead socket.
  UPSTREAM_KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 20_000 }),
});

/** The frontend's validated configuration. */
export type FrontendConfig = Static<typeof FrontendConfigSchema>;

/** Reads and validates the frontend's configuration from `env`. */
export function loadFrontendConfig(env: Record<string, string | undefined> = process.env): FrontendConfig {
  return loadConfig(FrontendConfigSchema, env);
}
