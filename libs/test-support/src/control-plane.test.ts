import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  controlPlaneBinaries,
  controlPlaneUnavailable,
  processRunning,
  runControlPlaneScript,
  startControlPlane,
  stopControlPlane,
  survivors,
  type ControlPlaneState,
} from './control-plane';
import { createKubectl } from './kubectl';

const unavailable = controlPlaneUnavailable();
if (unavailable) console.warn(`SKIPPED: scripts/control-plane tests: ${unavailable}`);

const stateDirs: string[] = [];
function freshStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ztmesh-control-plane-selftest-'));
  rmSync(dir, { recursive: true }); // `up` makes it; `down` must remove it
  stateDirs.push(dir);
  return dir;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

afterAll(() => {
  // Whatever a failed test left behind.
  for (const dir of stateDirs) if (existsSync(dir)) stopControlPlane(dir);
});

describe.skipIf(unavailable)('scripts/control-plane', () => {
  // Built once up front (a no-op when cached): the two tests below start their control planes at the same time.
  let binaries = '';
  beforeAll(() => {
    binaries = controlPlaneBinaries();
  }, 1_800_000);

  it('`down` with nothing running exits 0 and says so; bad usage exits 2 naming it', async () => {
    const dir = freshStateDir();
    const down = await runControlPlaneScript(dir, ['down']);
    expect(down).toMatchObject({ code: 0 });
    expect(down.stderr).toContain('nothing running');
    const env = await runControlPlaneScript(dir, ['env']);
    expect(env.code).toBe(1);
    expect(env.stderr).toContain('none running');
    const bad = await runControlPlaneScript(dir, ['start']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown command 'start'");
    const badPort = await runControlPlaneScript(dir, ['up'], { ZTMESH_CONTROL_PLANE_PORT: 'eighty' });
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('ZTMESH_CONTROL_PLANE_PORT must be a port number (got "eighty")');
    expect(existsSync(dir)).toBe(false);
  });

  it('without Go and without binaries, up says in one line how to get them (exit 1) and leaves nothing', async () => {
    const dir = freshStateDir();
    const emptyCache = mkdtempSync(join(tmpdir(), 'ztmesh-empty-cache-'));
    stateDirs.push(emptyCache);
    try {
      const up = await runControlPlaneScript(dir, ['up'], {
        PATH:
          dirname(process.execPath) === '/usr/bin'
            ? '/usr/bin:/bin'
            : `${dirname(process.execPath)}:/usr/bin:/bin`,
        XDG_CACHE_HOME: emptyCache,
        KUBEBUILDER_ASSETS: '',
      });
      expect(up.code).toBe(1);
      expect(up.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          /^control-plane: Go is not installed; install Go >= 1\.\d+.* run tools\/control-plane\/build, or set KUBEBUILDER_ASSETS/,
        ),
      ]);
      expect(existsSync(dir)).toBe(false);
    } finally {
      rmSync(emptyCache, { recursive: true, force: true });
    }
  });

  // The two control planes below start and run side by side (each in its own state directory, on its own ports).
  it.concurrent(
    'up takes another port when the asked one is in use, serves the API, is reused, reports a dead etcd with its log, and down stops exactly what it started',
    async ({ expect }) => {
      const taken: Server = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const takenPort = (taken.address() as { port: number }).port;
      const dir = freshStateDir();
      let state: ControlPlaneState;
      try {
        const plane = await startControlPlane(dir, { env: { ZTMESH_CONTROL_PLANE_PORT: String(takenPort) } });
        state = plane.state;
        expect(plane.log).toContain(`port ${takenPort} is in use; taking another`);
        expect(new URL(state.server).port).not.toBe(String(takenPort));
      } finally {
        taken.close();
      }
      expect(Object.keys(state.processes).sort()).toEqual([
        'etcd',
        'kube-apiserver',
        'kube-controller-manager',
      ]);
      for (const { pid } of Object.values(state.processes)) expect(processRunning(pid)).toBe(true);

      // The API answers with RBAC on and the controller-manager at work (it made the default ServiceAccount).
      const kubectl = createKubectl({ kubeconfig: state.kubeconfig, stateDir: dir });
      expect((await kubectl.ok(['auth', 'can-i', 'create', 'pods', '-n', 'default'])).trim()).toBe('yes');
      const account = await kubectl.ok([
        'get',
        '--raw',
        '/api/v1/namespaces/default/serviceaccounts/default',
      ]);
      expect(JSON.parse(account)).toMatchObject({ kind: 'ServiceAccount', metadata: { name: 'default' } });

      // A second up reuses the running one.
      const again = await runControlPlaneScript(dir, ['up']);
      expect(again.code).toBe(0);
      expect(again.stderr).toContain('reusing the one running');
      expect(again.stdout.trim().split('\n').pop()).toBe(`KUBECONFIG=${state.kubeconfig}`);
      expect((await runControlPlaneScript(dir, ['env'])).stdout.trim()).toBe(
        `KUBECONFIG=${state.kubeconfig}`,
      );

      // etcd dies: env and a failing kubectl name it and show the tail of its log.
      process.kill(state.processes.etcd.pid, 'SIGKILL');
      expect(await until(() => !processRunning(state.processes.etcd.pid), 5000)).toBe(true);
      const env = await runControlPlaneScript(dir, ['env']);
      expect(env.code).toBe(1);
      expect(env.stderr).toMatch(/etcd no longer running[\s\S]*etcd\.log ends:/);
      await expect(kubectl.ok(['get', 'namespaces', '--request-timeout=2s'])).rejects.toThrow(
        /etcd no longer running/,
      );

      const down = await runControlPlaneScript(dir, ['down']);
      expect(down.code).toBe(0);
      expect(down.stderr).toMatch(/stopped kube-controller-manager \d+, kube-apiserver \d+;/);
      expect(survivors(state)).toEqual([]);
      expect(existsSync(dir)).toBe(false);
    },
  );

  it.concurrent(
    'KUBEBUILDER_ASSETS without a controller-manager and no CRDs: up says what is missing and serves; with --owner-pid, it stops everything it started once the owner is gone (a test runner killed outright)',
    async ({ expect }) => {
      const owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      const dir = freshStateDir();
      // What setup-envtest downloads: etcd and kube-apiserver only; and a schema directory with no CRDs in it.
      const assets = mkdtempSync(join(tmpdir(), 'ztmesh-envtest-assets-'));
      for (const name of ['etcd', 'kube-apiserver']) symlinkSync(join(binaries, name), join(assets, name));
      const noSchemas = join(assets, 'no-schemas');
      mkdirSync(noSchemas);
      try {
        const { state, log } = await startControlPlane(dir, {
          ownerPid: owner.pid,
          env: { KUBEBUILDER_ASSETS: assets, ZTMESH_SCHEMAS_DIR: noSchemas },
        });
        expect(log).toContain(`WARNING: no kube-controller-manager in ${assets}`);
        expect(log).toContain(`WARNING: no Istio or Calico CRDs under ${noSchemas}`);
        expect(Object.keys(state.processes).sort()).toEqual(['etcd', 'kube-apiserver']);
        expect(state.processes.etcd.binary).toBe(join(assets, 'etcd'));
        const kubectl = createKubectl({ kubeconfig: state.kubeconfig, stateDir: dir });
        expect((await kubectl.ok(['auth', 'can-i', 'create', 'pods', '-n', 'default'])).trim()).toBe('yes');

        expect(state.watchdog?.owner).toBe(owner.pid);
        expect(survivors(state)).toHaveLength(3);
        owner.kill('SIGKILL');
        expect(await until(() => survivors(state).length === 0, 30_000)).toBe(true);
        expect(existsSync(dir)).toBe(false);
      } finally {
        owner.kill('SIGKILL');
        rmSync(assets, { recursive: true, force: true });
      }
    },
  );
});
