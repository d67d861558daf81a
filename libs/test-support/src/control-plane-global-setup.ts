import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { controlPlaneUnavailable, startControlPlane, stopControlPlane, survivors } from './control-plane';
import type { ProvidedControlPlane } from './provided-control-plane';

/**
 * Vitest global setup: ONE control plane for the whole test run of the project that names this file in its
 * `globalSetup`, handed to the suites through `inject('controlPlane')` (see useControlPlane). Stopped at the end
 * of the run (the teardown fails the run if any of its processes survives), on any exit of the test runner (an
 * exit handler), and, should the runner be killed outright, by the script's watchdog (`up --owner-pid`).
 * Where no binaries can be had, says so loudly and hands on the reason, so that the suites skip.
 */
export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
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
  project.provide('controlPlane', {
    kubeconfig: plane.kubeconfig,
    stateDir,
    crdFiles: plane.state.crds?.files.length ?? 0,
    crdDir: plane.state.crds?.dir ?? '',
    controllerManager: 'kube-controller-manager' in plane.state.processes,
  } satisfies ProvidedControlPlane);
  return () => {
    process.off('exit', stopOnExit);
    stopControlPlane(stateDir);
    const left = survivors(plane.state);
    if (left.length) throw new Error(`control plane: still running after down: ${left.join(', ')}`);
  };
}
