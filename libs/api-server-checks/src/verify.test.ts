import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, useControlPlane } from '@ztmesh/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, serverUnderTest } from './testing/server';

// `ztctl verify --no-probes` against the real API server: the zero-trust overlay applied, the test playing the
// kubelet's part (pod status written through the status subresource), then one thing broken at a time.
const server = serverUnderTest();
const kubectl = server.kubectl;
const plane = useControlPlane();
const KUBECONFIG = plane.skipped === undefined ? plane.kubeconfig : '';
const OVERLAY = join(REPO_ROOT, 'k8s', 'overlays', 'zero-trust');
const BUNDLE = join(REPO_ROOT, 'dist', 'apps', 'ztctl', 'main.cjs');
const APPLY = [
  'apply',
  '--server-side',
  '--force-conflicts',
  '--field-manager=ztmesh-verify-test',
  '-k',
  OVERLAY,
];

interface Result {
  check: string;
  status: string;
  object: string;
  field?: string;
  value?: string;
}
interface Pod {
  metadata: { name: string };
  spec: { containers: Array<{ name: string }> };
  status?: { phase?: string };
}

/** Runs the built ztctl with ARGS (cwd the repo root); resolves with exit code and output. */
export function ztctl(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [BUNDLE, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Plays the kubelet: every Pending pod of webapp becomes Running and Ready, its containers and istio-proxy ready. */
async function kubeletMarksPodsReady(): Promise<void> {
  const pods = (await server.api.list('v1', 'Pod', 'webapp')) as unknown as Pod[];
  const pending = pods.filter((p) => p.status?.phase !== 'Running');
  // kubectl patch, one pod each, all at once (the status subresource is not reachable through the apply helper).
  await Promise.all(
    pending.map(async (pod) => {
      const running = (name: string) => ({
        name,
        ready: true,
        image: name,
        imageID: '',
        restartCount: 0,
        started: true,
        state: { running: { startedAt: new Date().toISOString() } },
      });
      const status = {
        phase: 'Running',
        conditions: [
          { type: 'Initialized', status: 'True' },
          { type: 'ContainersReady', status: 'True' },
          { type: 'Ready', status: 'True' },
        ],
        // The injector is not here: istio-proxy is reported as a kubelet reports an injected pod's sidecar.
        containerStatuses: [...pod.spec.containers.map((c) => running(c.name)), running('istio-proxy')],
      };
      await kubectl.ok([
        'patch',
        'pod',
        pod.metadata.name,
        '-n',
        'webapp',
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({ status }),
      ]);
    }),
  );
}

async function verify(extra: readonly string[] = []) {
  const run = await ztctl(['verify', '--no-probes', '--json', '--timeout', '20s', ...extra], {
    KUBECONFIG,
  });
  const report = run.stdout ? (JSON.parse(run.stdout) as { pass: boolean; results: Result[] }) : undefined;
  return { ...run, report, failed: report?.results.filter((r) => r.status === 'fail') ?? [] };
}

async function podsOfDeployments(): Promise<void> {
  await eventually('webapp has 3 pods (backend 2, frontend 1)', async () => {
    const pods = await server.api.list('v1', 'Pod', 'webapp');
    return pods.length === 3 ? pods : undefined;
  });
}

const needs =
  server.skipped ??
  (!server.crdFiles
    ? 'no CRDs installed'
    : !server.controllerManager
      ? 'no kube-controller-manager'
      : undefined);
if (needs && !server.skipped) console.warn(`SKIPPED: ztctl verify on the control plane: ${needs}`);

describe.skipIf(needs)('ztctl verify --no-probes on a real API server', () => {
  beforeAll(async () => {
    await kubectl.ok(APPLY);
    await podsOfDeployments();
    await kubeletMarksPodsReady();
  });
  afterAll(async () => {
    await kubectl.run(['delete', '-k', OVERLAY, '--ignore-not-found', '--wait=true', '--timeout=90s']);
  });

  it('the applied overlay with ready pods: every check passes, exit 0, as a table and as JSON', async () => {
    const run = await verify();
    expect(run.failed).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.report?.pass).toBe(true);
    expect(new Set(run.report?.results.map((r) => r.check))).toEqual(
      new Set([
        'namespace',
        'pods ready',
        'mTLS STRICT',
        'default deny (k8s)',
        'default deny (Calico)',
        'own ServiceAccount',
        'AuthorizationPolicy',
        'drift (objects)',
        'drift (flows)',
      ]),
    );
    const table = await ztctl(['verify', '--no-probes'], { KUBECONFIG });
    expect(table.code).toBe(0);
    expect(table.stdout.trim().split('\n').pop()).toMatch(/^PASS: \d+ passed, 0 failed, 0 warnings$/);
    for (const line of table.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  const breaks: Array<[string, string[][], Array<Partial<Result>>]> = [
    [
      'PeerAuthentication PERMISSIVE',
      [
        [
          'patch',
          'peerauthentication.security.istio.io',
          'default',
          '-n',
          'webapp',
          '--type=merge',
          '-p',
          '{"spec":{"mtls":{"mode":"PERMISSIVE"}}}',
        ],
      ],
      [
        {
          check: 'mTLS STRICT',
          object: 'PeerAuthentication webapp/default',
          field: 'spec.mtls.mode',
          value: 'PERMISSIVE',
        },
        {
          check: 'drift (objects)',
          object: 'PeerAuthentication webapp/default',
          field: 'spec.mtls.mode',
          value: '"STRICT" -> "PERMISSIVE"',
        },
      ],
    ],
    [
      'the default deny deleted',
      [['delete', 'networkpolicy.networking.k8s.io', 'default-deny', '-n', 'webapp']],
      [
        { check: 'default deny (k8s)', object: 'Namespace webapp', value: '(none)' },
        { check: 'drift (objects)', object: 'NetworkPolicy webapp/default-deny' },
      ],
    ],
    [
      'an AuthorizationPolicy edited (any principal may call the backend)',
      [
        [
          'patch',
          'authorizationpolicy.security.istio.io',
          'backend',
          '-n',
          'webapp',
          '--type=json',
          '-p',
          '[{"op":"remove","path":"/spec/rules/0/from"}]',
        ],
      ],
      [
        {
          check: 'drift (objects)',
          object: 'AuthorizationPolicy webapp/backend',
          field: 'spec.rules[0].from',
        },
        {
          check: 'drift (flows)',
          field: 'L7',
          value: 'istio-system/ingress-gateway[Peer] -> webapp/backend[Deployment]',
        },
      ],
    ],
    [
      'two workloads sharing a ServiceAccount',
      [
        [
          'patch',
          'deployment',
          'frontend',
          '-n',
          'webapp',
          '--type=merge',
          '-p',
          '{"spec":{"template":{"spec":{"serviceAccountName":"backend"}}}}',
        ],
      ],
      [
        { check: 'own ServiceAccount', object: 'Deployment webapp/backend', value: 'backend' },
        { check: 'own ServiceAccount', object: 'Deployment webapp/frontend', value: 'backend' },
      ],
    ],
  ];

  it.each(breaks)(
    '%s: exit 1, failing exactly on it; restored, it passes again',
    async (_name, commands, expected) => {
      for (const command of commands) await kubectl.ok(command);
      const run = await verify();
      expect(run.code).toBe(1);
      const checks = new Set(expected.map((e) => e.check));
      // Every failure is about this break (a new ReplicaSet's pods wait for the kubelet: pods ready may fail too).
      expect(
        run.failed.filter(
          (f) => !checks.has(f.check) && !f.check.startsWith('drift') && f.check !== 'pods ready',
        ),
      ).toEqual([]);
      for (const e of expected) expect(run.failed).toContainEqual(expect.objectContaining(e));

      await kubectl.ok(APPLY);
      await eventually(
        'verify passes again once restored',
        async () => {
          await kubeletMarksPodsReady();
          const again = await verify();
          return again.code === 0 ? again : undefined;
        },
        90_000,
      );
    },
  );

  it('as the ServiceAccount bound only to k8s/verify: passes on the real RBAC authorizer; it may do nothing else, and without the binding it is refused in one line', async () => {
    const VERIFY_RBAC = join(REPO_ROOT, 'k8s', 'verify');
    await kubectl.ok(['apply', '--server-side', '-k', VERIFY_RBAC]);
    const dir = mkdtempSync(join(tmpdir(), 'ztmesh-verify-rbac-'));
    try {
      const token = (
        await kubectl.ok(['create', 'token', 'ztctl-verify', '-n', 'ztmesh-verify', '--duration=10m'])
      ).trim();
      const admin = await kubectl.json<{ clusters: Array<{ cluster: Record<string, unknown> }> }>([
        'config',
        'view',
        '--raw',
        '--minify',
      ]);
      const file = join(dir, 'kubeconfig');
      writeFileSync(
        file,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'plane', cluster: admin.clusters[0].cluster }],
          users: [{ name: 'ztctl-verify', user: { token } }],
          contexts: [{ name: 'verify', context: { cluster: 'plane', user: 'ztctl-verify' } }],
          'current-context': 'verify',
        }),
      );
      const run = await verify(['--kubeconfig', file]);
      expect(run.failed).toEqual([]);
      expect(run.code).toBe(0);

      const can = async (...args: string[]) =>
        (await kubectl.run(['auth', 'can-i', ...args, `--kubeconfig=${file}`])).stdout.trim();
      expect(await can('list', 'peerauthentications.security.istio.io', '-n', 'istio-system')).toBe('yes');
      for (const denied of [
        ['get', 'secrets', '-n', 'webapp'],
        ['list', 'configmaps', '-n', 'webapp'],
        ['create', 'pods', '-n', 'webapp'],
        ['delete', 'networkpolicies.networking.k8s.io', '-n', 'webapp'],
        ['patch', 'deployments.apps', '-n', 'webapp'],
        ['list', 'namespaces'],
        ['watch', 'pods', '-n', 'webapp'],
      ])
        expect(`${denied.join(' ')}: ${await can(...denied)}`).toBe(`${denied.join(' ')}: no`);

      await kubectl.ok(['delete', 'clusterrolebinding', 'ztmesh-verify']);
      await eventually('the authorizer forgets the binding', async () => {
        const refused = await verify(['--kubeconfig', file]);
        return refused.code === 2 ? refused : undefined;
      }).then((refused) => {
        expect(refused.stdout).toBe('');
        expect(refused.stderr.trim().split('\n')).toEqual([
          expect.stringMatching(
            /^ztctl: error: forbidden: .*"system:serviceaccount:ztmesh-verify:ztctl-verify" cannot (get|list) resource /,
          ),
        ]);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await kubectl.run(['delete', '-k', VERIFY_RBAC, '--ignore-not-found', '--wait=false']);
    }
  });

  it('a context the kubeconfig lacks, and a kubeconfig that does not exist: one line, exit 2', async () => {
    const context = await verify(['--context', 'nope']);
    expect([context.code, context.stdout, context.stderr.trim()]).toEqual([
      2,
      '',
      expect.stringMatching(/^ztctl: error: --context nope: no such context in .*kubeconfig \(it has: /),
    ]);
    const missing = await verify(['--kubeconfig', '/nonexistent/kubeconfig']);
    expect([missing.code, missing.stderr.trim()]).toEqual([
      2,
      'ztctl: error: --kubeconfig /nonexistent/kubeconfig: no such file',
    ]);
  });

  it('a missing CRD (EnvoyFilter): one line naming it, exit 2; the CRD restored afterwards', async () => {
    const name = 'envoyfilters.networking.istio.io';
    const crd = await kubectl.json<{ metadata: Record<string, unknown>; status?: unknown }>([
      'get',
      'crd',
      name,
    ]);
    await kubectl.ok(['delete', 'crd', name, '--wait=true', '--timeout=60s']);
    try {
      const run = await eventually('the server stops serving EnvoyFilter', async () => {
        const r = await verify();
        return r.code === 2 ? r : undefined;
      });
      expect(run.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          /^ztctl: error: missing CRD: the API server https:\/\/127\.0\.0\.1:\d+ serves no EnvoyFilter \(networking\.istio\.io\/v1alpha3\) \(is its CRD installed\?\)$/,
        ),
      ]);
    } finally {
      const {
        name: crdName,
        labels,
        annotations,
      } = crd.metadata as { name: string; labels?: object; annotations?: object };
      delete crd.status;
      crd.metadata = {
        name: crdName,
        ...(labels ? { labels } : {}),
        ...(annotations ? { annotations } : {}),
      };
      await kubectl.ok(['create', '-f', '-'], JSON.stringify(crd));
      await kubectl.ok(['wait', '--for=condition=Established', `crd/${name}`, '--timeout=60s']);
    }
  });
});
