#!/usr/bin/env node
// `npm test`: format check, then lint, typecheck, tests and builds of every project through Nx, then one
// closing summary of every project's tests. Exits non-zero if any step failed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const reportDir = join(root, 'dist', 'test-reports');
const nx = (args) =>
  spawnSync('npx', ['nx', ...args], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NX_DAEMON: 'false' },
  }).status ?? 1;

rmSync(reportDir, { recursive: true, force: true });
const steps = [
  ['format', nx(['format:check'])],
  // Caching is skipped so that every `npm test` really runs every test (a cached pass proves nothing new).
  [
    'lint, typecheck, test, build',
    nx(['run-many', '-t', 'lint', 'typecheck', 'test', 'build', '--skip-nx-cache', '--outputStyle=static']),
  ],
];

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
for (const [name, status] of steps) console.log(`  ${status === 0 ? 'ok  ' : 'FAIL'} ${name}`);
console.log(rows.join('\n'));
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(steps.every(([, status]) => status === 0) && failed === 0 && passed > 0 ? 0 : 1);
