#!/usr/bin/env node
// `npm start`: builds and runs the local stack on loopback (backend, frontend and, when it builds, the load
// generator's gentle service mode), waits until each answers /ready, prints the URL to open, and relays their
// logs one readable line each. Ctrl-C or SIGTERM stops every child and exits 0; a child that dies on its own
// stops the rest and exits 1. A port already taken is one line naming it and its variable, exit 2.
// `--observe` also starts Prometheus (where it is installed) scraping the three metrics ports, with the scrape
// configuration libs/dashboard's real-Prometheus test uses, and a temporary data directory removed on exit.
//
//   npm start [-- --skip-build] [-- --no-loadtest] [-- --observe]
//   env: BACKEND_PORT (5000), FRONTEND_PORT (8080), BACKEND_METRICS_PORT (9464), FRONTEND_METRICS_PORT (9465),
//        LOADTEST_METRICS_PORT (9466), LOG_LEVEL (warn here: info logs every request), RATE (loadtest requests
//        per second, 1 here), PROMETHEUS_PORT (9090), PROMETHEUS_BIN (`prometheus` on PATH)
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createPrometheusArgs, createPrometheusConfig } from '../libs/dashboard/src/prometheus-config.mjs';

const root = join(import.meta.dirname, '..');
const { values: flags } = parseArgs({
  options: {
    'skip-build': { type: 'boolean', default: false },
    'no-loadtest': { type: 'boolean', default: false },
    observe: { type: 'boolean', default: false },
  },
});
const HOST = '127.0.0.1';
// Where each port comes from, for the one-line answer when it is taken.
const portVariables = new Map();
const port = (name, fallback) => {
  const value = process.env[name] ?? String(fallback);
  if (!/^\d+$/.test(value) || Number(value) > 65535)
    fail(`${name} must be a port number (got ${JSON.stringify(value)})`, 2);
  portVariables.set(name, Number(value));
  return Number(value);
};
const ports = {
  backend: port('BACKEND_PORT', 5000),
  frontend: port('FRONTEND_PORT', 8080),
  backendMetrics: port('BACKEND_METRICS_PORT', 9464),
  frontendMetrics: port('FRONTEND_METRICS_PORT', 9465),
  loadtestMetrics: port('LOADTEST_METRICS_PORT', 9466),
};
if (flags.observe) ports.prometheus = port('PROMETHEUS_PORT', 9090);
// Quiet by default: at info every request is a log line and the "ready: open ..." line scrolls away.
const LOG_LEVEL = process.env.LOG_LEVEL ?? 'warn';
const RATE = process.env.RATE ?? '1';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;
const tty = Boolean(process.stdout.isTTY);
const paint = (code, text) => (tty ? `\u001b[${code}m${text}\u001b[0m` : text);
const COLOURS = { start: 1, backend: 36, frontend: 35, loadtest: 33, prometheus: 34 };
// Every log line's prefix is this wide: the longest child name.
const NAME_WIDTH = flags.observe ? 'prometheus'.length : 'loadtest'.length;
// Often enough for a local look at rates over [1m]; the cluster's add-on scrapes every 15 s.
const SCRAPE_SECONDS = 5;

function say(message) {
  process.stdout.write(`${paint(COLOURS.start, 'start'.padEnd(NAME_WIDTH))} | ${message}\n`);
}

function fail(message, code = 1) {
  process.stderr.write(`start: ${message}\n`);
  process.exit(code);
}

/** Resolves to the error code when `port` cannot be listened on at HOST (EADDRINUSE, EACCES), else undefined. */
function tryListen(port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error) => resolve(error.code ?? 'error'));
    probe.listen({ port, host: HOST, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}

function build(projects) {
  const result = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'),
      'run-many',
      '-t',
      'build',
      '-p',
      projects.join(','),
      '--outputStyle=static',
      '--skip-sync',
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false' } },
  );
  return result.status === 0;
}

/** An executable regular file at `path`, else undefined. */
function executable(path) {
  try {
    if (!statSync(path).isFile()) return undefined;
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

/** PROMETHEUS_BIN (bad input when it is not an executable file), else `prometheus` on PATH, else undefined. */
function findPrometheus() {
  const configured = process.env.PROMETHEUS_BIN;
  if (configured) {
    if (!executable(configured)) fail(`PROMETHEUS_BIN=${configured} is not an executable file`, 2);
    return configured;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const found = executable(join(dir, 'prometheus'));
    if (found) return found;
  }
  return undefined;
}

// --- ports -------------------------------------------------------------------------------------------------
const wantLoadtest = !flags['no-loadtest'] && existsSync(join(root, 'apps', 'loadtest', 'package.json'));
const prometheusBin = flags.observe ? findPrometheus() : undefined;
if (flags.observe && !prometheusBin)
  say(
    'Prometheus is not installed (no `prometheus` on PATH, PROMETHEUS_BIN unset): starting without it; ' +
      'install it with `apt-get install prometheus` or set PROMETHEUS_BIN',
  );
// Asked before anything starts, so a taken port is one clear line rather than a child's stack trace.
for (const [name, value] of portVariables) {
  if (name === 'LOADTEST_METRICS_PORT' && !wantLoadtest) continue;
  if (name === 'PROMETHEUS_PORT' && !prometheusBin) continue;
  const problem = await tryListen(value);
  if (problem === 'EADDRINUSE')
    fail(
      `port ${value} is already in use (${name}); set ${name} to a free port, e.g. ${name}=${value + 1000} npm start`,
      2,
    );
  if (problem)
    fail(
      `port ${value} (${name}) cannot be listened on at ${HOST}: ${problem}; set ${name} to another port`,
      2,
    );
}

// --- build -------------------------------------------------------------------------------------------------
if (!flags['skip-build']) {
  say('building backend and frontend');
  if (!build(['backend', 'frontend'])) fail('the build of backend or frontend failed (see above)');
}
let loadtestBuilt = false;
if (wantLoadtest) {
  if (!flags['skip-build']) {
    say('building loadtest');
    loadtestBuilt = build(['loadtest']);
    if (!loadtestBuilt) say('the loadtest did not build; starting without it');
  } else {
    loadtestBuilt = true;
  }
  loadtestBuilt &&= existsSync(join(root, 'dist', 'apps', 'loadtest', 'main.cjs'));
}
for (const app of ['backend', 'frontend']) {
  if (!existsSync(join(root, 'dist', 'apps', app, 'main.cjs'))) fail(`dist/apps/${app}/main.cjs is missing`);
}

// --- children ----------------------------------------------------------------------------------------------
const children = new Map();
let stopping = false;

function compact(value) {
  return typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(1) : JSON.stringify(value);
}

/** One JSON log line as `HH:MM:SS LEVEL message key=value ...`; anything else unchanged. */
function readable(line) {
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (entry === null || typeof entry !== 'object') return line;
  const { time, level, msg, service: _s, name: _n, pid: _p, hostname: _h, ...rest } = entry;
  const clock = typeof time === 'string' ? time.slice(11, 19) : '';
  const label = String(level ?? '')
    .toUpperCase()
    .padEnd(5);
  const levelColour = { ERROR: 31, FATAL: 31, WARN: 33 }[label.trim()] ?? 2;
  const fields = Object.entries(rest)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : compact(value)}`)
    .join(' ');
  return `${clock} ${paint(levelColour, label)} ${msg ?? ''}${fields ? ` ${paint(2, fields)}` : ''}`;
}

function relay(name, stream, output) {
  let buffered = '';
  const prefix = `${paint(COLOURS[name], name.padEnd(NAME_WIDTH))} | `;
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf('\n')) !== -1) {
      output.write(prefix + readable(buffered.slice(0, newline)) + '\n');
      buffered = buffered.slice(newline + 1);
    }
  });
  stream.on('end', () => buffered && output.write(prefix + readable(buffered) + '\n'));
}

/** Starts the built bundle of app `name`. */
function launch(name, args, env) {
  return launchCommand(name, process.execPath, [join(root, 'dist', 'apps', name, 'main.cjs'), ...args], env);
}

function launchCommand(name, command, args, env) {
  const child = spawn(command, args, {
    cwd: root,
    // Its own process group: a terminal's Ctrl-C reaches only this script, which stops each child exactly once
    // (a second signal would make a child skip its graceful shutdown).
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HOST,
      METRICS_HOST: HOST,
      LOG_LEVEL,
      // Nothing routes to these processes but this script: no endpoint propagation to wait for.
      SHUTDOWN_DELAY_MS: process.env.SHUTDOWN_DELAY_MS ?? '0',
      ...env,
    },
  });
  relay(name, child.stdout, process.stdout);
  relay(name, child.stderr, process.stderr);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  children.set(name, { child, exited });
  void exited.then(({ code, signal }) => {
    children.delete(name);
    if (stopping) return;
    say(paint(31, `${name} exited on its own (${signal ?? `code ${code}`}); stopping the rest`));
    void stopAll(1);
  });
  return child;
}

async function waitReady(name, url) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (stopping) return false;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === 200) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  say(paint(31, `${name} was not ready at ${url} within ${READY_TIMEOUT_MS / 1000} s; stopping`));
  await stopAll(1);
  return false;
}

async function stopAll(exitCode) {
  if (stopping) return;
  stopping = true;
  const running = [...children.entries()];
  for (const [, { child }] of running) child.kill('SIGTERM');
  const killer = setTimeout(() => {
    for (const [name, { child }] of running) {
      say(paint(31, `${name} did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it`));
      child.kill('SIGKILL');
    }
  }, STOP_TIMEOUT_MS);
  const results = await Promise.all(running.map(([, { exited }]) => exited));
  clearTimeout(killer);
  const clean = results.every(({ code }) => code === 0);
  if (exitCode === 0 && !clean) say(paint(31, 'a child did not stop cleanly'));
  else if (exitCode === 0) say('stopped');
  process.exit(exitCode === 0 && !clean ? 1 : exitCode);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    say(`${signal}: stopping ${[...children.keys()].join(', ') || 'nothing'}`);
    void stopAll(0);
  });
}
// Should this script die some other way, leave no detached child behind (nor Prometheus' data).
let prometheusDir;
process.on('exit', () => {
  for (const { child } of children.values()) child.kill('SIGKILL');
  if (prometheusDir) rmSync(prometheusDir, { recursive: true, force: true });
});

/** Starts Prometheus scraping what runs; resolves to the lines to print, or '' when it did not become ready. */
async function startPrometheus(withLoadtest) {
  const targets = [
    { app: 'backend', pod: 'backend-local', address: `${HOST}:${ports.backendMetrics}` },
    { app: 'frontend', pod: 'frontend-local', address: `${HOST}:${ports.frontendMetrics}` },
  ];
  if (withLoadtest)
    targets.push({ app: 'loadtest', pod: 'loadtest-local', address: `${HOST}:${ports.loadtestMetrics}` });
  prometheusDir = mkdtempSync(join(tmpdir(), 'ztmesh-start-prometheus-'));
  const configFile = join(prometheusDir, 'prometheus.yml');
  writeFileSync(configFile, createPrometheusConfig(targets, SCRAPE_SECONDS));
  const address = `${HOST}:${ports.prometheus}`;
  launchCommand(
    'prometheus',
    prometheusBin,
    createPrometheusArgs({ configFile, dataDir: join(prometheusDir, 'data'), listenAddress: address }),
    {},
  );
  const url = `http://${address}`;
  if (!(await waitReady('prometheus', `${url}/-/ready`))) return '';
  // One of the dashboard's questions, ready to run: request rate per route and pod.
  const query = `sum by (app, pod, route) (rate(http_request_duration_seconds_count[1m]))`;
  return (
    `\n  prometheus ${url}/targets  (scraping ${targets.map((target) => target.app).join(', ')} every ${SCRAPE_SECONDS} s; data in ${prometheusDir}, removed on exit)` +
    `\n             query ${url}/graph?${new URLSearchParams({ 'g0.expr': query, 'g0.tab': '0', 'g0.range_input': '15m' })}` +
    "\n             the dashboard's queries: observability/dashboards/ztmesh.json (each panel's targets[].expr)"
  );
}

// --- run ---------------------------------------------------------------------------------------------------
const backendUrl = `http://${HOST}:${ports.backend}`;
const frontendUrl = `http://${HOST}:${ports.frontend}`;
launch('backend', [], { PORT: String(ports.backend), METRICS_PORT: String(ports.backendMetrics) });
if (!(await waitReady('backend', `${backendUrl}/ready`))) process.exitCode = 1;
else {
  launch('frontend', [], {
    PORT: String(ports.frontend),
    METRICS_PORT: String(ports.frontendMetrics),
    BACKEND_URL: backendUrl,
  });
  if (await waitReady('frontend', `${frontendUrl}/ready`)) {
    let loadtestLine = '';
    if (loadtestBuilt) {
      launch('loadtest', ['service'], {
        TARGET_URL: frontendUrl,
        METRICS_PORT: String(ports.loadtestMetrics),
        RATE,
      });
      if (await waitReady('loadtest', `http://${HOST}:${ports.loadtestMetrics}/ready`)) {
        loadtestLine = `\n  loadtest  metrics http://${HOST}:${ports.loadtestMetrics}/metrics (${RATE} request/s on the frontend; RATE)`;
      }
    }
    let prometheusLines = '';
    if (prometheusBin && !stopping) prometheusLines = await startPrometheus(children.has('loadtest'));
    if (!stopping) {
      say(
        paint(
          32,
          `ready: open ${frontendUrl}/\n  backend   ${backendUrl}/api/data  metrics http://${HOST}:${ports.backendMetrics}/metrics` +
            `\n  frontend  ${frontendUrl}/  metrics http://${HOST}:${ports.frontendMetrics}/metrics${loadtestLine}${prometheusLines}` +
            `\n  logs at LOG_LEVEL=${LOG_LEVEL}${LOG_LEVEL === 'warn' ? ' (LOG_LEVEL=info logs every request)' : ''}` +
            '\n  Ctrl-C stops everything',
        ),
      );
    }
  }
}
