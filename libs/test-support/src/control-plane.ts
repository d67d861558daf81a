import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { REPO_ROOT } from './repo-root';
import { runCommand } from './run-command';

/** `scripts/control-plane`: the one implementation of up, down and env; the fixture only drives it. */
export const CONTROL_PLANE_SCRIPT = join(REPO_ROOT, 'scripts', 'control-plane');
const BUILD_SCRIPT = join(REPO_ROOT, 'tools', 'control-plane', 'build');

/**
 * The variable naming the state directory of a control plane already running for the whole test run (`npm test`
 * starts one, see scripts/test.mjs): the global setup then uses it instead of starting its own, and leaves
 * stopping it to whoever started it.
 */
export const SHARED_CONTROL_PLANE_ENV = 'ZTMESH_TEST_CONTROL_PLANE_DIR';

/** The control-plane processes `up` starts, by component name. */
export const CONTROL_PLANE_COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager'] as const;

/** What `scripts/control-plane env --json` reports of a running control plane. */
export interface ControlPlaneState {
  readonly dir: string;
  readonly binaries: string;
  readonly server: string;
  readonly kubeconfig: string;
  readonly ready: boolean;
  readonly processes: Readonly<Record<string, { readonly pid: number; readonly binary: string }>>;
  readonly crds?: { readonly dir: string; readonly files: readonly string[] };
  readonly watchdog?: { readonly pid: number; readonly owner: number };
}

/** A started control plane as the fixture hands it on. */
export interface ControlPlane {
  readonly kubeconfig: string;
  readonly stateDir: string;
  readonly state: ControlPlaneState;
  /** Everything `up` printed on stderr (progress, warnings such as missing CRDs). */
  readonly log: string;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, command)));
}

/**
 * Why no control plane can be had here, or undefined when one can: binaries through KUBEBUILDER_ASSETS, in the
 * build cache, or buildable because Go is installed; and kubectl to talk to it.
 */
export function controlPlaneUnavailable(): string | undefined {
  if (!onPath('kubectl')) return 'kubectl is not on PATH';
  const assets = process.env.KUBEBUILDER_ASSETS;
  if (assets) {
    const missing = ['etcd', 'kube-apiserver'].filter((name) => !existsSync(join(assets, name)));
    return missing.length ? `KUBEBUILDER_ASSETS=${assets} holds no ${missing.join(' or ')}` : undefined;
  }
  if (onPath('go')) return undefined;
  const cached = spawnSync(BUILD_SCRIPT, ['--dir'], { encoding: 'utf8' }).stdout.trim();
  if (cached && existsSync(join(cached, 'kube-apiserver')) && existsSync(join(cached, 'etcd')))
    return undefined;
  return 'no control-plane binaries: Go is not installed (tools/control-plane/build needs it) and KUBEBUILDER_ASSETS is not set';
}

/**
 * The directory holding the control-plane binaries: KUBEBUILDER_ASSETS when set, else the build cache, built
 * first where missing (tools/control-plane/build; minutes when cold). Throws with the build's reason.
 */
export function controlPlaneBinaries(): string {
  if (process.env.KUBEBUILDER_ASSETS) return process.env.KUBEBUILDER_ASSETS;
  const built = spawnSync(BUILD_SCRIPT, [], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`tools/control-plane/build failed: ${built.stderr.trim()}`);
  return built.stdout.trim().split('\n').pop() ?? '';
}

/** Runs `scripts/control-plane ARGS` with its state in `stateDir`; resolves with exit code, stdout, stderr. */
export function runControlPlaneScript(
  stateDir: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCommand(CONTROL_PLANE_SCRIPT, args, {
    env: { ...process.env, ...env, ZTMESH_CONTROL_PLANE_DIR: stateDir },
  });
}

/** `up` in `stateDir`; with `ownerPid`, the control plane stops by itself once that process is gone. */
export async function startControlPlane(
  stateDir: string,
  options: { readonly ownerPid?: number; readonly env?: NodeJS.ProcessEnv } = {},
): Promise<ControlPlane> {
  const args = options.ownerPid ? ['up', `--owner-pid=${options.ownerPid}`] : ['up'];
  const up = await runControlPlaneScript(stateDir, args, options.env);
  const last = up.stdout.trim().split('\n').pop() ?? '';
  if (up.code !== 0 || !last.startsWith('KUBECONFIG='))
    throw new Error(`scripts/control-plane up failed (exit ${up.code}):\n${up.stderr.trim()}`);
  return {
    kubeconfig: last.slice('KUBECONFIG='.length),
    stateDir,
    state: await controlPlaneState(stateDir),
    log: up.stderr,
  };
}

/** The state of the control plane in `stateDir`; rejects with the script's message (and log tails) if it is down. */
export async function controlPlaneState(stateDir: string): Promise<ControlPlaneState> {
  const env = await runControlPlaneScript(stateDir, ['env', '--json']);
  if (env.code !== 0) throw new Error(`the control plane is not running: ${env.stderr.trim()}`);
  return JSON.parse(env.stdout) as ControlPlaneState;
}

/** `down` in `stateDir`, synchronously (usable from an exit handler). Returns the script's stderr. */
export function stopControlPlane(stateDir: string): string {
  const result = spawnSync(CONTROL_PLANE_SCRIPT, ['down'], {
    env: { ...process.env, ZTMESH_CONTROL_PLANE_DIR: stateDir },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`scripts/control-plane down failed: ${result.stderr.trim()}`);
  return result.stderr;
}

/** True when process `pid` exists and is not a zombie (an exited process not yet reaped runs nothing). */
export function processRunning(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** The `name (pid)` of every process of `state` still running; empty when all are gone. */
export function survivors(state: ControlPlaneState): string[] {
  const pids = Object.entries(state.processes).map(([name, { pid }]) => [name, pid] as const);
  if (state.watchdog) pids.push(['watchdog', state.watchdog.pid]);
  return pids.filter(([, pid]) => processRunning(pid)).map(([name, pid]) => `${name} (${pid})`);
}
