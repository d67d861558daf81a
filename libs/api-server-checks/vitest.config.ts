import { projectTestConfig } from '../../vitest.shared';

// One control plane for the run (libs/test-support's global setup); the files share it one at a time, since the
// overlays all deploy into the one namespace they name.
export default projectTestConfig('api-server-checks', {
  globalSetup: ['../test-support/src/control-plane-global-setup.ts'],
  fileParallelism: false,
  testTimeout: 120_000,
  hookTimeout: 120_000,
});
