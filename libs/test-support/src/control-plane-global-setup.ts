import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import {
  controlPlaneState,
  controlPlaneUnavailable,
  SHARED_CONTROL_PLANE_ENV,
  startControlPlane,
  stopControlPlane,
  survivors,
  type ControlPlaneState,
} from './control-plane';
import type { ProvidedControlPlane } from './provided-control-plane';

/**
 * Vitest global setup: ONE control plane for the whole test run, handed to the suites through
 * `inject('controlPlane')` (see useControlPlane). Under `npm test` that is the run's shared one, named by
 * SHARED_CONTROL_PLANE_ENV (scripts/test.mjs starts it beside the format check and stops it at the end). Run on its
 * own (`npx nx test <project>`), the project that names this file in its `globalSetup` starts its own, stopped at the end
 * of the run (the teardown fails the run if any of its processes survives), on any exit of the test runner (an
 * exit handler), and, should the runner be killed outright, by the script's watchdog (`up --owner-pid`).
 * Where no binaries can be had, says so loudly and hands on the reason, so that the suites skip.
 */
export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const shared = process.env[SHARED_CONTROL_PLANE_ENV];
  if (shared) {
    // npm test started one for the whole run (scripts/test.mjs) and stops it at the end: use it as it is.
    const state = await controlPlaneState(shared);
    process.stderr.write(`\ncontrol plane: the run's shared one (${state.server}, state ${shared})\n`);
    project.provide('controlPlane', provided(state));
    return undefined;
  }
  const unavailable = controlPlaneUnavailable();
  if (unavailable) {
    process.stderr.write(`\nSKIPPED: every control-plane suite: ${unavailable}\n\n`);
    project.provide('controlPlane', { skipped: unavailable } satisfies ProvidedControlPlane);
    return undefined;
  }
  const stateDir = mkdtempSync(join(tmpdir(), 'ztmesh-control-plane-test-'));
  const plane = await startControlPlane(stateDir, { ownerPid: process.pid });
  const stopOnExit = () => {
    try {
      stopControlPlane(stateDir);
    } catch {
      // the watchdog stops it once this process is gone
    }
  };
  process.once('exit', stopOnExit);
  project.provide('controlPlane', provided(plane.state));
  return () => {
    process.off('exit', stopOnExit);
    stopControlPlane(stateDir);
    const left = survivors(plane.state);
    if (left.length) throw new Error(`control plane: still running after down: ${left.join(', ')}`);
  };
}

/** What the suites are handed of a running control plane. */
function provided(state: ControlPlaneState): ProvidedControlPlane {
  return {
    kubeconfig: state.kubeconfig,
    stateDir: state.dir,
    crdFiles: state.crds?.files.length ?? 0,
    crdDir: state.crds?.dir ?? '',
    controllerManager: 'kube-controller-manager' in state.processes,
  };
}
