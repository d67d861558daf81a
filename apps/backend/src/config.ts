import { Type, type Static } from '@sinclair/typebox';
import { loadConfig, RequestObservabilityProperties, ServiceConfigProperties } from '@ztmesh/service-kit';

/** The backend's environment: the shared service settings plus its own port. */
export const BackendConfigSchema = Type.Object({
  ...ServiceConfigProperties,
  ...RequestObservabilityProperties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 5000, description: '0 picks a free port' }),
  // In Kubernetes the OS hostname is the pod name; locally two replicas on one machine need names of their own.
  POD_NAME: Type.String({
    default: '',
    description: 'The name reported as hostname; empty: the OS hostname',
  }),
});

/** The backend's validated configuration. */
export type BackendConfig = Static<typeof BackendConfigSchema>;

/** Reads and validates the backend's configuration from `env`. */
export function loadBackendConfig(env: Record<string, string | undefined> = process.env): BackendConfig {
  return loadConfig(BackendConfigSchema, env);
}
