import { apiGroup } from '@ztmesh/policy';
import { findingOf, type CrossCheck, type Finding } from './cross-check';

/** Order of the tier Calico 3.32 creates for cluster administrators' policy (kube-admin; ClusterNetworkPolicy). */
export const CALICO_KUBE_ADMIN_TIER_ORDER = 1_000;

/** Order of Calico's default tier, where Kubernetes NetworkPolicies live. */
export const CALICO_DEFAULT_TIER_ORDER = 1_000_000;

/**
 * An app's Calico tier sits between the cluster admin's and the default tier: after kube-admin, so an
 * administrator's policy is never pre-empted by an app team's default Deny, and before default, so it is evaluated
 * before the Kubernetes NetworkPolicies it pairs with (docs/adr/0040-*).
 */
export const tierOrderCheck: CrossCheck = {
  name: 'tier-order',
  description: "every Calico Tier orders after Calico's kube-admin tier and before the default tier",
  run(context) {
    const findings: Finding[] = [];
    for (const tier of context.objects) {
      if (tier.kind !== 'Tier' || apiGroup(tier.apiVersion) !== 'projectcalico.org') continue;
      const order = (tier.spec as { order?: unknown } | undefined)?.order;
      if (typeof order !== 'number')
        findings.push(
          findingOf(this.name, context, tier, 'no spec.order: Calico orders it after every tier'),
        );
      else if (order <= CALICO_KUBE_ADMIN_TIER_ORDER || order >= CALICO_DEFAULT_TIER_ORDER)
        findings.push(
          findingOf(
            this.name,
            context,
            tier,
            `order ${order} is not between the kube-admin tier (${CALICO_KUBE_ADMIN_TIER_ORDER}) and the default tier (${CALICO_DEFAULT_TIER_ORDER})`,
          ),
        );
    }
    return findings;
  },
};
