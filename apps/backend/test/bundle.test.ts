import { connect, createServer } from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bundlePath,
  freePort,
  listenOnLoopback,
  rawExchange,
  spawnBundle,
  startBundle,
  waitFor,
  type RunningBundle,
} from '@ztmesh/test-support';

const BACKEND_BUNDLE = bundlePath('backend');

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasScript) console.warn('skipping the terminal output test: util-linux `script` is not installed');

// The shipped bundle as a process: config errors, ports, logs and signals, which inject cannot reach.
describe('backend bundle', () => {
  let bundle: RunningBundle | undefined;
  afterEach(() => bundle?.kill());

  it('refuses PORT=abc with one line naming the variable and exit code 1', async () => {
    const run = spawnBundle('backend', { env: { PORT: 'abc' } });
    const { code } = await run.exited;
    expect(code).toBe(1);
    const lines = run.stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^backend: Invalid configuration: PORT must be integer \(got "abc"\)$/);
    expect(run.stdout()).toBe('');
  });

  it('logs one JSON `listening` line with both ports, and serves metrics only on the metrics port', async () => {
    bundle = await startBundle('backend');
    // Every line of stdout is one JSON object: the log pipeline parses nothing else.
    expect(bundle.logs).toHaveLength(bundle.stdout().trimEnd().split('\n').length);
    const listening = bundle.logs.find((line) => line.msg === 'listening');
    expect(listening).toMatchObject({ level: 'info', service: 'backend', host: '127.0.0.1' });
    expect(listening?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(bundle.port).toBeGreaterThan(0);
    expect(bundle.metricsPort).toBeGreaterThan(0);
    expect(bundle.metricsPort).not.toBe(bundle.port);

    const api = `http://127.0.0.1:${bundle.port}`;
    const data = await fetch(`${api}/api/data`, { headers: { 'x-request-id': 'bundle-req-1' } });
    expect(data.status).toBe(200);
    expect(data.headers.get('x-request-id')).toBe('bundle-req-1');
    expect(((await data.json()) as { data: { count: number } }).data.count).toBe(3);

    const apiMetrics = await fetch(`${api}/metrics`);
    expect(apiMetrics.status).toBe(404);
    expect(Object.keys((await apiMetrics.json()) as object).sort()).toEqual([
      'error',
      'message',
      'requestId',
      'statusCode',
    ]);

    const metrics = await fetch(`http://127.0.0.1:${bundle.metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{method="GET",route="\/api\/data",status_code="200"\} 1$/m,
    );
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1$/m,
    );
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).not.toContain('route="/metrics"');
    const notMetrics = await fetch(`http://127.0.0.1:${bundle.metricsPort}/api/data`);
    expect(notMetrics.status).toBe(404);
    const notMetricsBody = (await notMetrics.json()) as Record<string, unknown>;
    expect(Object.keys(notMetricsBody).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
    expect(notMetricsBody['requestId']).toBe(notMetrics.headers.get('x-request-id'));
  });

  it('logs one line per completed request with the request id, and none below LOG_LEVEL', async () => {
    const loud = await startBundle('backend');
    bundle = loud;
    await (
      await fetch(`http://127.0.0.1:${loud.port}/api/data`, { headers: { 'x-request-id': 'log-1' } })
    ).text();
    await waitFor(() => loud.logs.some((line) => line['requestId'] === 'log-1'));
    const lines = loud.logs.filter((line) => line['requestId'] === 'log-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'request completed',
      method: 'GET',
      url: '/api/data',
      route: '/api/data',
      statusCode: 200,
    });
    loud.child.kill('SIGKILL');

    // Below the level nothing is printed, not even `listening`: find the port first, then poll it.
    const port = await freePort();
    const quiet = spawnBundle('backend', {
      env: {
        HOST: '127.0.0.1',
        PORT: String(port),
        METRICS_PORT: '0',
        LOG_LEVEL: 'warn',
        SHUTDOWN_DELAY_MS: '0',
      },
    });
    bundle = { ...quiet, port, metricsPort: 0 };
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/api/data`).catch(() => null))?.ok === true,
    );
    quiet.child.kill('SIGTERM');
    expect((await quiet.exited).code).toBe(0);
    expect(quiet.stdout()).toBe('');
  }, 30_000);

  it('exits 1 when its port is taken, with the reason logged even though it exits at once', async () => {
    const blocker = createServer();
    const port = await listenOnLoopback(blocker);
    try {
      const run = spawnBundle('backend', {
        env: { HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: '0' },
      });
      expect((await run.exited).code).toBe(1);
      expect(run.logs.at(-1)).toMatchObject({ level: 'fatal', msg: 'could not start' });
      expect(JSON.stringify(run.logs.at(-1))).toContain('EADDRINUSE');
    } finally {
      blocker.close();
    }
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('exits 0 on %s after failing readiness first', async (signal) => {
    const running = await startBundle('backend', {
      env: { SHUTDOWN_DELAY_MS: '1000', SHUTDOWN_DRAIN_TIMEOUT_MS: '2000' },
    });
    bundle = running;
    const api = `http://127.0.0.1:${running.port}`;
    expect((await fetch(`${api}/ready`)).status).toBe(200);
    const sentAt = Date.now();
    running.child.kill(signal);
    // During the delay the process still serves, but reports that it is draining.
    // A normal shutdown reads as normal: an info line that says what happens, not "failed".
    await waitFor(() =>
      running.logs.some(
        (line) =>
          line.msg === 'shutting down: readiness now reports not-ready, draining' && line.level === 'info',
      ),
    );
    expect(running.logs.filter((line) => line.level !== 'info')).toEqual([]);
    const ready = await fetch(`${api}/ready`);
    expect([ready.status, await ready.json()]).toEqual([503, { status: 'draining' }]);
    expect((await fetch(`${api}/api/data`)).status).toBe(200);
    const { code, at } = await running.exited;
    expect(code).toBe(0);
    expect(at - sentAt).toBeGreaterThanOrEqual(1000);
    expect(at - sentAt).toBeLessThan(1000 + 2000);
    expect(running.logs.at(-1)).toMatchObject({ msg: 'shutdown complete' });
  });

  it.skipIf(!hasScript)('prints pretty lines, not JSON, when stdout is a terminal', async () => {
    // util-linux `script` gives the bundle a pseudo-terminal as stdout.
    const command = `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BACKEND_BUNDLE)}`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: {
        PATH: process.env['PATH'] ?? '',
        PORT: '0',
        METRICS_PORT: '0',
        HOST: '127.0.0.1',
        SHUTDOWN_DELAY_MS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await waitFor(() => output.includes('listening'));
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    expect(output).toMatch(/INFO.*\(backend\)/);
    expect(output).not.toContain('{"level"');
  });

  it('answers bytes that are not HTTP with a JSON 400 carrying a fresh request id', async () => {
    bundle = await startBundle('backend');
    const { raw } = await rawExchange(bundle.port, 'NOT HTTP AT ALL\r\n\r\n', 5_000);
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    const requestId = /x-request-id: ([0-9a-f-]{36})/i.exec(head ?? '')?.[1];
    expect(requestId).toBeDefined();
    expect(JSON.parse(body ?? '')).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'The request is not valid HTTP',
      requestId,
    });
  });

  it('closes a socket that trickles its headers with a JSON 408 within HEADERS_TIMEOUT_MS, serving others meanwhile', async () => {
    bundle = await startBundle('backend', {
      env: { HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '1000' },
    });
    const started = performance.now();
    const socket = connect(bundle.port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    let n = 0;
    const trickle = setInterval(() => socket.write(`X-Slow-${n++}: y\r\n`), 200);
    socket.on('connect', () => socket.write('GET /api/data HTTP/1.1\r\nHost: x\r\n'));
    const closed = new Promise<number>((resolve) =>
      socket.on('close', () => resolve(performance.now() - started)),
    );
    const served = await fetch(`http://127.0.0.1:${bundle.port}/api/data`);
    expect(served.status).toBe(200);
    const closedAfterMs = await closed;
    clearInterval(trickle);
    expect(closedAfterMs).toBeGreaterThanOrEqual(950);
    expect(closedAfterMs).toBeLessThan(2_500);
    expect(received).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    expect(received).toContain('"message":"The request was not received in time"');
  });
});
