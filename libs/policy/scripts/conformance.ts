// `nx run policy:conformance`: prints passed/failed/skipped over the core-netpol cases and the first differences of each failure.
import { DEFAULT_CORPUS, runConformance } from './conformance-runner';

const corpus = process.argv[2] ?? process.env.NETPOL_CORPUS ?? DEFAULT_CORPUS;
const results = runConformance(corpus);
if (!results) {
  console.warn(`conformance: SKIPPED, corpus not found at ${corpus} (pass its path as the first argument)`);
  process.exit(0);
}
for (const r of results) {
  if (r.status !== 'failed') continue;
  console.log(`FAIL ${r.name}${r.reason ? `: ${r.reason}` : ''}`);
  for (const line of r.differences.slice(0, 8)) console.log(`    ${line}`);
  if (r.differences.length > 8) console.log(`    ... ${r.differences.length - 8} more`);
}
const count = (s: string) => results.filter((r) => r.status === s).length;
const passed = count('passed');
const failed = count('failed');
const rate = passed + failed === 0 ? 0 : (100 * passed) / (passed + failed);
console.log(
  `conformance (core-netpol): ${passed} passed, ${failed} failed, ${count('skipped')} skipped (${rate.toFixed(1)}% of cases with a plain connlist)`,
);
process.exit(rate >= 90 ? 0 : 1);
