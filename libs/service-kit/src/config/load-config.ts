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
  try {
    return envSchema<Static<TObject<T>>>({ schema, data: env, env: false, dotenv: false });
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
}

function missingProperty(params: unknown): string | undefined {
  return (params as { missingProperty?: string } | undefined)?.missingProperty;
}
