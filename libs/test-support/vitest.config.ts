import { projectTestConfig } from '../../vitest.shared';

// Two tests here start their own control planes, side by side (they test the start and the stop): generous time.
export default projectTestConfig('test-support', {
  testTimeout: 120_000,
  hookTimeout: 120_000,
  fileParallelism: false,
});
