#!/usr/bin/env node
// Figures for the loopback control plane (docs/performance.md); a benchmark, never a test.
//   1. cold build of etcd, kube-apiserver and kube-controller-manager: tools/control-plane/build with an empty Go
//      build cache and an empty binary cache (the module cache is kept: downloads are not what is measured);
//   2. `scripts/control-plane up` with the binaries cached, and `down` (REPS times, each with a fresh state dir);
//   3. what the control-plane suites add to `npm test`: the wall time of each project's test run, as npm test runs
//      them (api-server-checks on a control plane already up).
//
//   node bench/control-plane/run.mjs [--reps 3] [--skip-cold] [--skip-suites]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = join(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    'skip-cold': { type: 'boolean', default: false },
    'skip-suites': { type: 'boolean', default: false },
  },
});
const reps = Number(values.reps);
if (!Number.isInteger(reps) || reps < 1) {
  process.stderr.write(`bench: --reps must be a positive integer (got ${JSON.stringify(values.reps)})\n`);
  process.exit(2);
}

function timed(label, command, args, options = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', ...options });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    process.stderr.write(`bench: ${label} failed (exit ${result.status}):\n${result.stderr ?? ''}\n`);
    process.exit(1);
  }
  return { seconds, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => loadavg()[0].toFixed(1);
const rows = [];
console.log(`control-plane bench: ${new Date().toISOString()}, load average ${load()} at start`);

if (!values['skip-cold']) {
  const gocache = mkdtempSync(join(tmpdir(), 'ztmesh-bench-gocache-'));
  const cache = mkdtempSync(join(tmpdir(), 'ztmesh-bench-xdg-'));
  try {
    const build = timed('cold build', join(root, 'tools', 'control-plane', 'build'), [], {
      env: { ...process.env, GOCACHE: gocache, XDG_CACHE_HOME: cache },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    rows.push(['cold build of the three binaries (empty Go build cache)', `${build.seconds.toFixed(0)} s`]);
  } finally {
    rmSync(gocache, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  }
  console.log(`  cold build done, load average ${load()}`);
}

timed('build (cached)', join(root, 'tools', 'control-plane', 'build'), []);
const ups = [];
const downs = [];
for (let i = 0; i < reps; i++) {
  const state = mkdtempSync(join(tmpdir(), 'ztmesh-bench-state-'));
  rmSync(state, { recursive: true });
  const env = { ...process.env, ZTMESH_CONTROL_PLANE_DIR: state };
  ups.push(timed('up', join(root, 'scripts', 'control-plane'), ['up'], { env }).seconds);
  downs.push(timed('down', join(root, 'scripts', 'control-plane'), ['down'], { env }).seconds);
}
const list = (xs) => xs.map((x) => x.toFixed(1)).join(', ');
rows.push([`up, binaries cached (median of ${reps}: ${list(ups)})`, `${median(ups).toFixed(1)} s`]);
rows.push([`down (median of ${reps}: ${list(downs)})`, `${median(downs).toFixed(1)} s`]);

if (!values['skip-suites']) {
  timed('ztctl build', 'npx', ['nx', 'build', 'ztctl', '--outputStyle=static'], {
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  // As npm test runs them: api-server-checks on one control plane started beforehand (scripts/test.mjs starts it
  // beside the format check, so its `up` is the row above, not part of this one); test-support starts its own.
  const shared = mkdtempSync(join(tmpdir(), 'ztmesh-bench-shared-'));
  const sharedEnv = { ...process.env, ZTMESH_CONTROL_PLANE_DIR: shared };
  timed('shared up', join(root, 'scripts', 'control-plane'), ['up'], { env: sharedEnv });
  for (const project of ['api-server-checks', 'test-support']) {
    const run = timed(`vitest in libs/${project}`, 'npx', ['vitest', 'run'], {
      cwd: join(root, 'libs', project),
      env: { ...process.env, ZTMESH_TEST_CONTROL_PLANE_DIR: shared },
    });
    const tests = /Tests\s+(\d+ passed[^\n]*)/.exec(run.stdout.replace(/\u001b\[[0-9;]*m/g, ''))?.[1] ?? '?';
    rows.push([`${project} test run (${tests.trim()})`, `${run.seconds.toFixed(0)} s`]);
    console.log(`  ${project} done, load average ${load()}`);
  }
  timed('shared down', join(root, 'scripts', 'control-plane'), ['down'], { env: sharedEnv });
}

console.log(`load average ${load()} at end\n`);
console.log('| what | wall time |\n| --- | ---: |');
for (const [what, value] of rows) console.log(`| ${what} | ${value} |`);
