import { createServer as createTcpServer, type Socket } from 'node:net';
import { createLogger, createMetrics, createReadiness, TRACE_HEADERS } from '@ztmesh/service-kit';
import { freePort, listenOnLoopback } from '@ztmesh/test-support';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestUpstream, type TestUpstream } from '../../test/support/test-upstream';
import { buildApp } from '../app';
import { loadFrontendConfig } from '../config';

let upstream: TestUpstream;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  upstream = await startTestUpstream();
});
afterAll(async () => {
  await upstream.close();
});
afterEach(async () => {
  upstream.mode = { kind: 'backend' };
  upstream.received.length = 0;
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function setup(env: Record<string, string> = {}) {
  const logger = createLogger({ name: 'frontend', level: 'silent', pretty: false });
  const metrics = createMetrics({ defaultMetrics: false });
  const config = loadFrontendConfig({ BACKEND_URL: upstream.url, ...env });
  const app = buildApp(config, { logger, metrics, readiness: createReadiness() });
  apps.push(app);
  return { app, metrics };
}

function expectErrorBody(
  response: { json(): unknown; headers: Record<string, unknown> },
  statusCode: number,
) {
  const body = response.json() as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
  expect(body.statusCode).toBe(statusCode);
  expect(typeof body.error).toBe('string');
  expect(typeof body.message).toBe('string');
  expect(body.requestId).toBe(response.headers['x-request-id']);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  return body;
}

describe('proxy: prefix rewrite and relay', () => {
  it.each([
    ['/api/backend/api/data', '/api/data'],
    ['/api/backend/', '/'],
    ['/api/backend', '/'],
    ['/api/backend/health', '/health'],
    ['/api/backend/api/data?page=2&q=a%20b', '/api/data?page=2&q=a%20b'],
    // A spelling the router accepts still reaches the upstream as the constant path.
    ['/api/backend/api/%64ata', '/api/data'],
  ])('GET %s reaches the upstream as %s', async (url, upstreamUrl) => {
    const response = await setup().app.inject(url);
    expect(response.statusCode).toBe(200);
    expect(upstream.received.map((request) => [request.method, request.url])).toEqual([['GET', upstreamUrl]]);
  });

  it('relays status, body and end-to-end headers of the upstream answer', async () => {
    const response = await setup().app.inject('/api/backend/api/data');
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = response.json();
    expect(Object.keys(body).sort()).toEqual(['data', 'hostname', 'message', 'timestamp']);
    expect(body).toMatchObject({ message: 'Hello from Backend!', hostname: 'upstream-pod' });
    expect(body.data.count).toBe(body.data.items.length);
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('relays HEAD as an upstream GET: its content-length and no body', async () => {
    const get = await setup().app.inject('/api/backend/health');
    const head = await apps[0].inject({ method: 'HEAD', url: '/api/backend/health' });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(get.body)));
    expect(upstream.received.map((request) => request.method)).toEqual(['GET', 'GET']);
  });

  it('passes an upstream 503 through once: no retry storm', async () => {
    upstream.mode = { kind: 'status', statusCode: 503 };
    const response = await setup().app.inject('/api/backend/api/data');
    expect(response.statusCode).toBe(503);
    expect(upstream.received).toHaveLength(1);
  });

  it('records proxied requests under their route template', async () => {
    const { app, metrics } = setup();
    await app.inject('/api/backend/api/data?x=1');
    await app.inject('/api/backend/api/data?x=2');
    expect(await metrics.registry.metrics()).toContain(
      'method="GET",route="/api/backend/api/data",status_code="200"} 2',
    );
  });
});

describe('proxy: the hot path', () => {
  it("skips @fastify/http-proxy's per-request destination parsing: each route forwards its constant path", async () => {
    // The library's own handler builds three URL objects per request to check a destination our forwarder never
    // uses; the routes it registers are bound to their upstream path instead (ADR 0057). undici's pool parses its
    // origin once per new connection, which is not per request and not counted here.
    const { app } = setup();
    await app.ready();
    const RealUrl = globalThis.URL;
    let byProxyLibrary = 0;
    globalThis.URL = class CountingUrl extends RealUrl {
      constructor(...args: ConstructorParameters<typeof URL>) {
        super(...args);
        if (new Error().stack?.includes('@fastify/http-proxy')) byProxyLibrary += 1;
      }
    };
    try {
      for (const url of [
        '/api/backend/api/data',
        '/api/backend/health?x=1',
        '/api/backend',
        '/api/backend/',
      ]) {
        const response = await app.inject(url);
        expect(response.statusCode, url).toBe(200);
      }
    } finally {
      globalThis.URL = RealUrl;
    }
    expect(upstream.received.map((request) => request.url)).toEqual(['/api/data', '/health?x=1', '/', '/']);
    expect(byProxyLibrary).toBe(0);
  });
});

describe('proxy: headers', () => {
  it('forwards every trace header unchanged, the incoming request id included', async () => {
    const trace = Object.fromEntries(TRACE_HEADERS.map((name, i) => [name, `${name}-value-${i}`]));
    trace['x-request-id'] = 'req-abc-123';
    const response = await setup().app.inject({ url: '/api/backend/api/data', headers: trace });
    expect(response.headers['x-request-id']).toBe('req-abc-123');
    const seen = upstream.received[0].headers;
    for (const name of TRACE_HEADERS) expect(seen[name]).toBe(trace[name]);
  });

  it('sets x-request-id to the frontend request id when it is absent or unsafe', async () => {
    const { app } = setup();
    const absent = await app.inject('/api/backend/api/data');
    const unsafe = await app.inject({ url: '/api/backend/api/data', headers: { 'x-request-id': 'a b\tc' } });
    expect(upstream.received[0].headers['x-request-id']).toBe(absent.headers['x-request-id']);
    expect(upstream.received[1].headers['x-request-id']).toBe(unsafe.headers['x-request-id']);
    expect(unsafe.headers['x-request-id']).not.toBe('a b\tc');
  });

  it('sets x-forwarded-for/-proto/-host, appending to an existing chain and keeping an earlier hop', async () => {
    const { app } = setup();
    await app.inject({ url: '/api/backend/api/data', headers: { host: 'ztmesh.example' } });
    await app.inject({
      url: '/api/backend/api/data',
      headers: {
        host: 'frontend.webapp',
        'x-forwarded-for': '203.0.113.7',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'ztmesh.example',
      },
    });
    const [first, second] = upstream.received.map((request) => request.headers);
    expect([first['x-forwarded-for'], first['x-forwarded-proto'], first['x-forwarded-host']]).toEqual([
      '127.0.0.1',
      'http',
      'ztmesh.example',
    ]);
    expect([second['x-forwarded-for'], second['x-forwarded-proto'], second['x-forwarded-host']]).toEqual([
      '203.0.113.7, 127.0.0.1',
      'https',
      'ztmesh.example',
    ]);
    expect(first.host).toBe(`127.0.0.1:${upstream.port}`);
  });

  it('drops hop-by-hop request headers, including those named in Connection', async () => {
    await setup().app.inject({
      url: '/api/backend/api/data',
      headers: {
        connection: 'x-hop-secret, keep-alive',
        'x-hop-secret': 'must-not-pass',
        'keep-alive': 'timeout=5',
        'proxy-authorization': 'Basic Zm9vOmJhcg==',
        'proxy-connection': 'keep-alive',
        te: 'trailers',
        trailer: 'x-checksum',
        'x-end-to-end': 'kept',
      },
    });
    const seen = upstream.received[0].headers;
    for (const name of [
      'x-hop-secret',
      'proxy-authorization',
      'proxy-connection',
      'te',
      'trailer',
      'keep-alive',
    ]) {
      expect(seen[name], name).toBeUndefined();
    }
    // undici manages its own connection header (keep-alive to the pool); the client's is never copied.
    expect(seen.connection ?? 'keep-alive').toBe('keep-alive');
    expect(seen['x-end-to-end']).toBe('kept');
  });

  it('drops hop-by-hop response headers, including those the upstream names in Connection', async () => {
    upstream.mode = {
      kind: 'headers',
      headers: {
        connection: 'keep-alive, x-upstream-hop',
        'x-upstream-hop': 'must-not-pass',
        'proxy-authenticate': 'Basic',
        'x-upstream-end': 'kept',
      },
    };
    const response = await setup().app.inject('/api/backend/api/data');
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-upstream-hop']).toBeUndefined();
    expect(response.headers['proxy-authenticate']).toBeUndefined();
    expect(response.headers['x-upstream-end']).toBe('kept');
  });
});

describe('proxy: only the allow-list reaches the upstream', () => {
  it.each([
    '/api/backend/ready',
    '/api/backend/metrics',
    '/api/backend/api/metrics',
    '/api/backend/..%2fmetrics',
    '/api/backend/..%2Fmetrics',
    '/api/backend/%2e%2e/',
    '/api/backend/%2e%2e/metrics',
    '/api/backend/%2E%2E%2Fmetrics',
    '/api/backend/%252e%252e%252fmetrics',
    '/api/backend/api/data/..%2f..%2fmetrics',
    '/api/backend/..',
    '/api/backend/..;/metrics',
    '/api/backend/api%2fdata',
    '/api/backend/api/data/',
    '/api/backend//api/data',
    '/api/backend/%5c..%5cmetrics',
    '//api/backend/api/data',
    '/API/backend/api/data',
    '/api/Backend/api/data',
    '/api/backend/API/DATA',
    '/api/backend/Health',
    '/api/backendx/api/data',
  ])('GET %s is the JSON 404 and nothing is forwarded', async (url) => {
    const response = await setup().app.inject(url);
    expect(response.statusCode).toBe(404);
    expectErrorBody(response, 404);
    expect(upstream.received).toEqual([]);
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const)(
    '%s /api/backend/api/data is the JSON 404 and nothing is forwarded',
    async (method) => {
      const response = await setup().app.inject({ method, url: '/api/backend/api/data', payload: '{"a":1}' });
      expect(response.statusCode).toBe(404);
      expectErrorBody(response, 404);
      expect(upstream.received).toEqual([]);
    },
  );

  it('never forwards a request body, even on GET', async () => {
    const response = await setup().app.inject({
      method: 'GET',
      url: '/api/backend/api/data',
      headers: { 'content-type': 'application/json' },
      payload: '{"smuggled":true}',
    });
    expect(response.statusCode).toBe(200);
    const seen = upstream.received[0].headers;
    expect(seen['content-length']).toBeUndefined();
    expect(seen['transfer-encoding']).toBeUndefined();
  });
});

describe('proxy: upstream failures', () => {
  it('answers a refused connection with the JSON 502 within 1 s', async () => {
    const port = await freePort();
    const { app } = setup({ BACKEND_URL: `http://127.0.0.1:${port}` });
    const started = performance.now();
    const response = await app.inject('/api/backend/api/data');
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(response.statusCode).toBe(502);
    expect(expectErrorBody(response, 502)).toMatchObject({ error: 'Bad Gateway' });
  });

  it('answers an upstream slower than UPSTREAM_TIMEOUT_MS with the JSON 504', async () => {
    upstream.mode = { kind: 'slow', delayMs: 2_000 };
    const { app } = setup({ UPSTREAM_TIMEOUT_MS: '300' });
    const started = performance.now();
    const response = await app.inject('/api/backend/api/data');
    const elapsedMs = performance.now() - started;
    expect(response.statusCode).toBe(504);
    expect(expectErrorBody(response, 504)).toMatchObject({
      error: 'Gateway Timeout',
      message: 'The backend did not answer within 300 ms',
    });
    expect(elapsedMs).toBeGreaterThanOrEqual(250);
    expect(elapsedMs).toBeLessThan(1_900);
    expect(upstream.received).toHaveLength(1);
  });

  it('answers an oversized upstream body with the JSON 502 instead of relaying it', async () => {
    upstream.mode = { kind: 'large', bytes: 2 * 1024 * 1024 };
    const response = await setup().app.inject('/api/backend/api/data');
    expect(response.statusCode).toBe(502);
    expectErrorBody(response, 502);
  });

  it('retries a socket that breaks under the request exactly once, then gives the JSON 502', async () => {
    const breaking = await startBreakingUpstream(Infinity);
    const { app } = setup({ BACKEND_URL: breaking.url });
    const response = await app.inject('/api/backend/api/data');
    expect(response.statusCode).toBe(502);
    expectErrorBody(response, 502);
    expect(breaking.requests()).toBe(2);
    await breaking.close();
  });

  it('recovers by that one retry when only the first socket breaks', async () => {
    const breaking = await startBreakingUpstream(1);
    const { app } = setup({ BACKEND_URL: breaking.url });
    const response = await app.inject('/api/backend/api/data');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true });
    expect(breaking.requests()).toBe(2);
    await breaking.close();
  });
});

/** A raw TCP upstream that reads each request and drops the connection for the first `breakCount` of them. */
async function startBreakingUpstream(breakCount: number) {
  let requests = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', () => {
      requests += 1;
      if (requests <= breakCount) {
        socket.destroy();
        return;
      }
      const body = '{"ok":true}';
      socket.write(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
      );
    });
  });
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
