import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffFlows, type FlowDiff } from './flow-diff';
import { parseFlowGraph } from './flow-graph';
import { parseManifests } from './manifest-objects';

// GIVEN k8s/overlays/zero-trust-split rendered by the real kustomize (frontend, backend and load generator each in a
// namespace of its own) and the one flow graph, WHEN diffed, THEN it matches under the graph's `split` layout, the
// cross-namespace attacks are denied, and weakening a namespace pin lets exactly those attacks through.
const root = join(__dirname, '..', '..', '..');
const graph = parseFlowGraph(readFileSync(join(root, 'k8s', 'flows.yaml'), 'utf8'), 'k8s/flows.yaml');
const render = spawnSync('kubectl', ['kustomize', join(root, 'k8s', 'overlays', 'zero-trust-split')], {
  encoding: 'utf8',
});
const unavailable = render.error ? 'kubectl is not on PATH' : render.status !== 0 ? render.stderr : undefined;
if (unavailable) console.warn(`SKIPPED: the split overlay's analysis: ${unavailable}`);
const text = unavailable ? '' : render.stdout;

type Mutable = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const through = (diff: FlowDiff) =>
  diff.probes.filter((p) => !p.denied).map((p) => `${p.from} -> ${p.to} ${p.protocol} ${p.port}`);

describe.skipIf(unavailable)('the split overlay against k8s/flows.yaml', () => {
  const diff = unavailable
    ? undefined
    : diffFlows(parseManifests(text, 'zero-trust-split (kustomize)'), graph);

  it('matches under the split layout: every flow at both layers, nothing else, every probe denied', () => {
    expect(diff?.placement.layout).toBe('split');
    expect(diff?.placement.namespaces).toEqual(['webapp-backend', 'webapp-frontend', 'webapp-loadtest']);
    expect(diff?.blocked).toEqual([]);
    expect(diff?.overPermissive).toEqual([]);
    expect(diff?.unresolved).toEqual([]);
    expect(diff?.missing).toEqual([]);
    expect(diff && through(diff)).toEqual([]);
    expect(diff?.match).toBe(true);
    // The cross-namespace HTTP flows are declared and allowed at both layers, each across namespaces.
    const http = diff?.declared.filter((d) => d.http).map((d) => `${d.from} -> ${d.to} ${d.port} ${d.l4}`);
    expect(http).toEqual([
      'istio-system/ingress-gateway[Peer] -> webapp-frontend/frontend[Deployment] 8080 true',
      'webapp-loadtest/loadtest[Deployment] -> webapp-frontend/frontend[Deployment] 8080 true',
      'webapp-frontend/frontend[Deployment] -> webapp-backend/backend[Deployment] 5000 true',
    ]);
    expect(diff?.declared.filter((d) => d.http).every((d) => d.l7?.allowed)).toBe(true);
  });

  it('denies the cross-namespace attacks, each by both layers', () => {
    const probe = (from: string, to: string, port: number) =>
      diff?.probes.find((p) => p.from === from && p.to === to && p.port === port);
    const attacks = [
      // A pod in the frontend's namespace without the frontend's identity: unlabeled, then with its labels.
      probe('webapp-frontend/unlabeled-pod[Probe]', 'webapp-backend/backend[Deployment]', 5000),
      probe('webapp-frontend/impostor-of-frontend[Probe]', 'webapp-backend/backend[Deployment]', 5000),
      // A pod in a third namespace, with a sidecar; then one with the frontend's labels and ServiceAccount name.
      probe('ztctl-probe/other-namespace-pod[Probe]', 'webapp-backend/backend[Deployment]', 5000),
      probe('ztctl-probe/namesake-of-frontend[Probe]', 'webapp-backend/backend[Deployment]', 5000),
      // The frontend's namesake in the load generator's namespace (its namespace's policies do not stop it leaving).
      probe('webapp-loadtest/namesake-of-frontend[Probe]', 'webapp-backend/backend[Deployment]', 5000),
      // The load generator straight to the backend.
      probe('webapp-loadtest/loadtest[Deployment]', 'webapp-backend/backend[Deployment]', 5000),
    ];
    expect(attacks.map((a) => a && [a.l4Allowed, a.l7Allowed, a.denied])).toEqual(
      attacks.map(() => [false, false, true]),
    );
  });

  it('WHEN the backend trusts the frontend ServiceAccount of any namespace at both layers THEN exactly the namesake from outside gets through', () => {
    const objects = parseManifests(text, 'zero-trust-split (kustomize)');
    const find = (kind: string, name: string, apiVersion: string) => {
      const o = objects.find(
        (x) => x.kind === kind && x.metadata.name === name && x.apiVersion.startsWith(apiVersion),
      );
      if (!o) throw new Error(`no ${kind} ${name}`);
      return o.spec as Mutable;
    };
    // Kubernetes half: the backend's ingress peer, any namespace.
    find('NetworkPolicy', 'backend', 'networking.k8s.io').ingress[0].from[0].namespaceSelector = {};
    // Calico identity half: any namespace.
    find(
      'NetworkPolicy',
      'ztmesh-identity.backend',
      'projectcalico.org',
    ).ingress[0].source.namespaceSelector = 'all()';
    // Istio: the frontend ServiceAccount name of any namespace.
    find('AuthorizationPolicy', 'backend', 'security.istio.io').rules[0].from[0].source.principals = [
      '*/sa/frontend',
    ];
    const weakened = diffFlows(objects, graph);
    expect(through(weakened)).toEqual([
      'ztctl-probe/namesake-of-frontend[Probe] -> webapp-backend/backend[Deployment] TCP 5000',
    ]);
    expect(weakened.match).toBe(false);
  });

  it('WHEN the manifests are held to the default layout THEN every workload is misplaced: drift', () => {
    const held = diffFlows(parseManifests(text, 'zero-trust-split (kustomize)'), graph, {
      layout: 'default',
    });
    expect(held.placement.layout).toBe('default');
    expect(held.missing).toEqual(['backend', 'frontend']);
    expect(held.match).toBe(false);
  });
});
