#!/usr/bin/env node
// `npm test`: format check and the ADR index (scripts/adr-index.mjs), then lint, typecheck, tests and builds of
// every project through Nx, then one closing summary of every project's tests. Exits non-zero if any step failed. One loopback Kubernetes control
// plane serves every suite that needs one (started beside the format check, stopped at the end).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const reportDir = join(root, 'dist', 'test-reports');
const CONTROL_PLANE = join(root, 'scripts', 'control-plane');
// libs/test-support's SHARED_CONTROL_PLANE_ENV: its global setup uses the control plane this names.
const SHARED_CONTROL_PLANE_ENV = 'ZTMESH_TEST_CONTROL_PLANE_DIR';
const testEnv = { ...process.env, NX_DAEMON: 'false' };
const nx = (args) =>
  spawnSync('npx', ['nx', ...args], { cwd: root, stdio: 'inherit', env: testEnv }).status ?? 1;

/**
 * ONE loopback control plane for the whole run (scripts/control-plane), started now so that it comes up while
 * the format check runs; every suite that needs one gets it (SHARED_CONTROL_PLANE_ENV). Its watchdog stops it if
 * this process dies; otherwise `down` at the end. Where none can be had, the suites say why and skip.
 */
function startSharedControlPlane() {
  const dir = mkdtempSync(join(tmpdir(), 'ztmesh-test-control-plane-'));
  const logFile = `${dir}.up.log`;
  const env = { ...process.env, ZTMESH_CONTROL_PLANE_DIR: dir };
  const started = Date.now();
  const child = spawn(CONTROL_PLANE, ['up', `--owner-pid=${process.pid}`], {
    env,
    stdio: ['ignore', 'ignore', openSync(logFile, 'w')],
  });
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    spawnSync(CONTROL_PLANE, ['down'], { env, stdio: 'ignore' });
    rmSync(logFile, { force: true });
  };
  process.once('exit', stop);
  const ready = new Promise((resolve) => {
    child.on('error', (error) => resolve(`cannot run scripts/control-plane: ${error.message}`));
    child.on('close', (code) => resolve(code === 0 ? undefined : readFileSync(logFile, 'utf8').trim()));
  }).then((failure) => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (failure === undefined) {
      testEnv[SHARED_CONTROL_PLANE_ENV] = dir;
      return `shared control plane up in ${seconds} s (beside the format check)`;
    }
    return `no shared control plane (the suites start or skip their own): ${failure.split('\n').pop()}`;
  });
  return { ready, stop };
}

rmSync(reportDir, { recursive: true, force: true });
const plane = startSharedControlPlane();
const steps = [['format', nx(['format:check'])]];
steps.push([
  'docs/adr index current',
  spawnSync(process.execPath, [join(root, 'scripts', 'adr-index.mjs'), '--check'], { stdio: 'inherit' })
    .status ?? 1,
]);
const planeNote = await plane.ready;
console.log(`npm test: ${planeNote}`);
// Caching is skipped so that every `npm test` really runs every test (a cached pass proves nothing new).
steps.push([
  'lint, typecheck, test, build',
  nx(['run-many', '-t', 'lint', 'typecheck', 'test', 'build', '--skip-nx-cache', '--outputStyle=static']),
]);
plane.stop();

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
if (existsSync(reportDir)) {
  for (const file of readdirSync(reportDir)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    const report = JSON.parse(readFileSync(join(reportDir, file), 'utf8'));
    const skippedHere = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    rows.push(
      `  ${file.replace(/\.json$/, '').padEnd(16)} ${String(report.numPassedTests).padStart(5)} passed ${String(report.numFailedTests).padStart(4)} failed ${String(skippedHere).padStart(4)} skipped`,
    );
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += skippedHere;
  }
}
console.log('\nztmesh test summary');
console.log(`  ${planeNote}`);
for (const [name, status] of steps) console.log(`  ${status === 0 ? 'ok  ' : 'FAIL'} ${name}`);
console.log(rows.join('\n'));
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(steps.every(([, status]) => status === 0) && failed === 0 && passed > 0 ? 0 : 1);
