import envSchema from 'env-schema';
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';

/** Raised when the environment does not satisfy a service's config schema; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A string limited to `values`, as a plain JSON Schema `enum` (clearer errors than a union of literals). */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: { default?: T[number] } = {},
) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/**
 * Defaults of the HTTP server's limits (docs/adr/0050-server-timeouts-and-connection-cap.md): the single source for
 * the config schema below and for createServiceApp when a caller passes none.
 */
export const SERVER_LIMIT_DEFAULTS = {
  /** Time from a connection's (or a request's) first byte to its complete header block; past it, a JSON 408. */
  headersTimeoutMs: 5_000,
  /** Time to receive a whole request, body included; past it, a JSON 408. At least the headers timeout. */
  requestTimeoutMs: 10_000,
  /** Open client connections at most; a connection beyond it is closed at once. */
  maxConnections: 1_024,
} as const;

/** Environment variables every ztmesh HTTP service understands, spread into each app's own schema. */
export const ServiceConfigProperties = {
  HOST: Type.String({ default: '0.0.0.0', minLength: 1, description: 'Address the API listens on' }),
  METRICS_HOST: Type.String({ default: '0.0.0.0', minLength: 1, description: 'Address /metrics listens on' }),
  METRICS_PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 9464,
    description: '0 picks a free port',
  }),
  LOG_LEVEL: StringEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  // Sits above the mesh's idle timeout (DestinationRule connectionPool.http.idleTimeout, 30s in istio/), so the
  // sidecar always closes an idle upstream connection before the app does and never reuses a socket the app
  // has just closed (which shows up as sporadic 503 UC errors). See docs/adr/0002-keep-alive-and-idle-timeout.md.
  KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 65_000 }),
  // Slow or silent clients (a connection that sends no complete header block) are cut after seconds, not minutes;
  // the sidecar in front writes a request's headers at once. An idle keep-alive socket between requests is not
  // affected (KEEP_ALIVE_TIMEOUT_MS governs it). See docs/adr/0050-server-timeouts-and-connection-cap.md.
  HEADERS_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 120_000,
    default: SERVER_LIMIT_DEFAULTS.headersTimeoutMs,
  }),
  // Time to receive a whole request (headers and body); must be at least HEADERS_TIMEOUT_MS.
  REQUEST_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 300_000,
    default: SERVER_LIMIT_DEFAULTS.requestTimeoutMs,
  }),
  // Open client connections at most (idle keep-alive ones included); one beyond it is closed at once.
  MAX_CONNECTIONS: Type.Integer({
    minimum: 1,
    maximum: 65_535,
    default: SERVER_LIMIT_DEFAULTS.maxConnections,
  }),
  // Time between readiness turning false and the listener closing, so endpoints and sidecars stop routing here.
  SHUTDOWN_DELAY_MS: Type.Integer({ minimum: 0, maximum: 120_000, default: 5_000 }),
  // Upper bound for in-flight requests to finish after the listener closes; past it the process exits 1.
  SHUTDOWN_DRAIN_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 300_000, default: 15_000 }),
};

/**
 * Validates `env` against a TypeBox schema with env-schema (coercing strings, applying defaults) and returns the
 * typed config. Throws ConfigError with one line naming every offending variable and its value.
 */
export function loadConfig<T extends TProperties>(
  schema: TObject<T>,
  env: Record<string, string | undefined> = process.env,
): Static<TObject<T>> {
  let config: Static<TObject<T>>;
  try {
    config = envSchema<Static<TObject<T>>>({ schema, data: env, env: false, dotenv: false });
  } catch (error) {
    const problems = (error as { errors?: { instancePath: string; message?: string; params?: unknown }[] })
      .errors;
    if (!problems) throw new ConfigError(`Invalid configuration: ${(error as Error).message}`);
    const lines = problems.map((problem) => {
      const variable = problem.instancePath.replace(/^\//, '') || missingProperty(problem.params) || '(env)';
      const value = env[variable];
      const got = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
      const allowed = (problem.params as { allowedValues?: unknown[] } | undefined)?.allowedValues;
      const detail = allowed ? ` (${allowed.join(', ')})` : '';
      return `${variable} ${problem.message ?? 'is invalid'}${detail}${got}`;
    });
    throw new ConfigError(`Invalid configuration: ${[...new Set(lines)].join('; ')}`);
  }
  // Node refuses a headers timeout above the request timeout; say so in the variables' own terms.
  const { HEADERS_TIMEOUT_MS: headers, REQUEST_TIMEOUT_MS: request } = config as Record<string, unknown>;
  if (typeof headers === 'number' && typeof request === 'number' && request < headers) {
    throw new ConfigError(
      `Invalid configuration: REQUEST_TIMEOUT_MS must be >= HEADERS_TIMEOUT_MS (got ${request} < ${headers})`,
    );
  }
  return config;
}

function missingProperty(params: unknown): string | undefined {
  return (params as { missingProperty?: string } | undefined)?.missingProperty;
}
