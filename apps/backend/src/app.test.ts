import { createLogger, createMetrics, createReadiness } from '@ztmesh/service-kit';
import { describe, expect, it } from 'vitest';
import { buildApp } from './app';
import { loadBackendConfig } from './config';

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function setup(env: Record<string, string> = {}) {
  const logger = createLogger({ name: 'backend', level: 'silent', pretty: false });
  const metrics = createMetrics({ defaultMetrics: false });
  const readiness = createReadiness();
  const app = buildApp(loadBackendConfig(env), {
    logger,
    metrics,
    readiness,
    hostname: () => 'backend-7d9f-abc',
  });
  return { app, metrics, readiness };
}

describe('backend routes', () => {
  it('GET / returns exactly status, service, hostname and timestamp', async () => {
    const response = await setup().app.inject('/');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(Object.keys(body).sort()).toEqual(['hostname', 'service', 'status', 'timestamp']);
    expect(body).toMatchObject({ status: 'healthy', service: 'backend', hostname: 'backend-7d9f-abc' });
    expect(body.timestamp).toMatch(ISO_UTC);
  });

  it('GET /api/data returns the items with count equal to their number', async () => {
    const response = await setup().app.inject('/api/data');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(Object.keys(body).sort()).toEqual(['data', 'hostname', 'message', 'timestamp']);
    expect(Object.keys(body.data).sort()).toEqual(['count', 'items']);
    expect(body.message).toBe('Hello from Backend!');
    expect(body.data.items.length).toBeGreaterThan(0);
    expect(body.data.items.every((item: unknown) => typeof item === 'string')).toBe(true);
    expect(body.data.count).toBe(body.data.items.length);
    expect(body.hostname).toBe('backend-7d9f-abc');
    expect(body.timestamp).toMatch(ISO_UTC);
  });

  it('GET /health keeps the liveness shape, and /ready follows readiness', async () => {
    const { app, readiness } = setup();
    const health = (await app.inject('/health')).json();
    expect(Object.keys(health).sort()).toEqual(['hostname', 'status', 'timestamp', 'uptimeSeconds']);
    expect(health).toMatchObject({ status: 'ok', hostname: 'backend-7d9f-abc' });
    expect(health.timestamp).toMatch(ISO_UTC);
    expect(health.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect((await app.inject('/ready')).statusCode).toBe(503);
    readiness.markReady();
    expect((await app.inject('/ready')).statusCode).toBe(200);
  });

  it.each([
    ['GET', '/nope'],
    ['GET', '/api/data/extra'],
    ['POST', '/api/data'],
    ['DELETE', '/'],
    ['GET', '/metrics'],
  ] as const)(
    '%s %s is a JSON 404 with exactly statusCode, error, message, requestId',
    async (method, url) => {
      const response = await setup().app.inject({ method, url });
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const body = response.json();
      expect(Object.keys(body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
      expect(body.statusCode).toBe(404);
      expect(body.requestId).toBe(response.headers['x-request-id']);
    },
  );

  it('labels metrics by route template and can run without metrics', async () => {
    const { app, metrics } = setup();
    await app.inject('/api/data');
    expect(await metrics.registry.metrics()).toContain('route="/api/data",status_code="200"} 1');
    const bare = setup({ METRICS_ENABLED: 'false' });
    await bare.app.inject('/api/data');
    expect(await bare.metrics.registry.metrics()).not.toContain('route="/api/data"');
  });
});

describe('backend pod name', () => {
  it('reports POD_NAME as its hostname when set, so two local replicas tell themselves apart', async () => {
    const logger = createLogger({ name: 'backend', level: 'silent', pretty: false });
    const app = buildApp(loadBackendConfig({ POD_NAME: 'backend-a' }), {
      logger,
      metrics: createMetrics({ defaultMetrics: false }),
      readiness: createReadiness(),
    });
    expect((await app.inject('/api/data')).json().hostname).toBe('backend-a');
    expect((await app.inject('/')).json().hostname).toBe('backend-a');
  });
});
