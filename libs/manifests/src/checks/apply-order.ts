import { apiGroup, describeObject } from '@ztmesh/policy';
import { type RenderedObject } from '../rendered-object';
import { findingOf, type CrossCheck } from './cross-check';

/** Calico policy kinds that name a tier (`spec.tier`, `default` when absent). */
const TIERED_KINDS = new Set([
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'StagedNetworkPolicy',
  'StagedGlobalNetworkPolicy',
]);

/** Kinds that guard pods: a workload created before any of them would run unguarded for a moment. */
const POLICY_KINDS = new Set([
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'PeerAuthentication',
  'AuthorizationPolicy',
]);
const WORKLOAD_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'Pod',
]);

/** The tier a Calico policy belongs to, or undefined for an object that is not a tiered Calico policy. */
export function policyTier(object: RenderedObject): string | undefined {
  if (apiGroup(object.apiVersion) !== 'projectcalico.org' || !TIERED_KINDS.has(object.kind)) return undefined;
  const tier = (object.spec as { tier?: unknown } | undefined)?.tier;
  return typeof tier === 'string' && tier !== '' ? tier : 'default';
}

/**
 * The render is the order `kubectl apply -k` creates objects in, one by one: an object whose prerequisite comes
 * later is rejected on a first apply (and only a second apply succeeds). Prerequisites checked, when the render
 * holds them: a Namespace before every object in it, a CustomResourceDefinition before its custom resources, a
 * Calico Tier before every policy that names it. And one that is not about rejection but about exposure: every policy
 * of a namespace before its workloads, so no pod runs unguarded while the rest of the render is applied.
 */
export const applyOrderCheck: CrossCheck = {
  name: 'apply-order',
  description:
    'a first `kubectl apply -k` creates every Namespace, CRD and Calico Tier before the objects that need it, ' +
    'and the policies before the workloads',
  run(context) {
    const index = new Map<string, number>();
    context.objects.forEach((object, i) => {
      const key = prerequisiteKey(object);
      if (key !== undefined && !index.has(key)) index.set(key, i);
    });
    const lastPolicy = new Map<string, number>();
    context.objects.forEach((object, i) => {
      if (POLICY_KINDS.has(object.kind)) lastPolicy.set(object.metadata.namespace ?? '', i);
    });
    const findings = [];
    for (const [i, object] of context.objects.entries()) {
      const policyAt = WORKLOAD_KINDS.has(object.kind)
        ? lastPolicy.get(object.metadata.namespace ?? '')
        : undefined;
      if (policyAt !== undefined && policyAt > i)
        findings.push(
          findingOf(
            'apply-order',
            context,
            object,
            `renders before ${describeObject(context.objects[policyAt])}: it would start unguarded ` +
              '(order the render with sortOptions in the top kustomization: docs/adr/0040-*)',
          ),
        );
      for (const { key, why } of prerequisites(object)) {
        const at = index.get(key);
        if (at === undefined || at < i) continue;
        findings.push(
          findingOf(
            'apply-order',
            context,
            object,
            `renders before ${describeObject(context.objects[at])}: ${why}, so a first \`kubectl apply -k\` fails ` +
              '(order the render with sortOptions in the top kustomization: docs/adr/0040-*)',
          ),
        );
      }
    }
    return findings;
  },
};

function prerequisiteKey(object: RenderedObject): string | undefined {
  if (object.kind === 'Namespace' && object.apiVersion === 'v1') return `Namespace/${object.metadata.name}`;
  if (object.kind === 'Tier' && apiGroup(object.apiVersion) === 'projectcalico.org')
    return `Tier/${object.metadata.name}`;
  if (object.kind === 'CustomResourceDefinition') {
    const spec = object.spec as { group?: string; names?: { kind?: string } } | undefined;
    return `CRD/${spec?.group}/${spec?.names?.kind}`;
  }
  return undefined;
}

function prerequisites(object: RenderedObject): Array<{ key: string; why: string }> {
  const out: Array<{ key: string; why: string }> = [];
  if (object.metadata.namespace)
    out.push({
      key: `Namespace/${object.metadata.namespace}`,
      why: 'the API server rejects an object whose namespace does not exist yet',
    });
  out.push({
    key: `CRD/${apiGroup(object.apiVersion)}/${object.kind}`,
    why: 'the API server knows no kind before its CustomResourceDefinition',
  });
  const tier = policyTier(object);
  if (tier !== undefined)
    out.push({ key: `Tier/${tier}`, why: 'Calico rejects a policy whose tier does not exist yet' });
  return out;
}
