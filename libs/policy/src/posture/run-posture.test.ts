import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFlowGraph } from '../flow-graph';
import { parseManifests, type ManifestObject } from '../manifest-objects';
import type { PostureResult } from './posture-check';
import { runPosture } from './run-posture';

// GIVEN the zero-trust overlay as a cluster holds it (plus a Ready pod per Deployment, with its sidecar),
// WHEN one thing is changed, THEN exactly the checks about that thing fail, naming the object and field.
const root = join(__dirname, '..', '..', '..', '..');
const graph = parseFlowGraph(readFileSync(join(root, 'k8s', 'flows.yaml'), 'utf8'), 'k8s/flows.yaml');
/** The line of the flow graph's flow from `from` to `to`, as drift rows name it. */
const flowLine = (from: string, to: string): number =>
  graph.flowLines[graph.document.flows.findIndex((flow) => flow.from === from && flow.to === to)];
const render = spawnSync('kubectl', ['kustomize', join(root, 'k8s', 'overlays', 'zero-trust')], {
  encoding: 'utf8',
});
const unavailable = render.error ? 'kubectl is not on PATH' : render.status !== 0 ? render.stderr : undefined;
if (unavailable) console.warn(`SKIPPED: posture checks on the rendered overlay: ${unavailable}`);
const rendered: ManifestObject[] = unavailable ? [] : parseManifests(render.stdout, 'zero-trust (kustomize)');

type Mutable = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A Ready pod of a Deployment, as a kubelet would report it: app container and istio-proxy ready. */
function podOf(deployment: ManifestObject, ready = { app: true, proxy: true }): ManifestObject {
  const template = (deployment.spec as Mutable).template;
  const containers = template.spec.containers.map((c: Mutable) => c.name) as string[];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${deployment.metadata.name}-abc12`,
      namespace: deployment.metadata.namespace,
      labels: template.metadata.labels,
    },
    spec: {
      ...template.spec,
      containers: [...template.spec.containers, { name: 'istio-proxy', image: 'proxyv2' }],
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready.app && ready.proxy ? 'True' : 'False' }],
      containerStatuses: [
        ...containers.map((name) => ({ name, ready: ready.app })),
        { name: 'istio-proxy', ready: ready.proxy },
      ],
    },
    source: { file: 'cluster', line: 0 },
  };
}

function healthy(): ManifestObject[] {
  const copy = structuredClone(rendered);
  return [...copy, ...copy.filter((o) => o.kind === 'Deployment').map((d) => podOf(d))];
}

function edit(
  objects: ManifestObject[],
  kind: string,
  name: string,
  change: (o: Mutable) => void,
): ManifestObject[] {
  const target = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!target) throw new Error(`no ${kind} ${name}`);
  change(target as Mutable);
  return objects;
}

const failures = (results: PostureResult[]) =>
  results
    .filter((r) => r.status === 'fail')
    .map((r) => `${r.check} | ${r.object} | ${r.field ?? ''} | ${r.value ?? ''}`);

const verify = (objects: ManifestObject[]) => runPosture({ namespace: 'webapp', objects, graph, rendered });

describe.skipIf(unavailable)('posture checks over API objects', () => {
  it('a healthy namespace passes every check, each with its evidence', () => {
    const results = verify(healthy());
    expect(failures(results)).toEqual([]);
    expect([...new Set(results.map((r) => r.check))]).toEqual([
      'namespace',
      'pods ready',
      'mTLS STRICT',
      'default deny (k8s)',
      'default deny (Calico)',
      'own ServiceAccount',
      'AuthorizationPolicy',
      'drift (objects)',
      'drift (flows)',
    ]);
    expect(results).toContainEqual(
      expect.objectContaining({
        check: 'mTLS STRICT',
        status: 'pass',
        object: 'PeerAuthentication webapp/default',
        field: 'spec.mtls.mode',
        value: 'STRICT',
      }),
    );
    expect(results.filter((r) => r.check === 'pods ready').map((r) => r.object)).toEqual([
      'Pod webapp/backend-abc12',
      'Pod webapp/frontend-abc12',
    ]);
  });

  const cases: Array<[string, () => ManifestObject[], string[]]> = [
    [
      'a pod at 1/2 (istio-proxy not ready)',
      () => {
        const objects = healthy().filter((o) => o.metadata.name !== 'backend-abc12');
        return [
          ...objects,
          ...objects
            .filter((o) => o.kind === 'Deployment' && o.metadata.name === 'backend')
            .map((d) => podOf(d, { app: true, proxy: false })),
        ];
      },
      [
        'pods ready | Pod webapp/backend-abc12 | status.containerStatuses[istio-proxy].ready | 1/2 ready, phase Running',
      ],
    ],
    [
      'a Deployment with no pod at all',
      () => healthy().filter((o) => o.metadata.name !== 'frontend-abc12'),
      ['pods ready | Deployment webapp/frontend | spec.replicas | 1'],
    ],
    [
      'PERMISSIVE mTLS on the namespace',
      () => edit(healthy(), 'PeerAuthentication', 'default', (o) => (o.spec.mtls.mode = 'PERMISSIVE')),
      [
        'mTLS STRICT | PeerAuthentication webapp/default | spec.mtls.mode | PERMISSIVE',
        'mTLS STRICT | PeerAuthentication webapp/default | spec.mtls.mode | PERMISSIVE',
        'mTLS STRICT | PeerAuthentication webapp/default | spec.mtls.mode | PERMISSIVE',
        'drift (objects) | PeerAuthentication webapp/default | spec.mtls.mode | "STRICT" -> "PERMISSIVE"',
      ],
    ],
    [
      'a narrower PeerAuthentication relaxing one port',
      () => [
        ...healthy(),
        ...parseManifests(
          'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: backend-relaxed, namespace: webapp}\nspec:\n  selector: {matchLabels: {app: backend}}\n  portLevelMtls: {"5000": {mode: PERMISSIVE}}\n',
          'extra.yaml',
        ),
      ],
      [
        'mTLS STRICT | PeerAuthentication webapp/backend-relaxed | spec.portLevelMtls.5000.mode | PERMISSIVE',
        'drift (objects) | PeerAuthentication webapp/backend-relaxed |  | ',
      ],
    ],
    [
      'the Kubernetes default deny deleted',
      () => healthy().filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny')),
      [
        'default deny (k8s) | Namespace webapp | NetworkPolicy | (none)',
        'default deny (k8s) | Namespace webapp | NetworkPolicy | (none)',
        'drift (objects) | NetworkPolicy webapp/default-deny |  | ',
      ],
    ],
    [
      'the identity tier after the default tier',
      () => edit(healthy(), 'Tier', 'ztmesh-identity', (o) => (o.spec.order = 2_000_000)),
      [
        'default deny (Calico) | Tier ztmesh-identity | spec.order | 2000000',
        'drift (objects) | Tier ztmesh-identity | spec.order | 2000 -> 2000000',
      ],
    ],
    [
      'two workloads sharing a ServiceAccount',
      () =>
        edit(
          healthy(),
          'Deployment',
          'frontend',
          (o) => (o.spec.template.spec.serviceAccountName = 'backend'),
        ),
      [
        'own ServiceAccount | Deployment webapp/backend | spec.template.spec.serviceAccountName | backend',
        'own ServiceAccount | Deployment webapp/frontend | spec.template.spec.serviceAccountName | backend',
        `drift (flows) | FlowGraph k8s/flows.yaml | line ${flowLine('ingress-gateway', 'frontend')} | istio-system/ingress-gateway[Peer] -> webapp/frontend[Deployment] TCP 8080`,
        `drift (flows) | FlowGraph k8s/flows.yaml | line ${flowLine('frontend', 'backend')} | webapp/frontend[Deployment] -> webapp/backend[Deployment] TCP 5000`,
      ],
    ],
    [
      'a policy edited in the cluster (an AuthorizationPolicy opened to any principal)',
      () => edit(healthy(), 'AuthorizationPolicy', 'backend', (o) => delete o.spec.rules[0].from),
      [
        'drift (objects) | AuthorizationPolicy webapp/backend | spec.rules[0].from | ',
        'drift (flows) | FlowGraph k8s/flows.yaml | L7 | istio-system/ingress-gateway[Peer] -> webapp/backend[Deployment]',
        // The egress gateway is a mesh peer too (k8s/flows.yaml): opened to any principal, its identity gets in.
        'drift (flows) | FlowGraph k8s/flows.yaml | L7 | istio-system/egress-gateway[Peer] -> webapp/backend[Deployment]',
      ],
    ],
    [
      'the backend AuthorizationPolicy deleted',
      () => healthy().filter((o) => !(o.kind === 'AuthorizationPolicy' && o.metadata.name === 'backend')),
      [
        'AuthorizationPolicy | Deployment webapp/backend | AuthorizationPolicy | AuthorizationPolicy webapp/allow-nothing (ALLOW)',
        'drift (objects) | AuthorizationPolicy webapp/backend |  | ',
        `drift (flows) | FlowGraph k8s/flows.yaml | line ${flowLine('frontend', 'backend')} | webapp/frontend[Deployment] -> webapp/backend[Deployment] TCP 5000`,
      ],
    ],
    [
      'sidecar injection off and Pod Security relaxed',
      () =>
        edit(healthy(), 'Namespace', 'webapp', (o) => {
          delete o.metadata.labels['istio-injection'];
          o.metadata.labels['pod-security.kubernetes.io/enforce'] = 'baseline';
        }),
      [
        'namespace | Namespace webapp | labels.istio-injection | (unset)',
        'namespace | Namespace webapp | labels.pod-security.kubernetes.io/enforce | baseline',
        'drift (flows) | FlowGraph k8s/flows.yaml | L7 | webapp/backend[Deployment] -> webapp/frontend[Deployment]',
        'drift (flows) | FlowGraph k8s/flows.yaml | L7 | webapp/frontend[Deployment] -> webapp/backend[Deployment]',
        'drift (flows) | FlowGraph k8s/flows.yaml | L7 | istio-system/ingress-gateway[Peer] -> webapp/backend[Deployment]',
        'drift (flows) | FlowGraph k8s/flows.yaml | L7 | istio-system/ingress-gateway[Peer] -> webapp/frontend[Deployment]',
        'drift (flows) | FlowGraph k8s/flows.yaml | L7 | istio-system/prometheus[Peer] -> webapp/backend[Deployment]',
        'drift (flows) | FlowGraph k8s/flows.yaml | L7 | istio-system/prometheus[Peer] -> webapp/frontend[Deployment]',
        'drift (flows) | FlowGraph k8s/flows.yaml | L7 | kube-system/kube-dns[Peer] -> webapp/backend[Deployment]',
        'drift (flows) | FlowGraph k8s/flows.yaml | L7 | kube-system/kube-dns[Peer] -> webapp/frontend[Deployment]',
        'drift (flows) | FlowGraph k8s/flows.yaml | L7 | istio-system/egress-gateway[Peer] -> webapp/backend[Deployment]',
        'drift (flows) | FlowGraph k8s/flows.yaml | L7 | istio-system/egress-gateway[Peer] -> webapp/frontend[Deployment]',
        'drift (flows) | FlowGraph k8s/flows.yaml | L7 | istio-system/istiod[Peer] -> webapp/backend[Deployment]',
        'drift (flows) | FlowGraph k8s/flows.yaml | L7 | istio-system/istiod[Peer] -> webapp/frontend[Deployment]',
      ],
    ],
  ];

  it.each(cases)('%s: fails naming exactly that', (_name, given, expected) => {
    // An expected line ending in '| ' leaves out the value (a drift message's value carries the whole edit).
    const got = failures(verify(given())).map((line, i) =>
      expected[i]?.endsWith('| ') ? line.replace(/\| [^|]*$/, '| ') : line,
    );

    expect(got).toEqual(expected);
  });
});
