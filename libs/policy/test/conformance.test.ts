import { describe, expect, it } from 'vitest';
import { DEFAULT_CORPUS, runConformance } from '../scripts/conformance-runner';

const results = runConformance(process.env.NETPOL_CORPUS ?? DEFAULT_CORPUS);
if (!results)
  console.warn(
    `SKIPPED conformance floor: netpol-analyzer corpus not found at ${DEFAULT_CORPUS} (set NETPOL_CORPUS)`,
  );

describe('np-guard netpol-analyzer conformance (core-netpol cases)', () => {
  it.skipIf(!results)('passes at least 90% of the cases with a plain connlist expected file', () => {
    const judged = (results ?? []).filter((r) => r.status !== 'skipped');
    const passed = judged.filter((r) => r.status === 'passed');
    const failures = judged
      .filter((r) => r.status === 'failed')
      .map((r) => `${r.name}: ${r.reason ?? r.differences.slice(0, 3).join(' | ')}`);
    expect(judged.length).toBeGreaterThanOrEqual(30);
    expect(passed.length / judged.length, failures.join('\n')).toBeGreaterThanOrEqual(0.9);
  });
});
