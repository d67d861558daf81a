#!/usr/bin/env node
// HTTP throughput and latency of the ztmesh services against their classic counterparts, on loopback.
// Usage and method: bench/http/README.md. Prints figures; never run by `npm test`.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const BACKEND_BUNDLE = join(ROOT, 'dist/apps/backend/main.cjs');
const FRONTEND_BUNDLE = join(ROOT, 'dist/apps/frontend/main.cjs');
const BARE_PROXY = join(HERE, 'bare-proxy.mjs');

const { values: args } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string', default: 'backend,proxy' },
    path: { type: 'string', default: '/api/data' },
    upstream: { type: 'string', default: 'shipped' },
    'proxy-layout': { type: 'string', default: 'shared' },
    'server-cpu': { type: 'string', default: '0' },
    'client-cpu': { type: 'string', default: '1' },
    variants: { type: 'string', default: '' },
    'frontend-b': { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
// A/B toggles of the shipped frontend, measured beside it in the same run (what logging or metrics cost).
const FRONTEND_VARIANTS = {
  'no-request-log': { REQUEST_LOGGING: 'false' },
  'no-metrics': { METRICS_ENABLED: 'false' },
  'no-log-no-metrics': { REQUEST_LOGGING: 'false', METRICS_ENABLED: 'false' },
};
if (args.help) {
  console.log(`node bench/http/run.mjs [--reps 3] [--duration 10] [--warmup 2] [--connections 50]
  [--only backend,proxy] [--path /api/data] [--upstream shipped|ceiling] [--proxy-layout shared|split]
  [--server-cpu 0] [--client-cpu 1] [--variants ${Object.keys(FRONTEND_VARIANTS).join(',')}]
  [--frontend-b dist-b/main.cjs] [--json]`);
  process.exit(0);
}
const reps = positiveInt('reps');
const durationS = positiveInt('duration');
const warmupS = Number(args.warmup);
const connections = positiveInt('connections');
const groups = new Set(args.only.split(','));
if (!['shipped', 'ceiling'].includes(args.upstream)) usage('--upstream must be shipped or ceiling');
if (!['shared', 'split'].includes(args['proxy-layout'])) usage('--proxy-layout must be shared or split');
const variants = args.variants ? args.variants.split(',') : [];
for (const variant of variants) {
  if (!FRONTEND_VARIANTS[variant]) {
    usage(`--variants: unknown variant ${variant} (known: ${Object.keys(FRONTEND_VARIANTS).join(', ')})`);
  }
}
const frontendB = args['frontend-b'] === undefined ? undefined : resolve(args['frontend-b']);
if (frontendB !== undefined && !existsSync(frontendB)) usage(`--frontend-b: ${frontendB} does not exist`);

const work = mkdtempSync(join(tmpdir(), 'ztmesh-bench-http-'));
const has = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
const pin = has('taskset') && availableParallelism() >= 2;
const loadTool = has('wrk') ? 'wrk' : 'autocannon';
const notes = [];
if (!pin) notes.push('taskset missing or a single CPU: server and load generator are NOT pinned');
const children = new Set();

function positiveInt(name) {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 1)
    usage(`--${name} must be a positive integer (got ${args[name]})`);
  return value;
}

function usage(message) {
  console.error(`bench/http: ${message}`);
  process.exit(2);
}

function pinned(cpu, command, commandArgs) {
  return pin ? ['taskset', ['-c', cpu, command, ...commandArgs]] : [command, commandArgs];
}

async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * A log collector like a container runtime's: a FIFO whose reader (`cat`, pinned to the load generator's CPU)
 * appends to `logFile`. The server pays for its write calls into the FIFO, the collector for the file.
 * Returns the FIFO's path (nginx opens it by name; the node servers get it as stdout).
 */
let fifos = 0;
function startCollector(logFile) {
  const fifo = `${logFile}.${++fifos}.fifo`;
  const made = spawnSync('mkfifo', [fifo]);
  if (made.status !== 0) throw new Error(`mkfifo ${fifo} failed: ${made.stderr}`);
  const [catCmd, catArgs] = pinned(args['client-cpu'], 'sh', ['-c', 'exec cat "$0" >> "$1"', fifo, logFile]);
  const collector = spawn(catCmd, catArgs, { stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(collector);
  collector.on('exit', () => children.delete(collector));
  return fifo;
}

/**
 * Starts a server process pinned to the server CPU. With `logFile`, its stdout goes to a collector (see
 * startCollector); without, to a file nobody reads.
 */
function startProcess(
  name,
  command,
  commandArgs,
  { env = {}, logFile, cwd = ROOT, cpu = args['server-cpu'] } = {},
) {
  const [cmd, cmdArgs] = pinned(cpu, command, commandArgs);
  const errFile = join(work, `${name}.err`);
  const err = openSync(errFile, 'a');
  // Opening a FIFO for writing waits for its reader, which the collector opens at once.
  const stdout = logFile ? openSync(startCollector(logFile), 'w') : err;
  const child = spawn(cmd, cmdArgs, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', stdout, err] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return { name, child, out: logFile ?? errFile };
}

async function waitUntilServing(url, proc, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) {
      throw new Error(`${proc.name} exited with ${proc.child.exitCode}; see ${proc.out}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`${proc.name} did not serve ${url} within ${timeoutMs} ms; see ${proc.out}`);
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Resident memory of a process and all its descendants, in MiB (gunicorn and nginx run several). */
function treeRssMiB(pid) {
  let kib = 0;
  for (const current of treePids(pid)) {
    try {
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${current}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Gone.
    }
  }
  return kib / 1024;
}

const CLOCK_TICKS_PER_S =
  Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU time (user + system, seconds) used so far by a process and its descendants. */
function treeCpuSeconds(pid) {
  let ticks = 0;
  for (const current of treePids(pid)) {
    try {
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${current}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone.
    }
  }
  return ticks / CLOCK_TICKS_PER_S;
}

function treePids(pid) {
  const pids = [];
  const stack = [pid];
  while (stack.length > 0) {
    const current = stack.pop();
    pids.push(current);
    try {
      for (const task of readdirSync(`/proc/${current}/task`)) {
        const kids = readFileSync(`/proc/${current}/task/${task}/children`, 'utf8').trim();
        if (kids) stack.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      // Gone.
    }
  }
  return pids;
}

function toMs(value, unit) {
  const factor = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[unit];
  return Number(value) * factor;
}

/** Runs the load generator against `url` for `seconds` and returns req/s, p50/p99 in ms and error counts. */
function load(url, seconds) {
  if (loadTool === 'wrk') {
    const [cmd, cmdArgs] = pinned(args['client-cpu'], 'wrk', [
      '-t1',
      `-c${connections}`,
      `-d${seconds}s`,
      '--latency',
      url,
    ]);
    const result = spawnSync(cmd, cmdArgs, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`wrk failed: ${result.stderr || result.stdout}`);
    const text = result.stdout;
    const latency = (pct) => {
      const match = new RegExp(`^\\s+${pct}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(text);
      return match ? toMs(match[1], match[2]) : Number.NaN;
    };
    const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
    return {
      rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? Number.NaN),
      p50Ms: latency(50),
      p99Ms: latency(99),
      non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0),
      socketErrors: socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    };
  }
  const bin = join(ROOT, 'node_modules/.bin/autocannon');
  const [cmd, cmdArgs] = pinned(args['client-cpu'], bin, [
    '--json',
    '-c',
    String(connections),
    '-d',
    String(seconds),
    url,
  ]);
  const result = spawnSync(cmd, cmdArgs, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`autocannon failed: ${result.stderr}`);
  const report = JSON.parse(result.stdout);
  return {
    rps: report.requests.average,
    p50Ms: report.latency.p50,
    p99Ms: report.latency.p99,
    non2xx: report.non2xx,
    socketErrors: report.errors + report.timeouts,
  };
}

function nginxConfig(dir, port, upstreamPort, accessLog) {
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    mkdirSync(join(dir, sub), { recursive: true });
  const conf = `# Written by bench/http/run.mjs: nginx as the reverse proxy the frontend replaces.
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log ${accessLog};
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream backend {
    server 127.0.0.1:${upstreamPort};
    keepalive 128;
  }
  server {
    listen 127.0.0.1:${port};
    location /api/backend/ {
      proxy_pass http://backend/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
    }
  }
}
`;
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, conf);
  return file;
}

/** The configurations, each with how to start it and the URL to load. */
async function defineTargets() {
  const targets = [];
  const nodeArgs = [BACKEND_BUNDLE];
  const backendEnv = (extra) => ({
    PORT: String(extra.port),
    METRICS_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    // The bench stops its servers at the end; the production drain delay would only make it wait.
    SHUTDOWN_DELAY_MS: '0',
    ...extra.env,
  });
  if (!existsSync(BACKEND_BUNDLE)) usage(`${BACKEND_BUNDLE} is missing: run \`npx nx build backend\` first`);

  if (groups.has('backend')) {
    const shippedPort = await freePort();
    targets.push({
      name: 'backend (as shipped)',
      group: 'backend',
      port: shippedPort,
      start: () =>
        startProcess('backend-shipped', 'node', nodeArgs, {
          env: backendEnv({ port: shippedPort }),
          logFile: join(work, 'backend-shipped.log'),
        }),
    });
    const ceilingPort = await freePort();
    targets.push({
      name: 'backend (no logs, no metrics)',
      group: 'backend',
      port: ceilingPort,
      start: () =>
        startProcess('backend-ceiling', 'node', nodeArgs, {
          env: backendEnv({
            port: ceilingPort,
            env: { REQUEST_LOGGING: 'false', METRICS_ENABLED: 'false' },
          }),
        }),
    });
    if (has('gunicorn')) {
      for (const [label, flags] of [
        ['flask (gunicorn 1 sync)', ['-w', '1', '-k', 'sync']],
        ['flask (gunicorn 2 gthread x4)', ['-w', '2', '-k', 'gthread', '--threads', '4']],
      ]) {
        const port = await freePort();
        targets.push({
          name: label,
          group: 'backend',
          flask: true,
          port,
          start: () =>
            startProcess(
              label.replace(/\W+/g, '-'),
              'gunicorn',
              [...flags, '-b', `127.0.0.1:${port}`, 'flask_app:app'],
              {
                cwd: HERE,
              },
            ),
        });
      }
    } else
      notes.push('gunicorn missing: Flask configurations skipped (apt-get install python3-flask gunicorn)');
  }

  if (groups.has('proxy')) {
    if (!existsSync(FRONTEND_BUNDLE)) {
      notes.push(`${FRONTEND_BUNDLE} missing: proxy comparison skipped (npx nx build frontend)`);
    } else {
      const upstreamPort = await freePort();
      const upstream = {
        name: `upstream backend (${args.upstream})`,
        group: 'upstream',
        port: upstreamPort,
        hidden: true,
        start: () =>
          startProcess('upstream-backend', 'node', nodeArgs, {
            env: backendEnv({
              port: upstreamPort,
              env: args.upstream === 'ceiling' ? { REQUEST_LOGGING: 'false', METRICS_ENABLED: 'false' } : {},
            }),
            logFile: join(work, 'upstream-backend.log'),
            // shared: the proxy and its backend are the server side, on the server CPU; split: the proxy alone
            // there, the backend beside the load generator (as separate pods would be).
            cpu: args['proxy-layout'] === 'split' ? args['client-cpu'] : args['server-cpu'],
          }),
      };
      targets.push(upstream);
      const frontendTarget = async (name, bundle, env = {}) => {
        const port = await freePort();
        const slug = name.replace(/\W+/g, '-');
        return {
          name,
          group: 'proxy',
          frontend: true,
          port,
          prefix: '/api/backend',
          start: () =>
            startProcess(slug, 'node', [bundle], {
              env: {
                PORT: String(port),
                METRICS_PORT: '0',
                HOST: '127.0.0.1',
                LOG_LEVEL: 'info',
                SHUTDOWN_DELAY_MS: '0',
                BACKEND_URL: `http://127.0.0.1:${upstreamPort}`,
                ...env,
              },
              logFile: join(work, `${slug}.log`),
            }),
        };
      };
      targets.push(await frontendTarget('frontend proxy (as shipped)', FRONTEND_BUNDLE));
      for (const variant of variants) {
        targets.push(
          await frontendTarget(`frontend (${variant})`, FRONTEND_BUNDLE, FRONTEND_VARIANTS[variant]),
        );
      }
      if (frontendB) targets.push(await frontendTarget('frontend proxy (bundle B)', frontendB));
      const barePort = await freePort();
      targets.push({
        name: 'bare node:http + undici proxy',
        group: 'proxy',
        bare: true,
        port: barePort,
        prefix: '/api/backend',
        start: () =>
          startProcess('bare-proxy', 'node', [BARE_PROXY], {
            env: {
              PORT: String(barePort),
              UPSTREAM: `http://127.0.0.1:${upstreamPort}`,
              PREFIX: '/api/backend',
            },
          }),
      });
      if (has('nginx')) {
        const nginxPort = await freePort();
        const dir = join(work, 'nginx');
        mkdirSync(dir, { recursive: true });
        const accessLog = join(work, 'nginx-access.log');
        const conf = () => nginxConfig(dir, nginxPort, upstreamPort, startCollector(accessLog));
        targets.push({
          name: 'nginx (1 worker, keepalive)',
          group: 'proxy',
          nginx: true,
          port: nginxPort,
          prefix: '/api/backend',
          start: () =>
            startProcess('nginx', 'nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf()]),
        });
      } else notes.push('nginx missing: proxy baseline skipped (apt-get install nginx)');
    }
  }
  return targets;
}

function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function toolVersions() {
  const first = (cmd, cmdArgs) => {
    const out = spawnSync(cmd, cmdArgs, { encoding: 'utf8' });
    return `${out.stdout ?? ''}${out.stderr ?? ''}`.trim().split('\n')[0] ?? '';
  };
  return {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    nproc: availableParallelism(),
    loadTool: loadTool === 'wrk' ? first('wrk', ['-v']) : 'autocannon (node_modules)',
    gunicorn: has('gunicorn') ? first('gunicorn', ['--version']) : 'absent',
    flask: has('python3')
      ? first('/usr/bin/python3', ['-c', 'import importlib.metadata as m; print(m.version("flask"))'])
      : 'absent',
    nginx: has('nginx') ? first('nginx', ['-v']) : 'absent',
  };
}

async function main() {
  const targets = await defineTargets();
  const versions = toolVersions();
  const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  if (!args.json) {
    console.log(
      `bench/http: ${reps} interleaved repetitions x ${durationS}s (+${warmupS}s warm-up), ${connections} connections, ` +
        `${loadTool}, path ${args.path}; server CPU ${pin ? args['server-cpu'] : '-'}, load CPU ${pin ? args['client-cpu'] : '-'}`,
    );
    if (groups.has('proxy')) {
      console.log(
        `proxy layout: ${args['proxy-layout']} (upstream backend ${args.upstream}, on the ` +
          `${args['proxy-layout'] === 'split' ? 'load generator' : 'server'} CPU)`,
      );
    }
    console.log(
      `machine: ${versions.nproc} CPUs (${versions.cpu}), load average at start ${loadavg}; node ${versions.node}`,
    );
  }

  const urlOf = (target) => `http://127.0.0.1:${target.port}${target.prefix ?? ''}${args.path}`;
  // Shared parts (the proxies' upstream backend) run for the whole invocation.
  for (const target of targets.filter((t) => t.hidden)) {
    const proc = target.start();
    await waitUntilServing(urlOf(target), proc);
  }

  const measured = targets.filter((t) => !t.hidden);
  const samples = new Map(measured.map((t) => [t, []]));
  for (let rep = 0; rep < reps; rep++) {
    // Rotate the order each repetition so no configuration always runs first (or right after a heavy one).
    const order = measured.map((_, i) => measured[(i + rep) % measured.length]);
    for (const target of order) {
      // A fresh process per repetition: identical processes differ by several per cent in CPU per request
      // (memory layout, JIT decisions), and the median over fresh processes averages that out.
      const proc = target.start();
      await waitUntilServing(urlOf(target), proc);
      if (warmupS > 0) load(urlOf(target), warmupS);
      const pid = proc.child.pid;
      const cpuBefore = treeCpuSeconds(pid);
      const result = load(urlOf(target), durationS);
      // Server CPU per request: much less sensitive to noisy neighbours than req/s on a shared machine.
      result.cpuUsPerReq = ((treeCpuSeconds(pid) - cpuBefore) * 1e6) / (result.rps * durationS);
      result.rssMiB = treeRssMiB(pid);
      await stop(proc.child);
      samples.get(target).push(result);
      if (!args.json) {
        console.log(
          `  rep ${rep + 1}/${reps} ${target.name.padEnd(32)} ${fmt(result.rps, 0).padStart(8)} req/s  ` +
            `p50 ${fmt(result.p50Ms, 2)} ms  p99 ${fmt(result.p99Ms, 2)} ms  rss ${fmt(result.rssMiB, 0)} MiB  cpu ${fmt(result.cpuUsPerReq, 1)} us/req` +
            (result.non2xx + result.socketErrors > 0
              ? `  ERRORS non2xx=${result.non2xx} socket=${result.socketErrors}`
              : ''),
        );
      }
    }
  }

  const rows = measured.map((target) => {
    const list = samples.get(target);
    return {
      name: target.name,
      group: target.group,
      frontend: Boolean(target.frontend),
      flask: Boolean(target.flask),
      nginx: Boolean(target.nginx),
      rps: median(list.map((s) => s.rps)),
      rpsMin: Math.min(...list.map((s) => s.rps)),
      rpsMax: Math.max(...list.map((s) => s.rps)),
      p50Ms: median(list.map((s) => s.p50Ms)),
      p99Ms: median(list.map((s) => s.p99Ms)),
      rssMiB: median(list.map((s) => s.rssMiB)),
      cpuUsPerReq: median(list.map((s) => s.cpuUsPerReq)),
      errors: list.reduce((sum, s) => sum + s.non2xx + s.socketErrors, 0),
      samples: list,
    };
  });

  const byName = (name) => rows.find((r) => r.name === name);
  const shipped = byName('backend (as shipped)');
  const ceiling = byName('backend (no logs, no metrics)');
  const flaskBest = rows.filter((r) => r.flask).sort((a, b) => b.rps - a.rps)[0];
  const frontend = byName('frontend proxy (as shipped)');
  const nginx = rows.find((r) => r.nginx);
  const bare = byName('bare node:http + undici proxy');
  // Per-repetition ratios pair measurements taken minutes apart at most, so a noisy neighbour moves both.
  const perRep = (a, b, key = 'rps') => a.samples.map((s, i) => s[key] / (b.samples[i]?.[key] ?? Number.NaN));
  const pairRatio = (a, b, key = 'rps') => median(perRep(a, b, key));
  const ratios = [];
  if (shipped && flaskBest) {
    ratios.push({
      what: `backend / best Flask (${flaskBest.name})`,
      value: shipped.rps / flaskBest.rps,
      floor: 6,
      pairs: pairRatio(shipped, flaskBest),
    });
  }
  if (shipped && ceiling) {
    ratios.push({
      what: 'backend / its ceiling',
      value: shipped.rps / ceiling.rps,
      floor: 0.75,
      pairs: pairRatio(shipped, ceiling),
    });
  }
  if (frontend && nginx) {
    ratios.push({
      what: 'frontend proxy / nginx req/s',
      value: frontend.rps / nginx.rps,
      floor: 0.85,
      pairs: pairRatio(frontend, nginx),
    });
    ratios.push({
      what: 'frontend proxy / nginx p99',
      value: frontend.p99Ms / nginx.p99Ms,
      ceiling: 1.5,
      pairs: pairRatio(frontend, nginx, 'p99Ms'),
    });
  }
  if (frontend && bare) {
    // The shipped proxy (request logging and metrics on) against the ceiling of any Node proxy: what Fastify,
    // the allow-list, the logs, the metrics and the hardening cost per request. Goal <= 1.1x.
    ratios.push({
      what: 'frontend proxy / bare Node proxy CPU per request',
      value: frontend.cpuUsPerReq / bare.cpuUsPerReq,
      ceiling: 1.2,
      pairs: pairRatio(frontend, bare, 'cpuUsPerReq'),
      perRep: perRep(frontend, bare, 'cpuUsPerReq'),
      goal: 1.1,
      headline: true,
    });
    ratios.push({
      what: 'frontend proxy / bare Node proxy p99',
      value: frontend.p99Ms / bare.p99Ms,
      ceiling: 1.3,
      pairs: pairRatio(frontend, bare, 'p99Ms'),
      perRep: perRep(frontend, bare, 'p99Ms'),
      headline: true,
    });
    // The A/B configurations (--variants, --frontend-b) against the same bare proxy and against the shipped
    // frontend of the same repetition: what a toggle or a code change buys, not judged.
    for (const row of rows.filter((r) => r.frontend && r !== frontend)) {
      ratios.push({
        what: `${row.name} / bare CPU per request`,
        value: row.cpuUsPerReq / bare.cpuUsPerReq,
        pairs: pairRatio(row, bare, 'cpuUsPerReq'),
        perRep: perRep(row, bare, 'cpuUsPerReq'),
      });
      ratios.push({
        what: `${row.name} / shipped CPU per request`,
        value: row.cpuUsPerReq / frontend.cpuUsPerReq,
        pairs: pairRatio(row, frontend, 'cpuUsPerReq'),
        perRep: perRep(row, frontend, 'cpuUsPerReq'),
      });
    }
  }
  for (const ratio of ratios) {
    if (ratio.floor === undefined && ratio.ceiling === undefined) continue;
    ratio.pass = ratio.floor !== undefined ? ratio.value >= ratio.floor : ratio.value <= ratio.ceiling;
    if (ratio.goal !== undefined) ratio.goalMet = ratio.value <= ratio.goal;
    // In the split layout the backend shares the load generator's CPU and caps both proxies alike: the ratio
    // then says whether the proxy is the bottleneck, not what it costs, so it is not judged against the floor.
    if (ratio.what.startsWith('frontend') && args['proxy-layout'] === 'split') ratio.pass = undefined;
  }
  const logFile = join(work, 'backend-shipped.log');
  const shippedLogLines = existsSync(logFile) ? countLines(logFile) : 0;

  if (args.json) {
    console.log(
      JSON.stringify(
        {
          versions,
          loadavg,
          reps,
          durationS,
          connections,
          path: args.path,
          rows,
          ratios,
          notes,
          shippedLogLines,
        },
        null,
        2,
      ),
    );
  } else {
    console.log('');
    console.log(
      `${'configuration'.padEnd(32)} ${'req/s (median)'.padStart(14)} ${'min..max'.padStart(15)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'RSS MiB'.padStart(8)} ${'CPU us/req'.padStart(10)}  errors`,
    );
    for (const row of rows) {
      console.log(
        `${row.name.padEnd(32)} ${fmt(row.rps, 0).padStart(14)} ${`${fmt(row.rpsMin, 0)}..${fmt(row.rpsMax, 0)}`.padStart(15)} ` +
          `${fmt(row.p50Ms, 2).padStart(8)} ${fmt(row.p99Ms, 2).padStart(8)} ${fmt(row.rssMiB, 0).padStart(8)} ${fmt(row.cpuUsPerReq, 1).padStart(10)}  ${row.errors}`,
      );
    }
    console.log('');
    for (const ratio of ratios) {
      const judged = ratio.floor !== undefined || ratio.ceiling !== undefined;
      const bound = !judged
        ? ''
        : ratio.floor !== undefined
          ? `floor >= ${ratio.floor}`
          : `bound <= ${ratio.ceiling}`;
      const verdict = !judged
        ? 'A/B, not judged'
        : ratio.pass === undefined
          ? 'not judged (split layout)'
          : ratio.pass
            ? 'PASS'
            : 'FAIL';
      console.log(
        `${ratio.what.padEnd(50)} ${fmt(ratio.value, 2).padStart(6)}x  (median of per-rep ratios ${fmt(ratio.pairs, 2)}x)  ${bound}  ${verdict}`,
      );
      if (ratio.perRep)
        console.log(`${''.padEnd(50)} per rep: ${ratio.perRep.map((r) => `${fmt(r, 2)}x`).join(' ')}`);
    }
    // The one line the proxy's CPU floor is read from (docs/performance.md).
    const headline = ratios.find((r) => r.headline && r.goal !== undefined);
    const p99 = ratios.find((r) => r.headline && r.goal === undefined);
    if (headline && p99) {
      const word = (ok) => (ok === undefined ? 'not judged' : ok ? 'met' : 'NOT met');
      console.log(
        `\nRESULT shipped / bare proxy CPU per request ${fmt(headline.value, 2)}x of the medians ` +
          `(${fmt(frontend.cpuUsPerReq, 1)} / ${fmt(bare.cpuUsPerReq, 1)} us/req; per rep ` +
          `${headline.perRep.map((r) => fmt(r, 2)).join(' ')}): floor <= ${headline.ceiling} ${word(headline.pass)}, ` +
          `goal <= ${headline.goal} ${word(headline.pass === undefined ? undefined : headline.goalMet)}; ` +
          `p99 ${fmt(p99.value, 2)}x: bound <= ${p99.ceiling} ${word(p99.pass)}`,
      );
    }
    if (shipped) console.log(`\nbackend (as shipped) wrote ${shippedLogLines} log lines to ${logFile}`);
    for (const note of notes) console.log(`note: ${note}`);
    console.log(
      `load average at end ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
    );
  }
}

function countLines(file) {
  if (statSync(file).size === 0) return 0;
  let count = 0;
  const buffer = readFileSync(file);
  for (let i = 0; i < buffer.length; i++) if (buffer[i] === 10) count++;
  return count;
}

function fmt(value, digits) {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function stopAll() {
  for (const child of children) child.kill('SIGTERM');
  const deadline = Date.now() + 10_000;
  while (children.size > 0 && Date.now() < deadline) await sleep(100);
  for (const child of children) child.kill('SIGKILL');
}

process.on('SIGINT', () => {
  void stopAll().then(() => process.exit(130));
});

main()
  .then(stopAll)
  .then(() => rmSync(work, { recursive: true, force: true }))
  .catch(async (error) => {
    console.error(`bench/http: ${error.message}`);
    await stopAll();
    process.exitCode = 1;
  });
