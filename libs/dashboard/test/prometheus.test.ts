// The dashboard against a real Prometheus: Debian's /usr/bin/prometheus scrapes the real backend, frontend and
// load-generator bundles on loopback while the load generator sends its mix and unauthorized attempts (aimed at a
// closed port, so each is refused: blocked); then every panel's query, read from the committed JSON, must return
// series and name only metrics the processes export.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startBundle, waitFor, type RunningBundle } from '@ztmesh/test-support';
import { DASHBOARD_FILE } from '../src/dashboard-file';
import { panelQueries, substituteGrafanaVariables, unknownMetrics } from '../src/panel-queries';
import { createPrometheusArgs, createPrometheusConfig } from '../src/prometheus-config.mjs';

const PROMETHEUS = process.env['PROMETHEUS_BIN'] ?? '/usr/bin/prometheus';
const SCRAPE_SECONDS = 1;
const LOAD_MS = 9_000;
const present = existsSync(PROMETHEUS);
if (!present)
  console.warn(`SKIPPED dashboard/prometheus: ${PROMETHEUS} is absent (apt-get install prometheus)`);

// Everything started here, stopped in reverse order by afterAll.
const started: { stop(): Promise<unknown> }[] = [];

/** Starts a built bundle on loopback and waits for its `listening` log line. */
async function start(app: string, env: Record<string, string>, args: string[] = []): Promise<RunningBundle> {
  const bundle = await startBundle(app, { env, args });
  started.push(bundle);
  return bundle;
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

describe.skipIf(!present)('the dashboard on a real Prometheus', () => {
  let base = '';
  let dataDir = '';

  beforeAll(async () => {
    const backend = await start('backend', { PORT: '0', METRICS_HOST: '127.0.0.1', METRICS_PORT: '0' });
    const frontend = await start('frontend', {
      PORT: '0',
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: '0',
      BACKEND_URL: `http://127.0.0.1:${backend.port}`,
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
    const loadtest = await start(
      'loadtest',
      {
        TARGET_URL: `http://127.0.0.1:${frontend.port}`,
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
          { app: 'backend', pod: 'backend-0', address: `127.0.0.1:${backend.metricsPort}` },
          { app: 'frontend', pod: 'frontend-0', address: `127.0.0.1:${frontend.metricsPort}` },
          { app: 'loadtest', pod: 'loadtest-0', address: `127.0.0.1:${loadtest.metricsPort}` },
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
    started.push({
      stop: async () => {
        if (prometheus.exitCode !== null || prometheus.signalCode !== null) return;
        const exited = new Promise((resolve) => prometheus.once('exit', resolve));
        prometheus.kill('SIGTERM');
        const timer = setTimeout(() => prometheus.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      },
    });
    await waitFor(async () => (await fetch(`${base}/-/ready`)).ok, {
      timeoutMs: 20_000,
      what: 'Prometheus /-/ready',
      intervalMs: 250,
    });
    await waitFor(async () => (await promQuery(base, 'up == 1')).length === 3, {
      timeoutMs: 15_000,
      what: 'all three targets up',
      intervalMs: 250,
    });
    // Bounded load: the load generator has been sending since it started; give Prometheus several scrapes of it.
    await new Promise((resolve) => setTimeout(resolve, LOAD_MS));
  }, 90_000);

  afterAll(async () => {
    for (const running of started.reverse()) await running.stop();
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
