import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
const LOADTEST = join(REPO_ROOT, 'dist', 'apps', 'loadtest', 'main.cjs');
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

const VERIFY_RBAC = join(REPO_ROOT, 'k8s', 'verify');

/** A kubeconfig for the ServiceAccount ztmesh-verify/ztctl-verify (bound only by k8s/verify), written in DIR. */
async function verifierKubeconfig(dir: string): Promise<string> {
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
  return file;
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

type Verdict = 'allowed' | 'denied';
interface ProbeRow {
  probe: string;
  expect: string;
  observed: string;
  status: string;
  evidence: string;
}
interface ProbePod {
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  spec: Record<string, unknown> & {
    serviceAccountName?: string;
    containers: Array<{ name: string; image: string; args?: string[] }>;
  };
  status?: { phase?: string };
}

/** Every probe pod in the cluster (any run), as `namespace/name`. */
async function probePods(): Promise<string[]> {
  const pods = await kubectl.json<{ items: ProbePod[] }>(['get', 'pods', '-A', '-l', 'ztmesh.dev/probe']);
  return pods.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
}

/**
 * The termination message the load generator's real probe mode writes (the built bundle, as the probe pod runs
 * it) for a request to a local server answering STATUS: 200 gives an `allowed` verdict, 403 (Istio's RBAC
 * answer) a `denied` one. What a data plane would decide is the test's to say; the message format is not.
 */
async function probeModeMessage(dir: string, status: number): Promise<string> {
  const server = createServer((_req, res) => res.writeHead(status).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const file = join(dir, `termination-${status}`);
  try {
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve, reject) =>
      spawn(
        process.execPath,
        [LOADTEST, 'probe', `http://127.0.0.1:${port}/`, '--timeout', '5s', '--termination-message', file],
        { stdio: 'ignore' },
      )
        .on('error', reject)
        .on('close', resolve),
    );
    return readFileSync(file, 'utf8');
  } finally {
    server.close();
  }
}

/** The kubelet's part for a probe pod that has run: its container terminated, MESSAGE as its termination message. */
function terminated(pod: ProbePod, message: string) {
  const now = new Date().toISOString();
  return {
    phase: 'Succeeded',
    conditions: [{ type: 'Ready', status: 'False', reason: 'PodCompleted' }],
    containerStatuses: [
      {
        name: 'probe',
        ready: false,
        image: pod.spec.containers[0]?.image,
        imageID: '',
        restartCount: 0,
        started: false,
        state: {
          terminated: { exitCode: 0, reason: 'Completed', message, startedAt: now, finishedAt: now },
        },
      },
    ],
  };
}

/**
 * Runs `ztctl verify ARGS` (probes on) as a child process while playing the kubelet: each probe pod that shows
 * up is completed with the verdict VERDICTS gives its probe (a probe it does not name is left Pending). With
 * INTERRUPT, the child gets that signal once a pod exists for every probe of the zero-trust plan (3).
 */
async function verifyWithKubelet(
  args: readonly string[],
  verdicts: Record<string, Verdict>,
  messages: Record<Verdict, string>,
  interrupt?: NodeJS.Signals,
) {
  const child = spawn(
    process.execPath,
    [BUNDLE, 'verify', '--timeout', '60s', '--probe-timeout', '30s', ...args],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, KUBECONFIG },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  let done = false;
  void exited.then(() => (done = true));
  const seen = new Map<string, ProbePod>();
  while (!done) {
    const pods = await kubectl.json<{ items: ProbePod[] }>(['get', 'pods', '-A', '-l', 'ztmesh.dev/probe']);
    for (const pod of pods.items) {
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      if (seen.has(key)) continue;
      seen.set(key, pod);
      const verdict = verdicts[pod.metadata.annotations['ztmesh.dev/probe-name'] ?? ''];
      if (verdict)
        await kubectl.ok([
          'patch',
          'pod',
          pod.metadata.name,
          '-n',
          pod.metadata.namespace,
          '--subresource=status',
          '--type=merge',
          '-p',
          JSON.stringify({ status: terminated(pod, messages[verdict]) }),
        ]);
    }
    if (interrupt && seen.size === 3 && child.exitCode === null) {
      child.kill(interrupt);
      interrupt = undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { code: await exited, stdout, stderr, pods: [...seen.values()] };
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
    await kubectl.run(['delete', '-k', VERIFY_RBAC, '--ignore-not-found', '--wait=false']);
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
    await kubectl.ok(['apply', '--server-side', '-k', VERIFY_RBAC]);
    const dir = mkdtempSync(join(tmpdir(), 'ztmesh-verify-rbac-'));
    try {
      const file = await verifierKubeconfig(dir);
      const run = await verify(['--kubeconfig', file]);
      expect(run.failed).toEqual([]);
      expect(run.code).toBe(0);

      const can = async (...args: string[]) =>
        (await kubectl.run(['auth', 'can-i', ...args, `--kubeconfig=${file}`])).stdout.trim();
      for (const allowed of [
        ['list', 'peerauthentications.security.istio.io', '-n', 'istio-system'],
        // The probes' Role: exactly create, list and delete pods, in the two namespaces probe pods run in.
        ['create', 'pods', '-n', 'webapp'],
        ['delete', 'pods', '-n', 'webapp'],
        ['create', 'pods', '-n', 'ztmesh-verify'],
        ['list', 'pods', '-n', 'ztmesh-verify'],
        ['delete', 'pods', '-n', 'ztmesh-verify'],
      ])
        expect(`${allowed.join(' ')}: ${await can(...allowed)}`).toBe(`${allowed.join(' ')}: yes`);
      for (const denied of [
        ['get', 'secrets', '-n', 'webapp'],
        ['list', 'configmaps', '-n', 'webapp'],
        ['create', 'pods', '-n', 'kube-system'],
        ['create', 'pods', '-n', 'default'],
        ['delete', 'pods', '-n', 'istio-system'],
        ['deletecollection', 'pods', '-n', 'webapp'],
        ['update', 'pods', '-n', 'webapp'],
        ['patch', 'pods', '-n', 'webapp', '--subresource=status'],
        ['get', 'pods', '-n', 'webapp', '--subresource=log'],
        ['create', 'pods', '-n', 'webapp', '--subresource=exec'],
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
      // Restored for the probes below (the suite's afterAll deletes it).
      await kubectl.ok(['apply', '--server-side', '-k', VERIFY_RBAC]);
    }
  });

  describe('live probes, as the ServiceAccount bound only to k8s/verify; the test plays the kubelet', () => {
    let dir = '';
    let kubeconfig = '';
    let messages: Record<Verdict, string> = { allowed: '', denied: '' };
    beforeAll(async () => {
      await kubectl.ok(['apply', '--server-side', '-k', VERIFY_RBAC]);
      dir = mkdtempSync(join(tmpdir(), 'ztmesh-verify-probes-'));
      kubeconfig = await verifierKubeconfig(dir);
      messages = { allowed: await probeModeMessage(dir, 200), denied: await probeModeMessage(dir, 403) };
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    // What a data plane would answer each probe of the zero-trust overlay (no loadtest there): the test's own
    // statement of the flow graph, not read from verify's plan.
    const HEALTHY: Record<string, Verdict> = {
      'frontend->backend:5000': 'allowed',
      'unlabeled->backend:5000': 'denied',
      'ztmesh-verify->frontend:8080': 'denied',
    };

    it('one pod per probe with the source identity, restricted and bounded; verdicts from the termination message: the matrix passes, exit 0, no probe pod left', async () => {
      const run = await verifyWithKubelet(['--json', '--kubeconfig', kubeconfig], HEALTHY, messages);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as {
        pass: boolean;
        results: Result[];
        probes: { runId: string; image: string; rows: ProbeRow[]; skipped: Array<{ name: string }> };
      };
      expect(report.results.filter((r) => r.status !== 'pass')).toEqual([]);
      expect(report.pass).toBe(true);
      expect(report.probes.image).toBe('ztmesh/loadtest');
      expect(report.probes.rows.map((r) => [r.probe, r.expect, r.observed, r.status])).toEqual([
        ['frontend->backend:5000', 'allowed', 'allowed', 'pass'],
        ['unlabeled->backend:5000', 'denied', 'denied', 'pass'],
        ['ztmesh-verify->frontend:8080', 'denied', 'denied', 'pass'],
      ]);
      // The load generator's own words, carried by the termination message.
      expect(report.probes.rows.map((r) => r.evidence)).toEqual([
        'HTTP 200',
        'HTTP 403 (a blocked status)',
        'HTTP 403 (a blocked status)',
      ]);
      expect(report.probes.skipped.map((s) => s.name)).toContain('loadtest->backend:5000');

      const byProbe = new Map(run.pods.map((p) => [p.metadata.annotations['ztmesh.dev/probe-name'], p]));
      expect([...byProbe.keys()].sort()).toEqual(Object.keys(HEALTHY).sort());
      for (const pod of run.pods) {
        expect(pod.metadata.labels['ztmesh.dev/probe']).toBe(report.probes.runId);
        expect(pod.spec).toMatchObject({
          restartPolicy: 'Never',
          activeDeadlineSeconds: 30,
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        });
        const [container] = pod.spec.containers;
        expect(container).toMatchObject({
          image: 'ztmesh/loadtest',
          terminationMessagePolicy: 'File',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        });
        expect(container?.args?.slice(0, 1)).toEqual(['probe']);
      }
      const identity = (name: string) => {
        const pod = byProbe.get(name);
        const { 'ztmesh.dev/probe': _run, ...labels } = pod?.metadata.labels ?? {};
        return [
          pod?.metadata.namespace,
          labels,
          pod?.spec.serviceAccountName,
          pod?.spec.containers[0]?.args?.[1],
        ];
      };
      // The frontend's live pod template labels and ServiceAccount; a stranger under `default`, in each namespace.
      const frontend = await kubectl.json<{ spec: { template: { metadata: { labels: object } } } }>([
        'get',
        'deployment',
        'frontend',
        '-n',
        'webapp',
      ]);
      expect(identity('frontend->backend:5000')).toEqual([
        'webapp',
        frontend.spec.template.metadata.labels,
        'frontend',
        'http://backend.webapp.svc.cluster.local:5000/',
      ]);
      expect(identity('unlabeled->backend:5000')).toEqual([
        'webapp',
        {},
        'default',
        'http://backend.webapp.svc.cluster.local:5000/api/data',
      ]);
      expect(identity('ztmesh-verify->frontend:8080')).toEqual([
        'ztmesh-verify',
        {},
        'default',
        'http://frontend.webapp.svc.cluster.local:8080/',
      ]);
      expect(await probePods()).toEqual([]);
    });

    it('a forbidden probe answered as allowed, and one never answered (--probe-timeout): exit 1, a row naming each; pods deleted', async () => {
      const { 'ztmesh-verify->frontend:8080': _unanswered, ...answered } = HEALTHY;
      const run = await verifyWithKubelet(
        ['--kubeconfig', kubeconfig, '--probe-timeout', '6s'],
        {
          ...answered,
          'unlabeled->backend:5000': 'allowed',
        },
        messages,
      );
      expect(run.code).toBe(1);
      const lines = run.stdout.trim().split('\n');
      expect(lines.filter((l) => /\bFAIL\b/.test(l))).toEqual([
        expect.stringMatching(/^│ unlabeled->backend:5000 +│ FAIL +│ denied +│ allowed +│ HTTP 200 +│$/),
        expect.stringMatching(
          /^│ ztmesh-verify->frontend:8080 +│ FAIL +│ denied +│ error +│ no verdict within 6 s/,
        ),
        expect.stringMatching(/^FAIL: \d+ passed, 2 failed, 0 warnings$/),
      ]);
      expect(run.stdout).toContain('(pod Pending)');
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
      expect(await probePods()).toEqual([]);
    });

    it('without the probes RoleBinding in ztmesh-verify: one line naming the Role, exit 2; no probe pod left', async () => {
      await kubectl.ok(['delete', 'rolebinding', 'ztmesh-verify-probes', '-n', 'ztmesh-verify']);
      try {
        await eventually('the authorizer forgets the binding', async () => {
          const can = await kubectl.run([
            'auth',
            'can-i',
            'create',
            'pods',
            '-n',
            'ztmesh-verify',
            `--kubeconfig=${kubeconfig}`,
          ]);
          return can.stdout.trim() === 'no' ? true : undefined;
        });
        const run = await ztctl(['verify', '--json', '--kubeconfig', kubeconfig], { KUBECONFIG });
        expect([run.code, run.stdout]).toEqual([2, '']);
        expect(run.stderr.trim().split('\n')).toEqual([
          expect.stringMatching(
            /^ztctl: error: forbidden: .*cannot create resource "pods" in API group "" in the namespace "ztmesh-verify" \(probe pods need the Role ztmesh-verify-probes of k8s\/verify in ztmesh-verify; or pass --no-probes\)$/,
          ),
        ]);
        expect(await probePods()).toEqual([]);
      } finally {
        await kubectl.ok(['apply', '--server-side', '-k', VERIFY_RBAC]);
      }
    });

    it('SIGINT while the probes run: every probe pod deleted, exit 130', async () => {
      const run = await verifyWithKubelet(['--json', '--kubeconfig', kubeconfig], {}, messages, 'SIGINT');
      expect(run.pods).toHaveLength(3);
      expect([run.code, run.stdout, run.stderr.trim()]).toEqual([
        130,
        '',
        expect.stringMatching(
          /^ztctl: interrupted by SIGINT: deleted 3 probe pods \(label ztmesh\.dev\/probe=\w+\)$/,
        ),
      ]);
      expect(await probePods()).toEqual([]);
    });
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
