import { spawnSync } from 'node:child_process';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { TRACE_HEADERS } from '@ztmesh/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePath, startBundle, type RunningBundle } from '@ztmesh/test-support';
import { startTestUpstream, type TestUpstream } from './support/test-upstream';

interface RawResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request over a fresh connection, the path sent exactly as written (no client-side normalisation). */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: 'GET', headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A GET over a shared keep-alive agent, resolving with the status code once the body is read. */
function getWith(agent: Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

function expectJsonError(response: RawResponse, statusCode: number) {
  expect(response.statusCode).toBe(statusCode);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(response.body);
  expect(Object.keys(body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
  expect(body.statusCode).toBe(statusCode);
  expect(body.requestId).toBe(response.headers['x-request-id']);
  return body;
}

const METRICS_TEXT = /# (HELP|TYPE)|http_request_duration_seconds|process_cpu/;

let backend: RunningBundle;
let frontend: RunningBundle;
let upstream: TestUpstream;
let frontendToTestUpstream: RunningBundle;

beforeAll(async () => {
  backend = await startBundle('backend');
  upstream = await startTestUpstream();
  [frontend, frontendToTestUpstream] = await Promise.all([
    startBundle('frontend', { env: { BACKEND_URL: `http://127.0.0.1:${backend.port}` } }),
    startBundle('frontend', { env: { BACKEND_URL: upstream.url, UPSTREAM_TIMEOUT_MS: '500' } }),
  ]);
});

afterAll(async () => {
  await Promise.all([backend?.stop(), frontend?.stop(), frontendToTestUpstream?.stop()]);
  await upstream?.close();
});

describe('frontend bundle proxying the backend bundle', () => {
  it('serves the backend data through the proxy with every field', async () => {
    const response = await get(frontend.port, '/api/backend/api/data');
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body);
    expect(Object.keys(body).sort()).toEqual(['data', 'hostname', 'message', 'timestamp']);
    expect(body.message).toBe('Hello from Backend!');
    expect(body.data.count).toBe(body.data.items.length);
    expect(typeof body.hostname).toBe('string');
    expect(body.timestamp).toMatch(/Z$/);
  });

  it('rewrites the prefix: /api/backend/ is the backend root, /api/backend/health its health', async () => {
    const root = JSON.parse((await get(frontend.port, '/api/backend/')).body);
    expect(Object.keys(root).sort()).toEqual(['hostname', 'service', 'status', 'timestamp']);
    expect(root).toMatchObject({ status: 'healthy', service: 'backend' });
    const health = JSON.parse((await get(frontend.port, '/api/backend/health')).body);
    expect(Object.keys(health).sort()).toEqual(['hostname', 'status', 'timestamp', 'uptimeSeconds']);
  });

  it('passes the request id on: the backend logs the id the frontend was given', async () => {
    const requestId = `e2e-${Date.now()}`;
    const response = await get(frontend.port, '/api/backend/api/data', { 'x-request-id': requestId });
    expect(response.headers['x-request-id']).toBe(requestId);
    await expect
      .poll(() => backend.logs.find((line) => line.requestId === requestId && line.url === '/api/data'))
      .toMatchObject({ route: '/api/data', statusCode: 200 });
  });

  it('serves the JSON 404 for unknown paths and keeps its own /health and /ready', async () => {
    expectJsonError(await get(frontend.port, '/api/backend/nope'), 404);
    expectJsonError(await get(frontend.port, '/nope'), 404);
    expect((await get(frontend.port, '/health')).statusCode).toBe(200);
    expect(JSON.parse((await get(frontend.port, '/ready')).body)).toEqual({ status: 'ready' });
  });

  it('never serves metrics through the proxy, whatever the spelling, while the metrics ports do serve them', async () => {
    // The metrics really exist on the metrics ports, so a miss below means the proxy blocked it.
    expect((await get(backend.metricsPort, '/metrics')).body).toMatch(METRICS_TEXT);
    expect((await get(frontend.metricsPort, '/metrics')).body).toMatch(METRICS_TEXT);
    const attempts = [
      '/api/backend/metrics',
      '/api/backend/..%2fmetrics',
      '/api/backend/..%2Fmetrics',
      '/api/backend/%2e%2e/',
      '/api/backend/%2e%2e/metrics',
      '/api/backend/%2e%2e%2fmetrics',
      '/api/backend/%252e%252e%252fmetrics',
      '/api/backend/../metrics',
      '/api/backend/./metrics',
      '/api/backend/api/data/../../metrics',
      '/api/backend/..\\metrics',
      '/api/backend//metrics',
      '//api/backend/metrics',
      '/API/backend/metrics',
      '/api/BACKEND/api/data',
      '/api/backend/ready',
      `/api/backend/http://127.0.0.1:${backend.metricsPort}/metrics`,
      `/api/backend/@127.0.0.1:${backend.metricsPort}/metrics`,
      `http://127.0.0.1:${backend.metricsPort}/metrics`,
      `http://127.0.0.1:${frontend.metricsPort}/metrics`,
    ];
    for (const path of attempts) {
      const response = await get(frontend.port, path);
      expect(response.body, path).not.toMatch(METRICS_TEXT);
      expect([400, 404], path).toContain(response.statusCode);
      expectJsonError(response, response.statusCode);
    }
    // A forged Host header does not move the upstream either.
    const forged = await get(frontend.port, '/api/backend/api/data', {
      host: `127.0.0.1:${backend.metricsPort}`,
    });
    expect(forged.statusCode).toBe(200);
    expect(forged.body).not.toMatch(METRICS_TEXT);
  });

  it('answers 502 within 1 s while the backend is down, and recovers once it is back', async () => {
    const backendPort = backend.port;
    expect(await backend.stop()).toBe(0);
    const started = performance.now();
    const down = await get(frontend.port, '/api/backend/api/data');
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(expectJsonError(down, 502)).toMatchObject({ error: 'Bad Gateway' });

    backend = await startBundle('backend', { env: { PORT: String(backendPort) } });
    const back = await get(frontend.port, '/api/backend/api/data');
    expect(back.statusCode).toBe(200);
    expect(JSON.parse(back.body).message).toBe('Hello from Backend!');
  });
});

describe('frontend bundle shutdown', () => {
  it('under steady load, SIGTERM fails no request sent before it and exits 0 within the window', async () => {
    const draining = await startBundle('frontend', {
      env: {
        BACKEND_URL: `http://127.0.0.1:${backend.port}`,
        SHUTDOWN_DELAY_MS: '300',
        SHUTDOWN_DRAIN_TIMEOUT_MS: '2000',
        REQUEST_LOGGING: 'false',
      },
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const results: { sentAt: number; statusCode: number | string }[] = [];
    const pending: Promise<void>[] = [];
    const started = performance.now();
    let signalledAt = Infinity;
    let exited: Promise<number | null> | undefined;
    // 100 requests per second for 1.5 s; SIGTERM after 0.7 s.
    while (performance.now() - started < 1_500) {
      const sentAt = performance.now();
      if (!exited && sentAt - started >= 700) {
        signalledAt = sentAt;
        exited = draining.stop();
      }
      pending.push(
        getWith(agent, draining.port, '/api/backend/api/data').then(
          (statusCode) => void results.push({ sentAt, statusCode }),
          (error: NodeJS.ErrnoException) => void results.push({ sentAt, statusCode: error.code ?? 'error' }),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await Promise.all(pending);
    agent.destroy();
    expect(await exited).toBe(0);
    expect(performance.now() - signalledAt).toBeLessThan(300 + 2_000 + 1_000);
    const beforeSignal = results.filter((result) => result.sentAt < signalledAt);
    expect(beforeSignal.length).toBeGreaterThan(20);
    expect(beforeSignal.filter((result) => result.statusCode !== 200)).toEqual([]);
  });

  it('drains and exits 0 on SIGTERM, after which its port is closed', async () => {
    const { port } = frontend;
    expect(await frontend.stop()).toBe(0);
    await expect(get(port, '/health')).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('frontend bundle in front of a test upstream', () => {
  it('forwards every trace header and sets x-forwarded-*', async () => {
    upstream.received.length = 0;
    upstream.mode = { kind: 'backend' };
    const trace = Object.fromEntries(TRACE_HEADERS.map((name) => [name, `${name}-e2e`]));
    const response = await get(frontendToTestUpstream.port, '/api/backend/api/data', {
      ...trace,
      host: 'ztmesh.test:8080',
    });
    expect(response.statusCode).toBe(200);
    expect(upstream.received).toHaveLength(1);
    const seen = upstream.received[0];
    expect(seen.url).toBe('/api/data');
    for (const name of TRACE_HEADERS) expect(seen.headers[name], name).toBe(trace[name]);
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe('ztmesh.test:8080');
  });

  it('answers 504 when the upstream is slower than UPSTREAM_TIMEOUT_MS', async () => {
    upstream.mode = { kind: 'slow', delayMs: 3_000 };
    const started = performance.now();
    const response = await get(frontendToTestUpstream.port, '/api/backend/api/data');
    const elapsedMs = performance.now() - started;
    upstream.mode = { kind: 'backend' };
    expect(expectJsonError(response, 504)).toMatchObject({ error: 'Gateway Timeout' });
    expect(elapsedMs).toBeGreaterThanOrEqual(450);
    expect(elapsedMs).toBeLessThan(2_900);
  });
});

describe('frontend bundle configuration', () => {
  it('prints one line naming the variable and exits 1 on PORT=abc', () => {
    const result = spawnSync(process.execPath, [bundlePath('frontend')], {
      env: { PATH: process.env.PATH ?? '', PORT: 'abc' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('PORT');
    expect(lines[0]).toContain('abc');
    expect(result.stdout).toBe('');
  });
});
