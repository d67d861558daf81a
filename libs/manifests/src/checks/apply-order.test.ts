import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifests } from '@ztmesh/policy';
import type { ManifestObject } from '../manifest-object';
import { applyOrderCheck } from './apply-order';

const namespace: ManifestObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'webapp' } };
const tier: ManifestObject = {
  apiVersion: 'projectcalico.org/v3',
  kind: 'Tier',
  metadata: { name: 'ztmesh-identity' },
};
const calicoPolicy: ManifestObject = {
  apiVersion: 'projectcalico.org/v3',
  kind: 'NetworkPolicy',
  metadata: { name: 'backend', namespace: 'webapp' },
  spec: { tier: 'ztmesh-identity' },
};
const deployment: ManifestObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'backend', namespace: 'webapp' },
};
const messages = (objects: ManifestObject[]) =>
  applyOrderCheck
    .run({ target: 't', objects } as never)
    .map((finding) => `${finding.object}: ${finding.message}`);

describe('apply-order', () => {
  it('passes namespace, tier, policy, workload', () => {
    expect(messages([namespace, tier, calicoPolicy, deployment])).toEqual([]);
  });

  it.each<[string, ManifestObject[], RegExp]>([
    [
      'a policy before its tier',
      [namespace, calicoPolicy, tier, deployment],
      /before its Tier ztmesh-identity/,
    ],
    [
      'an object before its namespace',
      [tier, calicoPolicy, namespace, deployment],
      /before its Namespace webapp/,
    ],
    ['a workload before the policies', [namespace, tier, deployment, calicoPolicy], /would start unguarded/],
  ])('%s is a finding', (_name, objects, message) => {
    expect(messages(objects).join('\n')).toMatch(message);
  });
});

// The overlays' sortOptions, through real kustomize: what a plain `kubectl apply -k` would create, in order.
const root = join(__dirname, '..', '..', '..', '..');
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!hasKubectl) console.warn('SKIPPED rendered apply order: kubectl is not installed');
describe.each([
  'k8s/overlays/dev',
  'k8s/overlays/zero-trust',
  'k8s/overlays/loadtest',
  'k8s/tests/calico-only',
  'k8s/tests/calico-with-loadtest',
  'k8s/tests/istio-only',
  'k8s/tests/istio-with-loadtest',
  'k8s/tests/loadtest-without-mesh',
])('%s rendered', (dir) => {
  it.skipIf(!hasKubectl)('is in an order a fresh cluster accepts, policies before workloads', () => {
    const r = spawnSync('kubectl', ['kustomize', dir], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const objects = parseManifests(r.stdout, dir) as unknown as ManifestObject[];
    expect(objects[0]?.kind).toBe('Namespace');
    expect(messages(objects)).toEqual([]);
    // Calico 3.32's kube-admin tier (order 1,000) belongs to the cluster admin and must be evaluated first; the
    // default tier (1,000,000) holds the Kubernetes policies and must come after ours.
    for (const tier of objects.filter((object) => object.kind === 'Tier')) {
      const order = (tier.spec as { order: number }).order;
      expect(order, `Tier ${tier.metadata.name} order`).toBeGreaterThan(1_000);
      expect(order, `Tier ${tier.metadata.name} order`).toBeLessThan(1_000_000);
    }
  });
});
