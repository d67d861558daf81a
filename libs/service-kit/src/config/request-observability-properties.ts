import { Type } from '@sinclair/typebox';

/**
 * Switches for the per-request log line and metrics, spread into an app's config schema next to
 * ServiceConfigProperties. Both default on; they exist so benchmarks can measure a service's ceiling.
 */
export const RequestObservabilityProperties = {
  REQUEST_LOGGING: Type.Boolean({
    default: true,
    description: 'One log line per request (off only to benchmark)',
  }),
  METRICS_ENABLED: Type.Boolean({ default: true, description: 'Request metrics (off only to benchmark)' }),
};
