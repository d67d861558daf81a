import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RenderedObject } from '../rendered-object';
import { findKubectl, renderKustomization } from '../render/render-kustomization';
import { strictManifestObjects } from '../strict-manifest-objects';
import { discoverTargets } from '../validate-repo';
import { REPO_PEERS } from '../testing/fixtures';
import { applyOrderCheck, policyTier } from './apply-order';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const kubectl = findKubectl();
if (!kubectl.available) console.warn(`SKIPPED rendered apply-order tests: ${kubectl.reason}`);

const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'webapp' } };
const tier = { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'ztmesh-identity' } };
const tiered = {
  apiVersion: 'projectcalico.org/v3',
  kind: 'NetworkPolicy',
  metadata: { name: 'ztmesh-identity.platform', namespace: 'webapp' },
  spec: { tier: 'ztmesh-identity', selector: 'all()' },
};
const kubernetesPolicy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'default-deny', namespace: 'webapp' },
  spec: { podSelector: {} },
};
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'backend', namespace: 'webapp' },
};
const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: { group: 'example.com', names: { kind: 'Widget' } },
};
const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };

const run = (objects: object[]) =>
  applyOrderCheck.run({
    target: 'fixture',
    objects: objects as RenderedObject[],
    externalServiceAccounts: REPO_PEERS.serviceAccounts,
  });

describe('apply-order', () => {
  it.each<[string, object[]]>([
    ['namespace, tier, policies, then workloads', [namespace, tier, kubernetesPolicy, tiered, deployment]],
    ['a policy of a tier the render does not hold (the cluster has it)', [namespace, tiered]],
    ['a CRD before its resource', [crd, widget]],
    ['no namespace in the render', [kubernetesPolicy]],
  ])('GIVEN %s THEN no finding', (_name, objects) => {
    expect(run(objects)).toEqual([]);
  });

  it.each<[string, object[], string, RegExp]>([
    [
      'the tier after its policy (kustomize without sortOptions)',
      [namespace, tiered, tier],
      'NetworkPolicy webapp/ztmesh-identity.platform',
      /renders before Tier ztmesh-identity: Calico rejects a policy whose tier does not exist yet/,
    ],
    [
      'the namespace after an object in it',
      [kubernetesPolicy, namespace],
      'NetworkPolicy webapp/default-deny',
      /renders before Namespace webapp: the API server rejects/,
    ],
    [
      'a workload before a policy of its namespace',
      [namespace, deployment, kubernetesPolicy],
      'Deployment webapp/backend',
      /renders before NetworkPolicy webapp\/default-deny: it would start unguarded/,
    ],
    [
      'a custom resource before its CRD',
      [widget, crd],
      'Widget w',
      /before CustomResourceDefinition widgets.example.com/,
    ],
  ])('GIVEN %s THEN a finding on the object', (_name, objects, object, message) => {
    const findings = run(objects);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: 'apply-order', target: 'fixture', object });
    expect(findings[0].message).toMatch(message);
    expect(findings[0].message).toMatch(/sortOptions/);
  });

  it('reads the tier of Calico policies only (default when absent)', () => {
    expect(policyTier(tiered as RenderedObject)).toBe('ztmesh-identity');
    expect(policyTier({ ...tiered, spec: {} } as RenderedObject)).toBe('default');
    expect(policyTier(kubernetesPolicy as RenderedObject)).toBeUndefined();
  });
});

// Through real kustomize: what a plain `kubectl apply -k <target>` would create, in order, for every target.
describe.skipIf(!kubectl.available)('the rendered order of every overlay and k8s/tests combination', () => {
  const targets = discoverTargets(REPO_ROOT);
  it('covers the overlays and the test combinations', () => {
    expect(targets).toEqual(
      expect.arrayContaining(['k8s/overlays/zero-trust', 'k8s/overlays/loadtest', 'k8s/tests/calico-only']),
    );
  });

  it.each(targets)(
    '%s: the Namespaces first, every Tier before every Calico policy naming it',
    async (target) => {
      const text = await renderKustomization(join(REPO_ROOT, target), { displayPath: target });
      const objects = strictManifestObjects(text, target);
      // The app's namespaces (`webapp`, or one per app in the split layout) before anything else.
      const leading = objects.findIndex((object) => object.kind !== 'Namespace');
      const namespaces = objects.slice(0, leading).map((object) => object.metadata.name);
      expect(namespaces.length).toBeGreaterThan(0);
      expect(objects.slice(leading).filter((object) => object.kind === 'Namespace')).toEqual([]);
      for (const name of namespaces) expect(name).toMatch(/^webapp(-[a-z]+)?$/);
      const tiers = new Map(
        objects.flatMap((object, i) => (object.kind === 'Tier' ? [[object.metadata.name, i] as const] : [])),
      );
      const policies = objects.flatMap((object, i) => {
        const name = policyTier(object);
        return name !== undefined && name !== 'default' ? [{ name, i }] : [];
      });
      for (const policy of policies) expect(tiers.get(policy.name), policy.name).toBeLessThan(policy.i);
      // The Calico combinations do hold tiered policies, so the assertion above is not vacuous there.
      if (target.includes('calico') || /zero-trust|overlays\/loadtest/.test(target))
        expect(policies.length).toBeGreaterThan(0);
      expect(run(objects)).toEqual([]);
      // Calico 3.32's kube-admin tier (order 1,000) belongs to the cluster admin and is evaluated first; the default
      // tier (1,000,000) holds the Kubernetes policies and comes after ours.
      for (const t of objects.filter((object) => object.kind === 'Tier')) {
        const order = (t.spec as { order: number }).order;
        expect(order, `Tier ${t.metadata.name} order`).toBeGreaterThan(1_000);
        expect(order, `Tier ${t.metadata.name} order`).toBeLessThan(1_000_000);
      }
    },
  );
});
