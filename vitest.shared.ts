import { join } from 'node:path';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/** Where each project's JSON test report lands; scripts/test.mjs adds them up into the closing summary. */
export const TEST_REPORT_DIR = join(__dirname, 'dist', 'test-reports');

/** The Vitest config every project shares: its name, colocated tests, and a JSON report for the summary. */
export function projectTestConfig(name: string, test: NonNullable<ViteUserConfig['test']> = {}) {
  return defineConfig({
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      reporters: ['default', ['json', { outputFile: join(TEST_REPORT_DIR, `${name}.json`) }]],
      testTimeout: 20_000,
      hookTimeout: 30_000,
      ...test,
    },
  });
}
