import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Default bucket bounds (seconds) for request latency: 1 ms to 10 s. */
export const LATENCY_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** A service's Prometheus registry and its HTTP server histogram. */
export interface ServiceMetrics {
  readonly registry: Registry;
  /** Observe one completed request; `route` must be a route template, never a raw URL. */
  observeRequest(method: string, route: string, statusCode: number, durationSeconds: number): void;
}

/** Options for createMetrics. */
export interface MetricsOptions {
  /** Collect Node's default process metrics (CPU, memory, event loop lag, GC); default true. */
  readonly defaultMetrics?: boolean;
  /** Labels added to every series, e.g. `{ service: 'backend' }`. */
  readonly defaultLabels?: Record<string, string>;
}

/**
 * Creates a registry of its own (never prom-client's global one, so two services or tests in one process never
 * collide) with `http_request_duration_seconds{method,route,status_code}`.
 */
export function createMetrics(options: MetricsOptions = {}): ServiceMetrics {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const histogram = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests served, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  // Label sets are bounded (route templates x methods x status codes), so caching each child skips
  // prom-client's per-observation label hashing on the hot path.
  const children = new Map<string, ReturnType<typeof histogram.labels>>();
  return {
    registry,
    observeRequest(method, route, statusCode, durationSeconds) {
      const key = `${method} ${statusCode} ${route}`;
      let child = children.get(key);
      if (!child) {
        child = histogram.labels(method, route, String(statusCode));
        children.set(key, child);
      }
      child.observe(durationSeconds);
    },
  };
}
