import { DEFAULT_TIER_ORDER, readTiers } from '../calico-policies';
import { describeObject, type ManifestObject } from '../manifest-objects';
import type { PostureCheck, PostureResult } from './posture-check';
import { deploymentsOf, workloadOf } from './workload-queries';

const DIRECTIONS = ['Ingress', 'Egress'] as const;

interface NetworkPolicySpec {
  readonly podSelector?: { matchLabels?: object; matchExpressions?: unknown[] };
  readonly policyTypes?: readonly string[];
  readonly ingress?: readonly unknown[];
  readonly egress?: readonly unknown[];
}

function deniesAll(policy: ManifestObject, direction: (typeof DIRECTIONS)[number]): boolean {
  const spec = (policy.spec ?? {}) as NetworkPolicySpec;
  const selectsAll =
    Object.keys(spec.podSelector?.matchLabels ?? {}).length === 0 &&
    (spec.podSelector?.matchExpressions ?? []).length === 0;
  // As the API server defaults it: Ingress always, Egress when egress rules are given.
  const types = spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
  const rules = direction === 'Ingress' ? spec.ingress : spec.egress;
  return selectsAll && types.includes(direction) && (rules ?? []).length === 0;
}

/** A Kubernetes NetworkPolicy selecting every pod of the namespace denies all ingress and all egress. */
export const kubernetesDefaultDenyCheck: PostureCheck = (ctx) => {
  const check = 'default deny (k8s)';
  const policies = ctx.of('NetworkPolicy', ctx.namespace, 'networking.k8s.io');
  return DIRECTIONS.map((direction): PostureResult => {
    const deny = policies.find((p) => deniesAll(p, direction));
    return deny
      ? {
          check,
          status: 'pass',
          object: describeObject(deny),
          field: 'spec.policyTypes',
          value: direction,
          message: `denies all ${direction.toLowerCase()} of every pod`,
        }
      : {
          check,
          status: 'fail',
          object: `Namespace ${ctx.namespace}`,
          field: 'NetworkPolicy',
          value: '(none)',
          message: `no NetworkPolicy with podSelector {} and no ${direction.toLowerCase()} rule: ${direction.toLowerCase()} not denied by default`,
        };
  });
};

/**
 * The identity tier exists before Calico's default tier (where Kubernetes NetworkPolicies land) and ends in Deny,
 * and its policies select every workload in both directions, so that what they do not pass is denied at the
 * end of the tier. Which policies select which pod is the analyzer's answer.
 */
export const calicoDefaultDenyCheck: PostureCheck = (ctx) => {
  const check = 'default deny (Calico)';
  const tierName = ctx.identityTier;
  const tierObject = ctx.of('Tier', null, 'projectcalico.org').find((t) => t.metadata.name === tierName);
  if (!tierObject)
    return [
      {
        check,
        status: 'fail',
        object: `Tier ${tierName}`,
        message: 'does not exist: no identity policy is enforced',
      },
    ];
  const out: PostureResult[] = [];
  const tiers = readTiers(ctx.of('Tier', null, 'projectcalico.org'));
  // readTiers reads every Tier object, this one included.
  const tier = tiers.get(tierName) ?? {
    name: tierName,
    order: Number.POSITIVE_INFINITY,
    defaultAction: 'Deny',
  };
  const object = describeObject(tierObject);
  if (!(tier.order < DEFAULT_TIER_ORDER))
    out.push({
      check,
      status: 'fail',
      object,
      field: 'spec.order',
      value: String(tier.order),
      message: `not before the default tier (${DEFAULT_TIER_ORDER})`,
    });
  else
    out.push({
      check,
      status: 'pass',
      object,
      field: 'spec.order',
      value: String(tier.order),
      message: `before the default tier (${DEFAULT_TIER_ORDER})`,
    });
  if (tier.defaultAction !== 'Deny')
    out.push({
      check,
      status: 'fail',
      object,
      field: 'spec.defaultAction',
      value: tier.defaultAction,
      message: 'the end of the tier does not deny',
    });
  const earlier = [...tiers.values()].filter((t) => t.name !== tierName && t.order < tier.order);
  for (const t of earlier)
    out.push({
      check,
      status: 'warn',
      object: `Tier ${t.name}`,
      field: 'spec.order',
      value: String(t.order),
      message: `evaluated before ${tierName}: its Allow rules bypass the identity tier`,
    });
  for (const deployment of deploymentsOf(ctx)) {
    const workload = workloadOf(ctx, deployment);
    if (!workload) continue;
    const endpoint = ctx.analysis.endpointOf(workload);
    const missing = (['ingress', 'egress'] as const).filter(
      (dir) => !ctx.analysis.engine.tieredPoliciesSelecting(endpoint, dir).some((p) => p.tier === tierName),
    );
    out.push(
      missing.length
        ? {
            check,
            status: 'fail',
            object: describeObject(deployment),
            field: `tier ${tierName}`,
            value: missing.join(', '),
            message: `no policy of the tier selects it for ${missing.join(' and ')}`,
          }
        : {
            check,
            status: 'pass',
            object: describeObject(deployment),
            field: `tier ${tierName}`,
            value: 'ingress, egress',
            message: 'selected in both directions',
          },
    );
  }
  return out;
};
