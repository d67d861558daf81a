import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { delimiter, isAbsolute, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, listenOnLoopback } from '@ztmesh/test-support';

// `npm start` (scripts/start.mjs) on a taken port: one line naming the port and the variable that moves it, exit 2,
// before anything is built or started. Real script, real listening socket.
const ROOT = join(__dirname, '..', '..', '..');

function runStart(
  env: NodeJS.ProcessEnv,
  args: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.mjs'), '--skip-build', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGTERM'), 15_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm start on a port already in use', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer();
    port = await listenOnLoopback(server);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each(['FRONTEND_PORT', 'BACKEND_METRICS_PORT'])(
    'names the port and %s in one line, exit 2, nothing started',
    async (variable) => {
      const result = await runStart({ [variable]: String(port) });
      expect(result.stderr).toBe(
        `start: port ${port} is already in use (${variable}); set ${variable} to a free port, e.g. ` +
          `${variable}=${port + 1000} npm start\n`,
      );
      expect(result.code).toBe(2);
      expect(result.stdout).not.toMatch(/ready: open/);
    },
  );

  it.skipIf(!findPrometheus())('with --observe, PROMETHEUS_PORT taken is the same one line', async () => {
    const result = await runStart({ PROMETHEUS_PORT: String(port) }, ['--observe']);
    expect(result.stderr).toBe(
      `start: port ${port} is already in use (PROMETHEUS_PORT); set PROMETHEUS_PORT to a free port, e.g. ` +
        `PROMETHEUS_PORT=${port + 1000} npm start\n`,
    );
    expect(result.code).toBe(2);
  });

  it('a port that is no number is exit 2 naming the variable', async () => {
    const result = await runStart({ FRONTEND_PORT: 'eighty' });
    expect(result.stderr).toBe('start: FRONTEND_PORT must be a port number (got "eighty")\n');
    expect(result.code).toBe(2);
  });
});

// `npm start -- --observe`: the real script starts the real bundles and the real Prometheus on ephemeral ports;
// Prometheus must scrape all three services (targets up through its HTTP API), the printed query must return
// series, and after SIGTERM no process started by the script survives and its data directory is gone.
const MARKER = 'ZTMESH_START_TEST';

/** PROMETHEUS_BIN, else `prometheus` on PATH, as scripts/start.mjs finds it. */
function findPrometheus(): string | undefined {
  const configured = process.env['PROMETHEUS_BIN'];
  if (configured) return existsSync(configured) ? configured : undefined;
  return (process.env['PATH'] ?? '')
    .split(delimiter)
    .map((dir) => join(dir, 'prometheus'))
    .find((candidate) => isAbsolute(candidate) && existsSync(candidate));
}
const PROMETHEUS = findPrometheus();
if (!PROMETHEUS)
  console.warn(
    'SKIPPED npm start --observe with Prometheus: no prometheus on PATH (apt-get install prometheus)',
  );

async function stackPorts(): Promise<Record<string, string>> {
  const names = [
    'BACKEND_PORT',
    'FRONTEND_PORT',
    'BACKEND_METRICS_PORT',
    'FRONTEND_METRICS_PORT',
    'LOADTEST_METRICS_PORT',
    'PROMETHEUS_PORT',
  ];
  const env: Record<string, string> = {};
  for (const name of names) env[name] = String(await freePort());
  return env;
}

/** PIDs of live processes whose environment carries `MARKER=<value>` (every child inherits the script's). */
function markedProcesses(value: string): number[] {
  const needle = `${MARKER}=${value}`;
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (/^State:\s+Z/m.test(status)) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(needle))
        out.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return out;
}

interface Stack {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Runs start.mjs and resolves once it printed its ready block (or exited). */
async function startStack(args: string[], env: NodeJS.ProcessEnv): Promise<Stack> {
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.mjs'), '--skip-build', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!/Ctrl-C stops everything/.test(output) && child.exitCode === null && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  return { child, output: () => output, exited };
}

async function poll<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (${String(last)})` : ''}`);
}

async function stopAndCheck(stack: Stack, marker: string, ports: Record<string, string>): Promise<void> {
  expect(markedProcesses(marker).length).toBeGreaterThan(0);
  stack.child.kill('SIGTERM');
  expect(await stack.exited).toBe(0);
  expect(stack.output()).toMatch(/start\s+\| stopped/);
  expect(markedProcesses(marker)).toEqual([]);
  for (const [name, value] of Object.entries(ports)) {
    const server = createServer();
    const free = await listenOnLoopback(server, Number(value)).then(
      () => new Promise<boolean>((resolve) => server.close(() => resolve(true))),
      () => false,
    );
    expect(free, `${name} ${value} is free again`).toBe(true);
  }
}

describe('npm start -- --observe', () => {
  const started: { stack: Stack; marker: string }[] = [];
  // A failed test still stops what it started: the script by SIGTERM, then any marked leftover by its PID.
  afterEach(async () => {
    for (const { stack, marker } of started.splice(0)) {
      if (stack.child.exitCode === null) {
        stack.child.kill('SIGTERM');
        await Promise.race([stack.exited, new Promise((resolve) => setTimeout(resolve, 25_000))]);
      }
      for (const pid of markedProcesses(marker)) process.kill(pid, 'SIGKILL');
    }
  }, 30_000);

  it.skipIf(!PROMETHEUS)(
    'starts Prometheus scraping backend, frontend and loadtest; nothing survives SIGTERM',
    async () => {
      const ports = await stackPorts();
      const marker = randomUUID();
      const env: NodeJS.ProcessEnv = { ...process.env, ...ports, [MARKER]: marker, RATE: '5' };
      if (PROMETHEUS) env['PROMETHEUS_BIN'] = PROMETHEUS;
      const stack = await startStack(['--observe'], env);
      started.push({ stack, marker });
      const output = stack.output();
      const base = `http://127.0.0.1:${ports['PROMETHEUS_PORT']}`;
      expect(output).toContain(`prometheus ${base}/targets`);
      const dataDir = /data in (\S+), removed on exit/.exec(output)?.[1] ?? '';
      expect(existsSync(dataDir)).toBe(true);
      const queryUrl = new URL(/query (http:\S+)/.exec(output)?.[1] ?? '');
      const query = queryUrl.searchParams.get('g0.expr') ?? '';
      expect(query).toMatch(/http_request_duration_seconds/);

      const up = await poll('three targets up', 30_000, async () => {
        const body = (await (await fetch(`${base}/api/v1/targets`)).json()) as {
          data: { activeTargets: { health: string; labels: Record<string, string> }[] };
        };
        const targets = body.data.activeTargets;
        return targets.length === 3 && targets.every((target) => target.health === 'up')
          ? targets
          : undefined;
      });
      expect(up.map((target) => target.labels['app']).sort()).toEqual(['backend', 'frontend', 'loadtest']);
      expect(up.map((target) => target.labels['instance']).sort()).toEqual(
        ['BACKEND_METRICS_PORT', 'FRONTEND_METRICS_PORT', 'LOADTEST_METRICS_PORT']
          .map((name) => `127.0.0.1:${ports[name]}`)
          .sort(),
      );
      // The printed query answers with the services' series once two scrapes of the load are in.
      const series = await poll('the printed query to return series', 30_000, async () => {
        const response = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query })}`);
        const body = (await response.json()) as { data: { result: { metric: Record<string, string> }[] } };
        const apps = new Set(body.data.result.map((entry) => entry.metric['app']));
        return apps.has('backend') && apps.has('frontend') ? body.data.result : undefined;
      });
      expect(series.every((entry) => entry.metric['pod']?.endsWith('-local'))).toBe(true);

      await stopAndCheck(stack, marker, ports);
      expect(existsSync(dataDir)).toBe(false);
    },
    120_000,
  );

  it('without Prometheus says so in one line and starts the rest', async () => {
    const ports = await stackPorts();
    const marker = randomUUID();
    const env: NodeJS.ProcessEnv = { ...process.env, ...ports, [MARKER]: marker, PATH: '/nonexistent' };
    delete env['PROMETHEUS_BIN'];
    const stack = await startStack(['--observe', '--no-loadtest'], env);
    started.push({ stack, marker });
    const lines = stack.output().split('\n');
    expect(lines.filter((line) => /Prometheus/.test(line))).toEqual([
      expect.stringMatching(
        /^start\s+\| Prometheus is not installed \(no `prometheus` on PATH, PROMETHEUS_BIN unset\): starting without it; install it with `apt-get install prometheus` or set PROMETHEUS_BIN$/,
      ),
    ]);
    expect(stack.output()).toContain(`ready: open http://127.0.0.1:${ports['FRONTEND_PORT']}/`);
    expect(stack.output()).not.toMatch(/prometheus http/);
    await stopAndCheck(stack, marker, ports);
  }, 90_000);

  it('a PROMETHEUS_BIN that is no executable is exit 2 naming it', async () => {
    const result = await runStart({ PROMETHEUS_BIN: '/nonexistent/prometheus' }, ['--observe']);
    expect(result.stderr).toBe('start: PROMETHEUS_BIN=/nonexistent/prometheus is not an executable file\n');
    expect(result.code).toBe(2);
  });
});
