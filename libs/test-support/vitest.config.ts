import { projectTestConfig } from '../../vitest.shared';

// Each test here starts its own control plane (they test the start and the stop): generous time, one file at once.
export default projectTestConfig('test-support', {
  testTimeout: 120_000,
  hookTimeout: 120_000,
  fileParallelism: false,
});
