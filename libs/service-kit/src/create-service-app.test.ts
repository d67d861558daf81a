import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createServiceApp } from './create-service-app';
import { createReadiness } from './health/readiness';
import { createLogger } from './logging/create-logger';
import { createMetrics } from './metrics/create-metrics';
import { createMetricsServer } from './metrics/create-metrics-server';

function setup() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      callback();
    },
  });
  const logger = createLogger({ name: 'test', level: 'info', pretty: false, destination });
  const readiness = createReadiness();
  const metrics = createMetrics({ defaultMetrics: false });
  const app = createServiceApp({
    logger,
    readiness,
    metrics,
    keepAliveTimeoutMs: 65_000,
    hostname: () => 'pod-1',
  });
  app.get('/items/:id', async (request) => ({ id: (request.params as { id: string }).id }));
  app.get('/boom', async () => {
    throw new Error('secret internals');
  });
  return { app, lines, readiness, metrics };
}

describe('createServiceApp', () => {
  it('serves /health with exactly the liveness fields', async () => {
    const { app } = setup();
    const response = await app.inject('/health');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(Object.keys(body).sort()).toEqual(['hostname', 'status', 'timestamp', 'uptimeSeconds']);
    expect(body.status).toBe('ok');
    expect(body.hostname).toBe('pod-1');
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(typeof body.uptimeSeconds).toBe('number');
  });

  it('reports readiness apart from liveness: 503 starting, 200 ready, 503 draining', async () => {
    const { app, readiness } = setup();
    expect((await app.inject('/ready')).statusCode).toBe(503);
    expect((await app.inject('/ready')).json()).toEqual({ status: 'starting' });
    readiness.markReady();
    expect((await app.inject('/ready')).json()).toEqual({ status: 'ready' });
    readiness.markDraining();
    const draining = await app.inject('/ready');
    expect([draining.statusCode, draining.json()]).toEqual([503, { status: 'draining' }]);
    expect((await app.inject('/health')).statusCode).toBe(200);
  });

  it('takes the request id from x-request-id, echoes it, and logs one line per request', async () => {
    const { app, lines } = setup();
    const response = await app.inject({ url: '/items/7', headers: { 'x-request-id': 'abc-123' } });
    expect(response.headers['x-request-id']).toBe('abc-123');
    await new Promise((resolve) => setImmediate(resolve));
    const completed = lines.filter((line) => line['msg'] === 'request completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({
      requestId: 'abc-123',
      route: '/items/:id',
      url: '/items/7',
      statusCode: 200,
      level: 'info',
    });
    // Elapsed time in milliseconds, to the microsecond.
    expect(String(completed[0]?.['responseTimeMs'])).toMatch(/^\d+(\.\d{1,3})?$/);
  });

  it('generates a request id when none (or an unsafe one) is sent', async () => {
    const { app } = setup();
    const generated = (await app.inject('/health')).headers['x-request-id'];
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const forged = await app.inject({
      url: '/health',
      headers: { 'x-request-id': 'a\nb {"level":"fatal"}' },
    });
    expect(forged.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes and wrong methods with a JSON 404 carrying the request id', async () => {
    const { app } = setup();
    for (const request of [{ url: '/nope' }, { url: '/health', method: 'DELETE' as const }]) {
      const response = await app.inject({ ...request, headers: { 'x-request-id': 'r1' } });
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(Object.keys(response.json()).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
      expect(response.json()).toMatchObject({ statusCode: 404, error: 'Not Found', requestId: 'r1' });
    }
  });

  it('answers a thrown error with a 500 JSON body and no stack trace or message', async () => {
    const { app } = setup();
    const response = await app.inject('/boom');
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret internals');
    expect(response.body).not.toContain('at ');
    expect(response.json()).toMatchObject({ statusCode: 500, error: 'Internal Server Error' });
  });

  it('records latency by route template, never by raw URL, and serves it on a separate server', async () => {
    const { app, metrics } = setup();
    await app.inject('/items/1');
    await app.inject('/items/2');
    await app.inject('/random/path/42');
    const metricsServer = createMetricsServer({ registry: metrics.registry });
    const text = (await metricsServer.inject('/metrics')).body;
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/items/:id",status_code="200"} 2',
    );
    expect(text).toContain('route="unmatched",status_code="404"} 1');
    expect(text).not.toContain('/items/1');
    expect(text).not.toContain('/random/path');
    expect((await app.inject('/metrics')).statusCode).toBe(404);
  });
});
