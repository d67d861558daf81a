import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundlePath,
  freePort,
  removeBundleCopies,
  spawnBundle,
  startLoopbackServer,
  waitFor,
  type LoopbackServer,
} from '@ztmesh/test-support';

const BUNDLE = bundlePath('loadtest');
// The tests run a private copy of the bundle (see SpawnBundleOptions.privateCopy), killed after 20 s at most.
const loadtest = (args: readonly string[], env: NodeJS.ProcessEnv = {}) =>
  spawnBundle('loadtest', { args, env, killAfterMs: 20_000, privateCopy: true });
const runLoadtest = (args: readonly string[], env: NodeJS.ProcessEnv = {}) => loadtest(args, env).exited;
// Keep-alive connections outlive a run's pauses.
const startServer = (handler: Parameters<typeof startLoopbackServer>[0]) =>
  startLoopbackServer(handler, { keepAliveTimeoutMs: 10_000 });

let ok: LoopbackServer;
let forbidden: LoopbackServer;
let silent: LoopbackServer;
let refusedPort: number;
let received = 0;
const directory = mkdtempSync(join(tmpdir(), 'loadtest-cli-'));

beforeAll(async () => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run nx build loadtest first`);
  ok = await startServer((req, res) => {
    received++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url }));
  });
  forbidden = await startServer((_req, res) => {
    res.statusCode = 403;
    res.end('RBAC: access denied');
  });
  silent = await startServer(() => undefined);
  refusedPort = await freePort();
});

afterAll(async () => {
  await Promise.all([ok, forbidden, silent].map((server) => server?.close()));
  removeBundleCopies();
  rmSync(directory, { recursive: true, force: true });
});

describe('loadtest run (built bundle)', () => {
  it('prints its package version for --version and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const result = await runLoadtest(['--version']);
    expect([result.code, result.stdout.trim()]).toEqual([0, version]);
  });

  it('exits 0 when thresholds pass and writes the JSON report to stdout, the table to stderr', async () => {
    const result = await runLoadtest([
      ok.url,
      '--rate',
      '100',
      '--requests',
      '50',
      '--threshold',
      'p99<2s',
      '--threshold',
      'errors<1%',
      '--json',
    ]);
    expect(result.stderr).toContain('result: passed');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report).sort()).toEqual(
      [
        'errorClasses',
        'errorSamples',
        'finishedAt',
        'interrupted',
        'latencyMs',
        'passed',
        'rate',
        'requests',
        'scenarioLagPlaceholder',
        'scenarios',
        'scheduleLagMs',
        'serviceTimeMs',
        'settings',
        'startedAt',
        'statusCodes',
        'thresholds',
        'unauthorized',
        'version',
      ]
        .filter((key) => key !== 'scenarioLagPlaceholder')
        .sort(),
    );
    expect(report).toMatchObject({
      version: 1,
      interrupted: false,
      passed: true,
      settings: {
        model: 'open',
        rate: 100,
        requests: 50,
        connections: 10,
        maxInFlight: 1000,
        timeoutMs: 5000,
      },
      requests: { scheduled: 50, sent: 50, dropped: 0, completed: 50, errors: 0, errorRate: 0 },
      statusCodes: { '200': 50 },
      errorClasses: { timeout: 0, refused: 0, reset: 0, '4xx': 0, '5xx': 0, error: 0 },
      unauthorized: null,
    });
    expect(Object.keys(report.latencyMs).sort()).toEqual(
      ['count', 'max', 'mean', 'min', 'p50', 'p90', 'p95', 'p99', 'p99.9'].sort(),
    );
    for (const key of ['p50', 'p90', 'p99', 'p99.9', 'max'])
      expect(typeof report.latencyMs[key]).toBe('number');
    expect(report.latencyMs.p50).toBeLessThanOrEqual(report.latencyMs.p99);
    expect(report.rate).toMatchObject({ target: 100, expected: 100 });
    expect(report.rate.achieved).toBeGreaterThan(90);
    expect(report.rate.ratio).toBeCloseTo(report.rate.achieved / 100, 3);
    // The default mix: 70/20/10 of 50 requests.
    expect(report.scenarios.map((s: { name: string; requests: number }) => [s.name, s.requests])).toEqual([
      ['data', 35],
      ['health', 10],
      ['page', 5],
    ]);
    expect(report.thresholds).toEqual([
      { expression: 'p99<2s', metric: 'p99', actual: report.latencyMs.p99, limit: 2000, passed: true },
      { expression: 'errors<1%', metric: 'errors', actual: 0, limit: 0.01, passed: true },
    ]);
  });

  it('ramps the rate up: the schedule, its average rate and the ratio account for the ramp', async () => {
    const result = await runLoadtest([
      ok.url,
      '-s',
      'name=a,path=/',
      '-r',
      '200',
      '--ramp-up',
      '1s',
      '-d',
      '1500ms',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    // 100 arrivals during the linear ramp to 200/s, then 100 in the next half second.
    expect(report.requests).toMatchObject({ scheduled: 200, sent: 200, completed: 200 });
    expect(report.rate.expected).toBeCloseTo(133.333, 2);
    expect(report.rate.ratio).toBeGreaterThan(0.95);
    expect(result.stderr).toContain('with the ramp-up 133.3/s on average');
  });

  it('exits 1 when a threshold fails, and writes the report to a file', async () => {
    const file = join(directory, 'failed.json');
    const result = await runLoadtest([
      ok.url,
      '-r',
      '100',
      '-n',
      '20',
      '--threshold',
      'p50<1us',
      '--json',
      file,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('result: FAILED');
    expect(result.stdout).toMatch(/p50<1us\s.*FAIL/);
    const report = JSON.parse(readFileSync(file, 'utf8'));
    expect(report.passed).toBe(false);
    expect(report.thresholds[0]).toMatchObject({ expression: 'p50<1us', passed: false, limit: 0.001 });
  });

  it('fails the run when an unauthorized request gets a 2xx (leaked)', async () => {
    const result = await runLoadtest([
      ok.url,
      '-r',
      '100',
      '-n',
      '40',
      '--unauthorized',
      `${ok.url}/api/data`,
      '--json',
    ]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.unauthorized).toEqual({ requests: 4, blocked: 0, leaked: 4, inconclusive: 0 });
    expect(result.stderr).toContain('LEAKED: 4 unauthorized request(s)');
  });

  it('passes when unauthorized requests are refused, answered 403 or time out (blocked)', async () => {
    const file = join(directory, 'blocked.yaml');
    writeFileSync(
      file,
      [
        `target: ${ok.url}`,
        'scenarios:',
        '  - { name: data, path: /api/data, weight: 2 }',
        `  - { name: refused, url: "http://127.0.0.1:${refusedPort}/api/data", unauthorized: true }`,
        `  - { name: forbidden, url: "${forbidden.url}/api/data", unauthorized: true }`,
        `  - { name: dropped, url: "${silent.url}/api/data", unauthorized: true }`,
      ].join('\n'),
    );
    const result = await runLoadtest(['-f', file, '-r', '50', '-n', '25', '--timeout', '300ms', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.unauthorized).toEqual({ requests: 15, blocked: 15, leaked: 0, inconclusive: 0 });
    const byName = Object.fromEntries(report.scenarios.map((s: { name: string }) => [s.name, s]));
    expect(byName.refused.classes.refused).toBe(5);
    expect(byName.forbidden.statusCodes).toEqual({ '403': 5 });
    expect(byName.dropped.classes.timeout).toBe(5);
    expect(report.requests.errors).toBe(0);
  });

  it.each([
    [['--bogus'], "unknown option '--bogus'"],
    [['-d', '10x'], "option '-d, --duration <time>' argument '10x' is invalid"],
    [['-r', 'abc'], "option '-r, --rate <n|max>' argument 'abc' is invalid"],
    [['-r', 'max'], '--rate max needs --model closed'],
    [['-c', '0'], "argument '0' is invalid. expected a whole number of at least 1"],
    [['--threshold', 'p99<fast'], 'invalid --threshold "p99<fast"'],
    [
      ['--threshold', 'errors<200%'],
      'invalid --threshold "errors<200%": errors is a share of requests, at most 100%',
    ],
    [['--threshold', 'errors<0'], 'invalid --threshold "errors<0": errors is never below 0 (use errors==0)'],
    [['--threshold', 'p99<-5ms'], 'invalid --threshold "p99<-5ms": p99 is never negative'],
    [['-d', '99999999h'], '--duration: at most 24h'],
    [['--ramp-up', '25h', '-d', '2h'], '--ramp-up: at most 24h'],
    [['-c', '100000'], '--connections: at most 10000'],
    [['--max-in-flight', '1000000'], '--max-in-flight: at most 100000'],
    [['-t', '2h'], '--timeout: at most 1h'],
    [['-f', '/nonexistent/mix.yaml'], 'cannot read scenario file /nonexistent/mix.yaml: no such file'],
    [['-s', 'name=a,path=/,weight=-2'], 'invalid --scenario "name=a,path=/,weight=-2": weight must be > 0'],
    [['not-a-url'], 'target: "not-a-url" is not an absolute URL'],
    [
      ['--json', '/nonexistent/dir/r.json'],
      '--json /nonexistent/dir/r.json: directory /nonexistent/dir does not exist',
    ],
  ])('usage error %j exits 2 naming the problem', async (args, message) => {
    const result = await runLoadtest(args);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toMatch(/^loadtest: /);
    expect(result.code).toBe(2);
  });

  it('answers a word that is no command with "unknown command", exit 2, and sends nothing', async () => {
    const before = received;
    const result = await runLoadtest(['frobnicate']);
    expect(result.stderr).toBe(
      "loadtest: unknown command 'frobnicate' (commands: run, service, probe; a target is a URL such as " +
        'http://127.0.0.1:8080); see loadtest --help\n',
    );
    expect(result.code).toBe(2);
    expect(received).toBe(before);
  });

  it('README examples run as written from the repository root (each asked for --help: no load is sent)', () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const readme = readFileSync(join(root, 'apps', 'loadtest', 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
    const commands = blocks
      .flatMap((block) => block.split('\n'))
      .filter((line) => /main\.cjs|^\$? ?loadtest /.test(line));
    expect(
      commands.filter((line) => /^\$? ?loadtest /.test(line)),
      'bare `loadtest` is not installed',
    ).toEqual([]);
    const local = commands.filter((line) => line.startsWith('node dist/apps/loadtest/main.cjs '));
    expect(local.length).toBeGreaterThanOrEqual(4);
    for (const line of local) {
      const args = line
        .replace('node dist/apps/loadtest/main.cjs ', '')
        .split(' ')
        .map((word) => word.replace(/^'(.*)'$/, '$1'));
      const result = spawnSync(
        process.execPath,
        [join(root, 'dist', 'apps', 'loadtest', 'main.cjs'), ...args, '--help'],
        {
          cwd: root,
          encoding: 'utf8',
          timeout: 10_000,
        },
      );
      // The path is the real bundle and it answers; --help keeps the examples from sending load.
      expect(result.status, line).toBe(0);
      expect(result.stdout.split('\n')[0], line).toMatch(/^Usage: loadtest /);
    }
  });

  it('names an invalid scenario file by file, line and field, exit 2', async () => {
    const file = join(directory, 'invalid.yaml');
    writeFileSync(file, 'scenarios:\n  - name: a\n    path: /\n    weight: 0\n');
    const result = await runLoadtest(['-f', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`invalid scenario file ${file}:4: scenarios[0].weight must be > 0`);
  });

  it('exits 3 with a clear message when the target cannot be reached', async () => {
    const result = await runLoadtest([`http://127.0.0.1:${refusedPort}`, '-d', '1s']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `loadtest: cannot reach http://127.0.0.1:${refusedPort} (target of scenario "data"): connection refused`,
    );
  });

  it('fails a run whose requests fail even without --threshold (the default errors<1%), unless told otherwise', async () => {
    const failing = await runLoadtest([forbidden.url, '-s', 'name=a,path=/', '-r', '100', '-n', '10']);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/errors<1% \(default\)\s.*FAIL/);
    expect(failing.stdout).toContain('result: FAILED');
    const allowed = await runLoadtest([
      forbidden.url,
      '-s',
      'name=a,path=/',
      '-r',
      '100',
      '-n',
      '10',
      '--threshold',
      'errors<=100%',
      '--json',
    ]);
    expect(allowed.code).toBe(0);
    const report = JSON.parse(allowed.stdout);
    expect(report.requests.errorRate).toBe(1);
    expect(report.thresholds).toEqual([
      { expression: 'errors<=100%', metric: 'errors', actual: 1, limit: 1, passed: true },
    ]);
  });

  it('on SIGTERM mid-run prints the partial summary, as for SIGINT, and exits 143', async () => {
    const file = join(directory, 'terminated.json');
    const before = received;
    const started = loadtest([ok.url, '-r', '50', '-d', '30s', '--json', file]);
    await waitFor(() => received - before >= 10, { timeoutMs: 15_000, what: 'the run to send requests' });
    started.child.kill('SIGTERM');
    const result = await started.exited;
    expect([result.code, result.signal]).toEqual([143, null]);
    expect(result.stdout).toContain('loadtest INTERRUPTED, partial results');
    expect(result.stdout).toContain('result: passed');
    const report = JSON.parse(readFileSync(file, 'utf8'));
    expect(report.interrupted).toBe(true);
    expect(report.requests.sent).toBeGreaterThanOrEqual(10);
  });

  it('on SIGINT mid-run prints the partial summary and exits 130', async () => {
    const file = join(directory, 'interrupted.json');
    const before = received;
    const started = loadtest([ok.url, '-r', '50', '-d', '30s', '--json', file]);
    await waitFor(() => received - before >= 10, { timeoutMs: 15_000, what: 'the run to send requests' });
    started.child.kill('SIGINT');
    const result = await started.exited;
    expect(result.code).toBe(130);
    expect(result.stdout).toContain('loadtest INTERRUPTED, partial results');
    const report = JSON.parse(readFileSync(file, 'utf8'));
    expect(report.interrupted).toBe(true);
    expect(report.requests.sent).toBeGreaterThanOrEqual(10);
    expect(report.requests.sent).toBeLessThan(1500);
  });
});

describe('loadtest probe (built bundle)', () => {
  it.each([
    [
      'an answer',
      () => `${ok.url}/api/data`,
      [],
      0,
      { allowed: true, outcome: 'allowed', class: '2xx', status: 200 },
    ],
    [
      'a 403',
      () => `${forbidden.url}/api/data`,
      [],
      1,
      { allowed: false, outcome: 'blocked', class: '4xx', status: 403 },
    ],
    [
      'a refused connection',
      () => `http://127.0.0.1:${refusedPort}/`,
      [],
      1,
      { allowed: false, outcome: 'blocked', class: 'refused', status: null },
    ],
    [
      'no answer',
      () => `${silent.url}/`,
      ['-t', '300ms'],
      1,
      { allowed: false, outcome: 'blocked', class: 'timeout', status: null },
    ],
  ])('reports %s as JSON with its exit code', async (_what, url, extra, code, expected) => {
    const result = await runLoadtest(['probe', url(), ...extra]);
    expect(result.code).toBe(code);
    const line = JSON.parse(result.stdout);
    expect(line).toMatchObject({ url: url(), ...expected });
    expect(typeof line.durationMs).toBe('number');
  });

  it('exits 2 without a URL', async () => {
    const result = await runLoadtest(['probe']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("missing required argument 'url'");
  });
});

describe('loadtest service (built bundle)', () => {
  it('serves Prometheus metrics, /health and /ready, and stops on SIGTERM with exit 0', async () => {
    const started = loadtest(['service'], {
      TARGET_URL: ok.url,
      UNAUTHORIZED_URL: `${forbidden.url}/api/data`,
      RATE: '40',
      HOST: '127.0.0.1',
      METRICS_PORT: '0',
      SHUTDOWN_DELAY_MS: '0',
      LOG_LEVEL: 'info',
    });
    await waitFor(() => started.stdout().includes('"msg":"listening"'), {
      timeoutMs: 15_000,
      what: 'the listening line',
    });
    const listening = JSON.parse(
      started
        .stdout()
        .split('\n')
        .find((line) => line.includes('"msg":"listening"')) as string,
    );
    const base = `http://127.0.0.1:${listening.metricsPort}`;
    expect(listening.port).toBe(listening.metricsPort);

    let metrics = '';
    for (let attempt = 0; attempt < 40; attempt++) {
      metrics = await (await fetch(`${base}/metrics`)).text();
      if (
        /outcome="blocked",class="4xx"\} [1-9]/.test(metrics) &&
        /scenario="data",outcome="ok",class="2xx"\} [1-9]/.test(metrics)
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(metrics).toMatch(/loadtest_requests_total\{scenario="data",outcome="ok",class="2xx"\} [1-9]/);
    expect(metrics).toMatch(
      /loadtest_requests_total\{scenario="unauthorized",outcome="blocked",class="4xx"\} [1-9]/,
    );
    expect(metrics).toContain(
      'loadtest_requests_total{scenario="unauthorized",outcome="leaked",class="2xx"} 0',
    );
    expect(metrics).toMatch(
      /loadtest_request_duration_seconds_bucket\{le="0\.1",scenario="data",outcome="ok"\} \d+/,
    );
    expect(metrics).toContain('# TYPE loadtest_request_duration_seconds histogram');
    expect(metrics).toContain('loadtest_target_rate_per_second 40');
    expect(metrics).toContain('loadtest_dropped_requests_total 0');
    expect(metrics).toContain('process_cpu_seconds_total');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect(await (await fetch(`${base}/ready`)).json()).toEqual({ status: 'ready' });

    started.child.kill('SIGTERM');
    const result = await started.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"msg":"load summary"');
    expect(result.stdout).toContain('"msg":"shutdown complete"');
  });

  it('refuses invalid configuration with one line naming the variable, exit 1', async () => {
    const result = await runLoadtest(['service'], { RATE: 'fast', METRICS_PORT: '0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('RATE must be number (got "fast")');
  });
});
