import { Type, type Static } from '@sinclair/typebox';
import { loadConfig, ServiceConfigProperties } from '@ztmesh/service-kit';

// Service mode has one listener (metrics, /health, /ready), bound to HOST:METRICS_PORT, so METRICS_HOST and
// PORT have nothing to configure.
const { METRICS_HOST: _metricsHost, ...sharedProperties } = ServiceConfigProperties;

/** The environment of `loadtest service` (the deployment contract: TARGET_URL, RATE, UNAUTHORIZED_URL, ...). */
export const LoadServiceConfigSchema = Type.Object({
  ...sharedProperties,
  TARGET_URL: Type.String({
    default: 'http://127.0.0.1:8080',
    minLength: 1,
    description: 'Base URL of the mix',
  }),
  RATE: Type.Number({
    exclusiveMinimum: 0,
    maximum: 100_000,
    default: 5,
    description: 'Requests per second',
  }),
  UNAUTHORIZED_URL: Type.String({
    default: '',
    description: 'When set, a share of requests go here and must be blocked',
  }),
  UNAUTHORIZED_SHARE: Type.Number({
    exclusiveMinimum: 0,
    exclusiveMaximum: 1,
    default: 0.1,
    description: 'Its share',
  }),
  SCENARIO_FILE: Type.String({
    default: '',
    description: 'YAML or JSON scenario file instead of the default mix',
  }),
  CONNECTIONS: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 4,
    description: 'Keep-alive connections per origin',
  }),
  MAX_IN_FLIGHT: Type.Integer({ minimum: 1, maximum: 100_000, default: 200 }),
  TIMEOUT_MS: Type.Integer({
    minimum: 1,
    maximum: 600_000,
    default: 2000,
    description: 'Per-request timeout',
  }),
  SUMMARY_INTERVAL_MS: Type.Integer({
    minimum: 0,
    default: 60_000,
    description: 'A summary log line; 0: none',
  }),
});

/** The validated service-mode configuration. */
export type LoadServiceConfig = Static<typeof LoadServiceConfigSchema>;

/** Reads and validates the service mode's configuration from `env`. */
export function loadLoadServiceConfig(
  env: Record<string, string | undefined> = process.env,
): LoadServiceConfig {
  return loadConfig(LoadServiceConfigSchema, env);
}
