export {
  CONTROL_PLANE_COMPONENTS,
  CONTROL_PLANE_SCRIPT,
  controlPlaneBinaries,
  controlPlaneState,
  controlPlaneUnavailable,
  processRunning,
  REPO_ROOT,
  runControlPlaneScript,
  SHARED_CONTROL_PLANE_ENV,
  startControlPlane,
  stopControlPlane,
  survivors,
  type ControlPlane,
  type ControlPlaneState,
} from './control-plane';
export { createKubectl, type Kubectl, type KubectlResult } from './kubectl';
export { useControlPlane, type ProvidedControlPlane } from './provided-control-plane';
export { runCommand, type CommandResult } from './run-command';
