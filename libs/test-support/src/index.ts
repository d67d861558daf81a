export {
  CONTROL_PLANE_COMPONENTS,
  CONTROL_PLANE_SCRIPT,
  controlPlaneBinaries,
  controlPlaneState,
  controlPlaneUnavailable,
  processRunning,
  runControlPlaneScript,
  SHARED_CONTROL_PLANE_ENV,
  startControlPlane,
  stopControlPlane,
  survivors,
  type ControlPlane,
  type ControlPlaneState,
} from './control-plane';
export { createKubectl, type Kubectl, type KubectlResult } from './kubectl';
export {
  freePort,
  listenOnLoopback,
  startLoopbackServer,
  type LoopbackServer,
  type LoopbackServerOptions,
} from './loopback-server';
export { useControlPlane, type ProvidedControlPlane } from './provided-control-plane';
export { parseResponse, rawExchange, type RawExchange } from './raw-exchange';
export { REPO_ROOT } from './repo-root';
export { runCommand, type CommandResult } from './run-command';
export {
  bundlePath,
  removeBundleCopies,
  runBundle,
  spawnBundle,
  type BundleExit,
  type BundleProcess,
  type LogLine,
  type SpawnBundleOptions,
} from './spawn-bundle';
export {
  LOOPBACK_BUNDLE_ENV,
  startBundle,
  type RunningBundle,
  type StartBundleOptions,
} from './start-bundle';
export { waitFor, type WaitForOptions } from './wait-for';
