#!/usr/bin/env node
// A/B of proxy configurations on a shared machine: all of them run AT THE SAME TIME, each at the same fixed
// request rate, so a neighbour's load hits every configuration alike within each repetition. Prints the server
// CPU time per request of each configuration per repetition and its ratio to the first one.
// A benchmark, not a test (bench/http/README.md); never run by `npm test`.
// Usage: node bench/http/ab-simultaneous.mjs [--reps 5] [--duration 5] [--rate 1000] [--connections 10]
//          bare shipped [bundle:/path/to/main.cjs] [shipped:REQUEST_LOGGING=false] ...
import { spawn, spawnSync } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    reps: { type: 'string', default: '5' },
    duration: { type: 'string', default: '5' },
    rate: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '10' },
    'server-cpu': { type: 'string', default: '0' },
    'client-cpu': { type: 'string', default: '1' },
  },
});
const usage = (message) => {
  console.error(`bench/http/ab-simultaneous: ${message}`);
  process.exit(2);
};
const int = (name) => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 1)
    usage(`--${name} must be a positive integer (got ${args[name]})`);
  return value;
};
const [reps, durationS, rate, connections] = ['reps', 'duration', 'rate', 'connections'].map(int);
if (positionals.length < 2) usage('name at least two configurations, e.g. `bare shipped`');

/** `bare`, `shipped[:K=V,...]` (dist/apps/frontend/main.cjs) or `bundle:/path.cjs[:K=V,...]`. */
const configs = positionals.map((spec) => {
  if (spec === 'bare') return { name: 'bare', script: join(HERE, 'bare-proxy.mjs'), env: {} };
  const [kind, ...rest] = spec.split(':');
  let script;
  if (kind === 'shipped') script = join(ROOT, 'dist/apps/frontend/main.cjs');
  else if (kind === 'bundle' && rest.length > 0) script = resolve(rest.shift());
  else usage(`unknown configuration ${spec}`);
  const env = Object.fromEntries(
    rest
      .join(':')
      .split(',')
      .filter(Boolean)
      .map((pair) => pair.split('=')),
  );
  return { name: spec, script, env };
});

const children = new Set();
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const devNull = openSync('/dev/null', 'w');
function start(script, env) {
  const child = spawn('taskset', ['-c', args['server-cpu'], 'node', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', devNull, devNull],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}
async function freePort() {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}
async function waitUp(url, child) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited with ${child.exitCode}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer within 30 s`);
}
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
function load(url, seconds, overallRate) {
  return new Promise((done, reject) => {
    const bin = join(ROOT, 'node_modules/.bin/autocannon');
    const cmd = ['-c', args['client-cpu'], bin, '--json', '-c', String(connections), '-d', String(seconds)];
    if (overallRate) cmd.push('-R', String(overallRate));
    const child = spawn('taskset', [...cmd, url], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const report = JSON.parse(out);
      done({ requests: report.requests.total, errors: report.errors + report.non2xx + report.timeouts });
    });
  });
}
const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function main() {
  if (spawnSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' }).status !== 0)
    usage('taskset is missing');
  console.log(
    `ab-simultaneous: ${configs.length} configurations at once, ${reps} reps x ${durationS}s at ${rate} req/s each ` +
      `(autocannon -c${connections}), servers on CPU ${args['server-cpu']}, load on CPU ${args['client-cpu']}; ` +
      `load average ${loadavg()}`,
  );
  const backendPort = await freePort();
  const backend = start(join(ROOT, 'dist/apps/backend/main.cjs'), {
    PORT: String(backendPort),
    METRICS_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    SHUTDOWN_DELAY_MS: '0',
  });
  await waitUp(`http://127.0.0.1:${backendPort}/api/data`, backend);
  const samples = configs.map(() => []);
  for (let rep = 0; rep < reps; rep++) {
    // Fresh processes each repetition (identical processes differ by several per cent).
    const running = [];
    for (const config of configs) {
      const port = await freePort();
      const child = start(config.script, {
        PORT: String(port),
        METRICS_PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        SHUTDOWN_DELAY_MS: '0',
        BACKEND_URL: `http://127.0.0.1:${backendPort}`,
        UPSTREAM: `http://127.0.0.1:${backendPort}`,
        ...config.env,
      });
      running.push({ child, url: `http://127.0.0.1:${port}/api/backend/api/data` });
    }
    for (const { url, child } of running) await waitUp(url, child);
    await Promise.all(running.map(({ url }) => load(url, 1, rate)));
    const before = running.map(({ child }) => cpuSeconds(child.pid));
    const results = await Promise.all(running.map(({ url }) => load(url, durationS, rate)));
    const after = running.map(({ child }) => cpuSeconds(child.pid));
    const parts = results.map((result, i) => {
      const usPerReq = ((after[i] - before[i]) * 1e6) / result.requests;
      samples[i].push(usPerReq);
      return `${configs[i].name} ${fmt(usPerReq, 1)} us/req (${fmt(result.requests / durationS, 0)}/s${result.errors ? `, ${result.errors} errors` : ''})`;
    });
    const ratios = samples.slice(1).map((list) => fmt(list[rep] / samples[0][rep], 3));
    console.log(
      `rep ${rep + 1}: ${parts.join('  ')}  ratio to ${configs[0].name}: ${ratios.join(' ')}  load ${loadavg()}`,
    );
    for (const { child } of running) child.kill('SIGTERM');
    await sleep(500);
  }
  for (const [i, config] of configs.entries()) {
    const ratios = samples[i].map((value, rep) => value / samples[0][rep]);
    console.log(
      `${config.name.padEnd(40)} median ${fmt(median(samples[i]), 1).padStart(7)} us/req; per-rep ratio to ` +
        `${configs[0].name}: median ${fmt(median(ratios), 3)} (${ratios.map((r) => fmt(r, 3)).join(' ')})`,
    );
  }
  backend.kill('SIGTERM');
}

async function stopAll() {
  for (const child of children) child.kill('SIGTERM');
  for (let i = 0; i < 50 && children.size > 0; i++) await sleep(100);
  for (const child of children) child.kill('SIGKILL');
}
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
main()
  .then(stopAll)
  .catch(async (error) => {
    console.error(`bench/http/ab-simultaneous: ${error.message}`);
    await stopAll();
    process.exitCode = 1;
  });
