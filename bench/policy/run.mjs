#!/usr/bin/env node
// Scale benchmark of the policy analyzer: `node bench/policy/run.mjs [workloads:policies ...]`.
// Each size runs in its own Node process (fresh heap, so peak RSS is that size's own) and prints one row.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', 'dist', 'bench', 'policy', 'scale.cjs');
mkdirSync(dirname(out), { recursive: true });
await build({
  entryPoints: [join(here, 'scale.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile: out,
  logLevel: 'warning',
});

const sizes = process.argv.length > 2 ? process.argv.slice(2) : ['500:200', '2000:1000', '5000:2000'];
const FLOOR = { workloads: 5000, policies: 2000, ms: 10_000, mib: 2048 };
let ok = true;
let floorRow;
console.log(
  'workloads policies label-sets   parse  compile  matrix  pairs(200^2)   total      CPU  peak RSS',
);
for (const size of sizes) {
  const [w, p] = size.split(':');
  const r = spawnSync(process.execPath, [out, w, p], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(r.stderr);
    process.exit(1);
  }
  const m = JSON.parse(r.stdout.trim().split('\n').pop());
  const ms = (v) => `${v} ms`.padStart(8);
  console.log(
    `${String(m.workloads).padStart(9)} ${String(m.policies).padStart(8)} ${String(m.labelSets).padStart(10)} ${ms(m.parseMs)} ${ms(m.compileMs)} ${ms(m.matrixMs)} ${ms(m.pairQueriesMs).padStart(13)} ${ms(m.totalMs)} ${ms(m.cpuMs)} ${`${m.peakRssMiB} MiB`.padStart(9)}`,
  );
  if (m.workloads === FLOOR.workloads && m.policies === FLOOR.policies) {
    // Wall time depends on what else the machine runs; CPU time is what the analyzer itself costs.
    floorRow = m;
    if (m.totalMs > FLOOR.ms || m.cpuMs > FLOOR.ms || m.peakRssMiB > FLOOR.mib) ok = false;
  }
}
if (floorRow) {
  console.log(
    `floor 5,000 x 2,000 < 10 s and < 2 GiB: wall ${floorRow.totalMs} ms (analysis alone ${floorRow.analyzeMs} ms), CPU ${floorRow.cpuMs} ms, peak ${floorRow.peakRssMiB} MiB: ${ok ? 'met' : 'NOT met'}`,
  );
}
process.exit(ok ? 0 : 1);
