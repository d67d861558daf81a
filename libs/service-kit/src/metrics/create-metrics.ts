import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';

/** Default bucket bounds (seconds) for request latency: 1 ms to 10 s. */
export const LATENCY_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** The name of the request latency histogram every service exports. */
export const REQUEST_DURATION_METRIC = 'http_request_duration_seconds';

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
  /** Bucket bounds of the latency histogram in seconds; default LATENCY_BUCKETS_SECONDS. */
  readonly bucketsSeconds?: readonly number[];
}

/**
 * Creates a registry of its own (never prom-client's global one, so two services or tests in one process never
 * collide) with `http_request_duration_seconds{method,route,status_code}`.
 */
export function createMetrics(options: MetricsOptions = {}): ServiceMetrics {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const histogram = new RequestDurationHistogram(options.bucketsSeconds ?? LATENCY_BUCKETS_SECONDS);
  // prom-client only needs name, help, type and get() from a metric; its Metric type lists its own classes.
  registry.registerMetric(histogram as unknown as Metric);
  return {
    registry,
    observeRequest: (method, route, statusCode, durationSeconds) =>
      histogram.observe(method, route, statusCode, durationSeconds),
  };
}

interface Series {
  readonly labels: { readonly method: string; readonly route: string; readonly status_code: string };
  /** Count per bucket (not cumulative); the last slot counts observations above every bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
  metricName: string;
}

/**
 * The request histogram, exported in prom-client's format but observed without it: prom-client's labelled
 * observe() builds, validates and hashes a label object on every call, about a microsecond per request in the
 * bench/http profile. Here a request costs three lookups in small maps keyed by strings Fastify and Node
 * intern (route template, method) plus a bucket scan; the label objects are built once per series.
 */
class RequestDurationHistogram {
  readonly name = REQUEST_DURATION_METRIC;
  readonly help = 'Duration of HTTP requests served, by method, route template and status code';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly byRoute = new Map<string, Map<string, Map<number, Series>>>();

  constructor(private readonly bounds: readonly number[]) {}

  observe(method: string, route: string, statusCode: number, seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    let byMethod = this.byRoute.get(route);
    if (byMethod === undefined) this.byRoute.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(statusCode);
    if (series === undefined) {
      series = {
        labels: { method, route, status_code: String(statusCode) },
        counts: new Float64Array(this.bounds.length + 1),
        sum: 0,
        count: 0,
      };
      byStatus.set(statusCode, series);
    }
    const bounds = this.bounds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > (bounds[bucket] as number)) bucket++;
    series.counts[bucket] = (series.counts[bucket] as number) + 1;
    series.sum += seconds;
    series.count += 1;
  }

  /** Values with the series labels apart (`sharedLabels`), the shape Registry.metrics() formats. */
  getForPromString() {
    const bucketName = `${this.name}_bucket`;
    const values: ExportedValue[] = [];
    for (const series of this.allSeries()) {
      const shared = series.labels;
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += series.counts[i] as number;
        values.push({
          labels: { le: bound },
          sharedLabels: shared,
          value: cumulative,
          metricName: bucketName,
        });
      });
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: shared, value: series.count, metricName: bucketName },
        { labels: {}, sharedLabels: shared, value: series.sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels: shared, value: series.count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Values with all labels merged, the shape Registry.getMetricsAsJSON() returns. */
  async get() {
    const data = this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ labels, sharedLabels, value, metricName }) => ({
        labels: { ...labels, ...sharedLabels },
        value,
        metricName,
      })),
    };
  }

  reset(): void {
    this.byRoute.clear();
  }

  private *allSeries(): Generator<Series> {
    for (const byMethod of this.byRoute.values()) {
      for (const byStatus of byMethod.values()) yield* byStatus.values();
    }
  }
}
