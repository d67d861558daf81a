import helmet from '@fastify/helmet';
import { createLogger, createMetrics, createReadiness } from '@ztmesh/service-kit';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from './app';
import { loadFrontendConfig } from './config';
import { CSP_DIRECTIVES, HELMET_OPTIONS } from './plugins/security-headers';

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const apps: FastifyInstance[] = [];

function setup(env: Record<string, string> = {}) {
  const logger = createLogger({ name: 'frontend', level: 'silent', pretty: false });
  const metrics = createMetrics({ defaultMetrics: false });
  const readiness = createReadiness();
  // Nothing listens on port 9: the page and health routes never touch the backend.
  const config = loadFrontendConfig({ BACKEND_URL: 'http://127.0.0.1:9', ...env });
  const app = buildApp(config, { logger, metrics, readiness, hostname: () => 'frontend-5c6d-xyz' });
  apps.push(app);
  return { app, metrics, readiness };
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function expectSecurityHeaders(headers: Record<string, unknown>) {
  const csp = String(headers['content-security-policy']);
  expect(csp.split(';').sort()).toEqual(
    Object.entries(CSP_DIRECTIVES)
      .map(([name, values]) => `${name} ${values.join(' ')}`)
      .sort(),
  );
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-frame-options']).toBe('DENY');
}

describe('frontend page', () => {
  it('GET / serves the page: HTML that loads only its own script and stylesheet, nothing inline', async () => {
    const response = await setup().app.inject('/');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
    expectSecurityHeaders(response.headers);
    const html = response.body;
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<script src="/app.js" defer></script>');
    expect(html).toContain('<link rel="stylesheet" href="/app.css" />');
    // Inline script or style would be blocked by the CSP; external origins are not allowed either.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    for (const id of ['fetch-health', 'fetch-data', 'tally-body', 'frontend-state', 'backend-state']) {
      expect(html).toContain(`id="${id}"`);
    }
  });

  it.each([
    ['/app.js', 'text/javascript; charset=utf-8', "'use strict'"],
    ['/app.css', 'text/css; charset=utf-8', ':root'],
    ['/favicon.svg', 'image/svg+xml', '<svg'],
  ])('GET %s serves the embedded file as %s', async (url, contentType, excerpt) => {
    const response = await setup().app.inject(url);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe(contentType);
    expect(response.body).toContain(excerpt);
    expectSecurityHeaders(response.headers);
  });

  it('revalidates by ETag: a matching If-None-Match gets an empty 304', async () => {
    const { app } = setup();
    const first = await app.inject('/app.js');
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    const second = await app.inject({ url: '/app.js', headers: { 'if-none-match': String(etag) } });
    expect(second.statusCode).toBe(304);
    expect(second.body).toBe('');
    const stale = await app.inject({ url: '/app.js', headers: { 'if-none-match': '"other"' } });
    expect(stale.statusCode).toBe(200);
  });
});

describe('frontend security headers', () => {
  it('are exactly what @fastify/helmet sets per request with the same options', async () => {
    const reference = Fastify({ logger: false });
    apps.push(reference);
    await reference.register(helmet, HELMET_OPTIONS);
    reference.get('/', async () => 'reference');
    const expected = (await reference.inject('/')).headers;
    const actual = (await setup().app.inject('/api/backend/nope')).headers;
    const helmetNames = Object.keys(expected).filter(
      (name) => !['content-type', 'content-length', 'date', 'connection'].includes(name),
    );
    expect(helmetNames.length).toBeGreaterThanOrEqual(10);
    for (const name of helmetNames) expect(actual[name], name).toBe(expected[name]);
  });
});

describe('frontend health and errors', () => {
  it('GET /health has exactly the liveness fields, /ready follows readiness', async () => {
    const { app, readiness } = setup();
    const health = await app.inject('/health');
    expect(health.statusCode).toBe(200);
    const body = health.json();
    expect(Object.keys(body).sort()).toEqual(['hostname', 'status', 'timestamp', 'uptimeSeconds']);
    expect(body).toMatchObject({ status: 'ok', hostname: 'frontend-5c6d-xyz' });
    expect(body.timestamp).toMatch(ISO_UTC);
    expect(typeof body.uptimeSeconds).toBe('number');
    expect([(await app.inject('/ready')).statusCode, (await app.inject('/ready')).json()]).toEqual([
      503,
      { status: 'starting' },
    ]);
    readiness.markReady();
    expect((await app.inject('/ready')).json()).toEqual({ status: 'ready' });
    readiness.markDraining();
    expect((await app.inject('/ready')).statusCode).toBe(503);
  });

  it.each([
    ['GET', '/nope'],
    ['GET', '/metrics'],
    ['POST', '/'],
    ['GET', '/index.html'],
    ['GET', '/app.js/'],
  ] as const)(
    '%s %s is a JSON 404 with exactly statusCode, error, message, requestId',
    async (method, url) => {
      const response = await setup().app.inject({ method, url });
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const body = response.json();
      expect(Object.keys(body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
      expect(body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      expect(body.requestId).toBe(response.headers['x-request-id']);
      expectSecurityHeaders(response.headers);
    },
  );

  it('answers a malformed URL with the JSON 400 and its request id', async () => {
    const response = await setup().app.inject('/api/backend/%zz');
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(Object.keys(body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
    expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(typeof body.message).toBe('string');
    expect(body.requestId).toBe(response.headers['x-request-id']);
  });

  it('labels request metrics by route template, unknown URLs as one label', async () => {
    const { app, metrics } = setup();
    await app.inject('/app.css');
    await app.inject('/no/such/page/1');
    await app.inject('/no/such/page/2');
    const text = await metrics.registry.metrics();
    expect(text).toContain('route="/app.css",status_code="200"} 1');
    expect(text).toContain('route="unmatched",status_code="404"} 2');
    expect(text).not.toContain('/no/such/page');
  });
});
