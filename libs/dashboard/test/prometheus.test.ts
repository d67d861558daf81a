// The dashboard against a real Prometheus: Debian's /usr/bin/prometheus scrapes the real backend, frontend and
// load-generator bundles on loopback while the load generator sends its mix and unauthorized attempts (aimed at a
// closed port, so each is refused: blocked); then every panel's query, read from the committed JSON, must return
// series and name only metrics the processes export.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_FILE } from '../src/dashboard-file';
import { panelQueries, substituteGrafanaVariables, unknownMetrics } from '../src/panel-queries';
import { createPrometheusArgs, createPrometheusConfig } from '../src/prometheus-config.mjs';

const PROMETHEUS = process.env['PROMETHEUS_BIN'] ?? '/usr/bin/prometheus';
const DIST = join(__dirname, '../../../dist/apps');
const SCRAPE_SECONDS = 1;
const LOAD_MS = 9_000;
const present = existsSync(PROMETHEUS);
if (!present)
  console.warn(`SKIPPED dashboard/prometheus: ${PROMETHEUS} is absent (apt-get install prometheus)`);

interface Started {
  readonly child: ChildProcess;
  readonly line: Record<string, unknown>;
}

const started: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts a built bundle and waits for its `listening` log line. */
function startBundle(app: string, env: Record<string, string>, args: string[] = []): Promise<Started> {
  const child = spawn(process.execPath, [join(DIST, app, 'main.cjs'), ...args], {
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let pending = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${app} did not log "listening" (stderr: ${stderr})`)),
      15_000,
    );
    child.once('exit', (code) => reject(new Error(`${app} exited ${code} (stderr: ${stderr})`)));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) {
        if (!part.startsWith('{')) continue;
        const line = JSON.parse(part) as Record<string, unknown>;
        if (line['msg'] === 'listening') {
          clearTimeout(timer);
          resolve({ child, line });
        }
      }
    });
  });
}

async function promQuery(
  base: string,
  query: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query })}`);
  const body = (await response.json()) as { status: string; error?: string; data?: { result: never[] } };
  if (body.status !== 'success') throw new Error(`${query}: ${body.error ?? response.status}`);
  return body.data?.result ?? [];
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!present)('the dashboard on a real Prometheus', () => {
  let base = '';
  let dataDir = '';

  beforeAll(async () => {
    const backend = await startBundle('backend', { PORT: '0', METRICS_HOST: '127.0.0.1', METRICS_PORT: '0' });
    const frontend = await startBundle('frontend', {
      PORT: '0',
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: '0',
      BACKEND_URL: `http://127.0.0.1:${backend.line['port']}`,
    });
    const closed = await freePort();
    dataDir = mkdtempSync(join(tmpdir(), 'ztmesh-prometheus-'));
    // The default mix, a path the proxy does not allow (its 404s feed the non-2xx panel) and unauthorized attempts
    // at a closed port (refused: blocked, as an L3/L4 deny looks from inside the mesh).
    const scenarioFile = join(dataDir, 'scenarios.yaml');
    writeFileSync(
      scenarioFile,
      [
        'scenarios:',
        '  - { name: data, path: /api/backend/api/data, weight: 60 }',
        '  - { name: health, path: /api/backend/health, weight: 15 }',
        '  - { name: page, path: /, weight: 10 }',
        '  - { name: not-allowed, path: /api/backend/admin, weight: 5 }',
        `  - { name: unauthorized, url: http://127.0.0.1:${closed}/api/data, weight: 10, unauthorized: true }`,
        '',
      ].join('\n'),
    );
    const loadtest = await startBundle(
      'loadtest',
      {
        TARGET_URL: `http://127.0.0.1:${frontend.line['port']}`,
        METRICS_PORT: '0',
        RATE: '20',
        SCENARIO_FILE: scenarioFile,
        SHUTDOWN_DELAY_MS: '0',
      },
      ['service'],
    );
    const config = join(dataDir, 'prometheus.yml');
    writeFileSync(
      config,
      createPrometheusConfig(
        [
          { app: 'backend', pod: 'backend-0', address: `127.0.0.1:${backend.line['metricsPort']}` },
          { app: 'frontend', pod: 'frontend-0', address: `127.0.0.1:${frontend.line['metricsPort']}` },
          { app: 'loadtest', pod: 'loadtest-0', address: `127.0.0.1:${loadtest.line['metricsPort']}` },
        ],
        SCRAPE_SECONDS,
      ),
    );
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const prometheus = spawn(
      PROMETHEUS,
      createPrometheusArgs({
        configFile: config,
        dataDir: join(dataDir, 'data'),
        listenAddress: `127.0.0.1:${port}`,
      }),
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    started.push(prometheus);
    await waitFor(async () => (await fetch(`${base}/-/ready`)).ok, 20_000, 'Prometheus /-/ready');
    await waitFor(
      async () => (await promQuery(base, 'up == 1')).length === 3,
      15_000,
      'all three targets up',
    );
    // Bounded load: the load generator has been sending since it started; give Prometheus several scrapes of it.
    await new Promise((resolve) => setTimeout(resolve, LOAD_MS));
  }, 90_000);

  afterAll(async () => {
    for (const child of started.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Parameters<typeof panelQueries>[0];
  const queries = panelQueries(dashboard);

  it('every metric a panel names is one the processes export', async () => {
    const response = await fetch(`${base}/api/v1/label/__name__/values`);
    const names = new Set(((await response.json()) as { data: string[] }).data);
    expect(names.has('http_request_duration_seconds_bucket')).toBe(true);
    expect(unknownMetrics(queries, names)).toEqual([]);
  });

  it.each(queries.map((query) => [`${query.panel} (${query.refId})`, query] as const))(
    '%s returns series',
    async (_name, query) => {
      const expr = substituteGrafanaVariables(query.expr, SCRAPE_SECONDS, LOAD_MS / 1000);
      const result = await promQuery(base, expr);
      expect(result.length, expr).toBeGreaterThan(0);
    },
  );

  it('the unauthorized panel shows the blocked attempts and no leak', async () => {
    const query = queries.find((candidate) => candidate.panel.startsWith('Unauthorized attempts: blocked'));
    expect(query).toBeDefined();
    const result = await promQuery(base, query?.expr ?? '');
    const byOutcome = Object.fromEntries(
      result.map((series) => [series.metric['outcome'], Number(series.value[1])]),
    );
    expect(byOutcome['blocked']).toBeGreaterThan(0);
    expect(byOutcome['leaked']).toBe(0);
  });

  it('per-pod panels see each service as its pod', async () => {
    const query = queries.find((candidate) => candidate.panel === 'Request rate per pod');
    const result = await promQuery(base, substituteGrafanaVariables(query?.expr ?? '', SCRAPE_SECONDS, 9));
    expect(result.map((series) => series.metric['pod']).sort()).toEqual(['backend-0', 'frontend-0']);
  });
});
