#!/usr/bin/env node
// Benchmark of the load generator (never run by tests). Prints figures; see README.md beside this file.
//
//  1. Throughput: the generator pinned to one core against nginx (Debian) pinned to the other, serving a small
//     static response, side by side in the same run with autocannon and wrk: requests per second and requests
//     per generator CPU-second (user + system time of the generator process, from /usr/bin/time).
//  2. Rate accuracy: the open model at fixed rates against the backend bundle (REQUEST_LOGGING=false, so the
//     backend is not the limit): achieved / target, what the backend counted, schedule lag, dropped, latency.
//
// Rounds are interleaved (each round runs every tool or rate once, in a rotated order) because the machine may
// be shared: a noisy neighbour then hurts every contender alike instead of one of them.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = join(import.meta.dirname, '..', '..');
const { values: options } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10,50' },
    rates: { type: 'string', default: '1000,5000,10000' },
    'generator-core': { type: 'string', default: '0' },
    'target-core': { type: 'string', default: '1' },
    'skip-throughput': { type: 'boolean', default: false },
    'skip-accuracy': { type: 'boolean', default: false },
    // Another loadtest bundle (e.g. a copy of dist/apps/loadtest/main.cjs from before a change), run as one more
    // contender in the same rounds: a before/after comparison under identical conditions.
    baseline: { type: 'string' },
    // On a shared machine: add throughput rounds until every tool has this many clean samples (see compare()),
    // up to --max-rounds in all. 0: exactly --rounds.
    'min-clean': { type: 'string', default: '0' },
    'max-rounds': { type: 'string' },
  },
});
const durationS = Number(options.duration);
const rounds = Number(options.rounds);
const minClean = Number(options['min-clean']);
const maxRounds = Number(options['max-rounds'] ?? rounds * 3);
const connectionCounts = options.connections.split(',').map(Number);
const rates = options.rates.split(',').map(Number);
const genCore = options['generator-core'];
const targetCore = options['target-core'];
const loadtest = join(root, 'dist/apps/loadtest/main.cjs');
const baseline = options.baseline;
const backend = join(root, 'dist/apps/backend/main.cjs');
const autocannon = join(root, 'node_modules/autocannon/autocannon.js');
const work = mkdtempSync(join(tmpdir(), 'bench-loadtest-'));

function need(command, hint) {
  if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) {
    console.error(`bench/loadtest: ${command} is missing (${hint})`);
    process.exit(1);
  }
}
need('taskset', 'util-linux');
need('nginx', 'flock /tmp/ztmesh-apt.lock apt-get install -y nginx');
need('wrk', 'flock /tmp/ztmesh-apt.lock apt-get install -y wrk');
need('/usr/bin/time', 'apt-get install -y time');
for (const file of [loadtest, backend, ...(baseline ? [baseline] : [])]) {
  try {
    readFileSync(file);
  } catch {
    console.error(`bench/loadtest: ${file} is missing: run npx nx run-many -t build -p loadtest,backend`);
    process.exit(1);
  }
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs a command pinned to the generator core under /usr/bin/time; resolves to its output and CPU seconds.
 * taskset execs /usr/bin/time (same process, same pinning), which forks the generator and reports the user and
 * system time of wait4's rusage: the generator process and any children it waited for, nothing else (not this
 * script, not the target). Every tool is started the same way, so start-up is counted alike for all of them.
 */
function timed(command, args) {
  const timeFile = join(work, `time-${Math.random().toString(36).slice(2)}`);
  return new Promise((resolve) => {
    const child = spawn(
      'taskset',
      ['-c', genCore, '/usr/bin/time', '-o', timeFile, '-f', '%U %S %e', command, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => {
      const [user, system, wall] = readFileSync(timeFile, 'utf8')
        .trim()
        .split('\n')
        .at(-1)
        .split(' ')
        .map(Number);
      resolve({ code, stdout, stderr, cpuSeconds: user + system, wallSeconds: wall });
    });
  });
}

// A throughput sample is "clean" when the generator used at least this share of the wall time (see compare()).
const CLEAN_BUSY = 0.9;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const fmt = (value, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function versions() {
  const out = (command) => {
    const result = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
    return `${result.stdout}${result.stderr}`.trim().split('\n')[0];
  };
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    node: process.version,
    nginx: out('nginx -v'),
    wrk: out('wrk -v 2>&1 | head -1'),
    autocannon: JSON.parse(readFileSync(join(root, 'node_modules/autocannon/package.json'), 'utf8')).version,
    undici: JSON.parse(readFileSync(join(root, 'node_modules/undici/package.json'), 'utf8')).version,
    load: out('cat /proc/loadavg'),
  };
}

async function throughput() {
  const port = await freePort();
  const prefix = join(work, 'nginx');
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
error_log ${prefix}/logs/error.log warn;
pid ${prefix}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  server {
    listen 127.0.0.1:${port};
    location / { default_type text/plain; return 200 "hello from nginx\\n"; }
  }
}
`,
  );
  const nginx = spawn('taskset', ['-c', targetCore, 'nginx', '-c', conf, '-p', prefix, '-g', 'daemon off;'], {
    stdio: 'ignore',
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const url = `http://127.0.0.1:${port}/`;
  for (const connections of connectionCounts) await compare(url, connections);
  nginx.kill('SIGQUIT');
}

async function compare(url, connections) {
  const loadtestTool = (bundle) => async () => {
    const result = await timed('node', [
      bundle,
      url,
      '--scenario',
      'name=static,path=/',
      '--model',
      'closed',
      '--rate',
      'max',
      '--connections',
      String(connections),
      '--duration',
      `${durationS}s`,
      '--json',
      '-',
      '--no-preflight',
    ]);
    const report = JSON.parse(result.stdout);
    return {
      ...result,
      requests: report.requests.completed,
      seconds: report.rate.windowSeconds,
      errors: report.requests.errors,
    };
  };
  const tools = {
    loadtest: loadtestTool(loadtest),
    ...(baseline ? { 'loadtest-baseline': loadtestTool(baseline) } : {}),
    // undici alone (bare-undici.mjs): the floor for any generator on undici, to split a gap to autocannon.
    'undici-bare': async () => {
      const result = await timed('node', [
        join(root, 'bench/loadtest/bare-undici.mjs'),
        url,
        String(connections),
        String(durationS),
      ]);
      const report = JSON.parse(result.stdout);
      return { ...result, requests: report.requests, seconds: report.seconds, errors: report.errors };
    },
    autocannon: async () => {
      const result = await timed('node', [
        autocannon,
        '-c',
        String(connections),
        '-d',
        String(durationS),
        '--json',
        url,
      ]);
      const report = JSON.parse(result.stdout);
      return {
        ...result,
        requests: report.requests.total,
        seconds: report.duration,
        errors: report.errors + report.non2xx,
      };
    },
    wrk: async () => {
      const result = await timed('wrk', ['-t1', `-c${connections}`, `-d${durationS}s`, url]);
      const match = /(\d+) requests in ([\d.]+)s/.exec(result.stdout);
      const errors = /Non-2xx or 3xx responses: (\d+)/.exec(result.stdout);
      return {
        ...result,
        requests: Number(match?.[1] ?? 0),
        seconds: Number(match?.[2] ?? durationS),
        errors: Number(errors?.[1] ?? 0),
      };
    },
  };
  const names = Object.keys(tools);
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  console.log(
    `\n# Throughput against nginx (${url}), ${connections} connections, ${durationS}s per run, ${rounds} rounds`,
  );
  const enoughClean = () => names.every((name) => samples[name].filter((s) => s.clean).length >= minClean);
  for (let round = 0; round < rounds || (!enoughClean() && round < maxRounds); round++) {
    const order = names.map((_, index) => names[(index + round) % names.length]);
    for (const name of order) {
      const sample = await tools[name]();
      const rps = sample.requests / sample.seconds;
      const perCpu = sample.requests / sample.cpuSeconds;
      // Share of the wall time the generator had the CPU. A generator that waits (its target or its own core
      // taken by a neighbour) pays more per request (more wake-ups, fewer answers per wake-up), so only samples
      // where it was busy at least 90% of the time, without errors, compare tools on their per-request cost.
      const busy = sample.cpuSeconds / sample.wallSeconds;
      const clean = busy >= CLEAN_BUSY && sample.errors === 0;
      samples[name].push({ rps, perCpu, clean });
      console.log(
        `round ${round + 1} ${name.padEnd(17)} ${fmt(sample.requests).padStart(9)} requests  ${fmt(rps).padStart(7)} req/s  ` +
          `cpu ${sample.cpuSeconds.toFixed(2)} s  busy ${(busy * 100).toFixed(0).padStart(3)}%  ` +
          `${fmt(perCpu).padStart(7)} req/cpu-s  errors ${sample.errors}${clean ? '' : '  (disturbed)'}`,
      );
    }
  }
  console.log(`\n${connections} connections:\n`);
  console.log(
    '| tool | req/s (median) | req per generator CPU-second (median, all) | vs autocannon | median of clean samples (n) | vs autocannon |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  const base = median(samples.autocannon.map((s) => s.perCpu));
  const cleanOf = (name) => samples[name].filter((s) => s.clean).map((s) => s.perCpu);
  const cleanBase = cleanOf('autocannon').length ? median(cleanOf('autocannon')) : NaN;
  for (const name of names) {
    const perCpu = median(samples[name].map((s) => s.perCpu));
    const clean = cleanOf(name);
    const cleanMedian = clean.length ? median(clean) : NaN;
    console.log(
      `| ${name} | ${fmt(median(samples[name].map((s) => s.rps)))} | ${fmt(perCpu)} | ${(perCpu / base).toFixed(2)}x | ` +
        `${clean.length ? fmt(cleanMedian) : '-'} (${clean.length}) | ${Number.isFinite(cleanMedian / cleanBase) ? `${(cleanMedian / cleanBase).toFixed(2)}x` : '-'} |`,
    );
  }
}

async function accuracy() {
  const backendProcess = spawn('taskset', ['-c', targetCore, 'node', backend], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      REQUEST_LOGGING: 'false',
      LOG_LEVEL: 'info',
      SHUTDOWN_DELAY_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const listening = await new Promise((resolve, reject) => {
    let buffer = '';
    backendProcess.stdout.on('data', (chunk) => {
      buffer += chunk;
      const line = buffer.split('\n').find((text) => text.includes('"msg":"listening"'));
      if (line) resolve(JSON.parse(line));
    });
    backendProcess.on('exit', () => reject(new Error('the backend exited before listening')));
  });
  const url = `http://127.0.0.1:${listening.port}`;
  const served = async () => {
    const text = await (await fetch(`http://127.0.0.1:${listening.metricsPort}/metrics`)).text();
    const match =
      /http_request_duration_seconds_count\{method="GET",route="\/api\/data",status_code="200"\} (\d+)/.exec(
        text,
      );
    return Number(match?.[1] ?? 0);
  };
  console.log(
    `\n# Rate accuracy (open model) against the backend bundle at ${url}/api/data, REQUEST_LOGGING=false`,
  );
  console.log(`${durationS}s per run, ${rounds} rounds, generator and backend on separate cores`);
  const samples = Object.fromEntries(rates.map((rate) => [rate, []]));
  for (let round = 0; round < rounds; round++) {
    const order = rates.map((_, index) => rates[(index + round) % rates.length]);
    for (const rate of order) {
      const before = await served();
      const result = await timed('node', [
        loadtest,
        url,
        '--scenario',
        'name=data,path=/api/data',
        '--rate',
        String(rate),
        '--duration',
        `${durationS}s`,
        '--connections',
        '64',
        '--max-in-flight',
        '20000',
        '--json',
        '-',
        '--no-preflight',
      ]);
      const report = JSON.parse(result.stdout);
      const received = (await served()) - before;
      const sample = {
        ratio: report.rate.ratio,
        received,
        sent: report.requests.sent,
        dropped: report.requests.dropped,
        errors: report.requests.errors,
        lagP99: report.scheduleLagMs.p99,
        p50: report.latencyMs.p50,
        p99: report.latencyMs.p99,
        cpu: result.cpuSeconds,
      };
      samples[rate].push(sample);
      console.log(
        `round ${round + 1} ${String(rate).padStart(6)}/s  achieved ${fmt(report.rate.achieved, 1)}/s (${(sample.ratio * 100).toFixed(2)}%)  ` +
          `sent ${sample.sent} backend counted ${received}  dropped ${sample.dropped}  errors ${sample.errors}  ` +
          `lag p99 ${sample.lagP99} ms  latency p50 ${sample.p50} p99 ${sample.p99} ms  cpu ${sample.cpu.toFixed(2)} s`,
      );
    }
  }
  backendProcess.kill('SIGTERM');
  console.log(
    '\n| target rate | achieved / target (median, worst) | backend counted / sent | schedule lag p99 | latency p50 / p99 | dropped | generator CPU |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const rate of rates) {
    const list = samples[rate];
    const worst = list.reduce((far, s) => (Math.abs(s.ratio - 1) > Math.abs(far - 1) ? s.ratio : far), 1);
    console.log(
      `| ${fmt(rate)}/s | ${(median(list.map((s) => s.ratio)) * 100).toFixed(2)}%, ${(worst * 100).toFixed(2)}% | ` +
        `${fmt(list.reduce((n, s) => n + s.received, 0))} / ${fmt(list.reduce((n, s) => n + s.sent, 0))} | ` +
        `${fmt(median(list.map((s) => s.lagP99)), 3)} ms | ${fmt(median(list.map((s) => s.p50)), 3)} / ${fmt(median(list.map((s) => s.p99)), 3)} ms | ` +
        `${list.reduce((n, s) => n + s.dropped, 0)} | ${((median(list.map((s) => s.cpu)) / durationS) * 100).toFixed(0)}% of a core |`,
    );
  }
}

console.log('machine', JSON.stringify(versions()));
console.log(`command: node bench/loadtest/run.mjs ${process.argv.slice(2).join(' ')}`.trim());
try {
  if (!options['skip-throughput']) await throughput();
  if (!options['skip-accuracy']) await accuracy();
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log('\nload after the run:', readFileSync('/proc/loadavg', 'utf8').trim());
