import { describe, expect, it } from 'vitest';
import { createMetrics, LATENCY_BUCKETS_SECONDS } from './create-metrics';

describe('createMetrics', () => {
  it('exposes http_request_duration_seconds as a Prometheus histogram with cumulative buckets', async () => {
    const metrics = createMetrics({ defaultMetrics: false, bucketsSeconds: [0.01, 0.1, 1] });
    metrics.observeRequest('GET', '/api/data', 200, 0.005);
    metrics.observeRequest('GET', '/api/data', 200, 0.05);
    metrics.observeRequest('GET', '/api/data', 200, 3);
    metrics.observeRequest('GET', 'unmatched', 404, 0.001);
    const text = await metrics.registry.metrics();
    const series = '{method="GET",route="/api/data",status_code="200"}';
    expect(text).toBe(
      [
        '# HELP http_request_duration_seconds Duration of HTTP requests served, by method, route template and status code',
        '# TYPE http_request_duration_seconds histogram',
        'http_request_duration_seconds_bucket{le="0.01",method="GET",route="/api/data",status_code="200"} 1',
        'http_request_duration_seconds_bucket{le="0.1",method="GET",route="/api/data",status_code="200"} 2',
        'http_request_duration_seconds_bucket{le="1",method="GET",route="/api/data",status_code="200"} 2',
        'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/data",status_code="200"} 3',
        `http_request_duration_seconds_sum${series} 3.055`,
        `http_request_duration_seconds_count${series} 3`,
        'http_request_duration_seconds_bucket{le="0.01",method="GET",route="unmatched",status_code="404"} 1',
        'http_request_duration_seconds_bucket{le="0.1",method="GET",route="unmatched",status_code="404"} 1',
        'http_request_duration_seconds_bucket{le="1",method="GET",route="unmatched",status_code="404"} 1',
        'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="unmatched",status_code="404"} 1',
        'http_request_duration_seconds_sum{method="GET",route="unmatched",status_code="404"} 0.001',
        'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"} 1',
        '',
      ].join('\n'),
    );
  });

  it('reports the same series as JSON, adds default labels, and resets', async () => {
    const metrics = createMetrics({ defaultMetrics: false, defaultLabels: { service: 'backend' } });
    metrics.observeRequest('POST', '/items', 201, 0.2);
    const [histogram] = await metrics.registry.getMetricsAsJSON();
    expect(histogram).toMatchObject({ name: 'http_request_duration_seconds', type: 'histogram' });
    const values = (histogram as unknown as { values: { labels: Record<string, unknown>; value: number }[] })
      .values;
    expect(values).toHaveLength(LATENCY_BUCKETS_SECONDS.length + 3);
    expect(values.at(-1)).toMatchObject({
      labels: { method: 'POST', route: '/items', status_code: '201' },
      value: 1,
    });
    expect(await metrics.registry.metrics()).toContain(
      'http_request_duration_seconds_count{service="backend",method="POST",route="/items",status_code="201"} 1',
    );
    metrics.registry.resetMetrics();
    expect(await metrics.registry.metrics()).not.toContain('_count');
  });

  it('collects the default process metrics unless told not to', async () => {
    expect(await createMetrics().registry.metrics()).toContain('process_cpu_seconds_total');
    expect(await createMetrics({ defaultMetrics: false }).registry.metrics()).not.toContain('process_');
  });
});
