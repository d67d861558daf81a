import type { ManifestObject } from '../manifest-object';
import { type CrossCheck, type Finding, findingOf } from './cross-check';

const CALICO_POLICY_KINDS = new Set([
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'StagedNetworkPolicy',
  'StagedGlobalNetworkPolicy',
]);
/** Kinds that guard pods: created after any of them, a pod would run unguarded for a moment. */
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

const isCalico = (object: ManifestObject) => object.apiVersion.startsWith('projectcalico.org/');
const tierOf = (object: ManifestObject) =>
  ((object.spec as { tier?: unknown } | undefined)?.tier as string | undefined) ?? 'default';

/**
 * The rendered order is the order a plain `kubectl apply -k` creates objects in, so it must be one a fresh cluster
 * accepts and one that never runs a pod unguarded: each Namespace before the objects in it, each Calico Tier before
 * every policy in that tier (Calico rejects a policy whose tier does not exist), and every policy before the
 * workloads of its namespace. The overlays get this order from their `sortOptions`.
 */
export const applyOrderCheck: CrossCheck = {
  name: 'apply-order',
  description: 'namespaces, then tiers, then policies, then workloads, in the rendered (apply) order',
  run(context) {
    const findings: Finding[] = [];
    const firstIndex = new Map<string, number>();
    const lastPolicy = new Map<string, number>();
    context.objects.forEach((object, index) => {
      const key = `${object.kind}/${object.metadata.name}`;
      if (!firstIndex.has(key)) firstIndex.set(key, index);
      if (POLICY_KINDS.has(object.kind)) lastPolicy.set(object.metadata.namespace ?? '', index);
    });
    context.objects.forEach((object, index) => {
      const namespace = object.metadata.namespace;
      const namespaceAt = namespace === undefined ? undefined : firstIndex.get(`Namespace/${namespace}`);
      if (namespaceAt !== undefined && namespaceAt > index) {
        findings.push(findingOf(this.name, context, object, `renders before its Namespace ${namespace}`));
      }
      if (isCalico(object) && CALICO_POLICY_KINDS.has(object.kind) && tierOf(object) !== 'default') {
        const tierAt = firstIndex.get(`Tier/${tierOf(object)}`);
        if (tierAt !== undefined && tierAt > index) {
          findings.push(
            findingOf(
              this.name,
              context,
              object,
              `renders before its Tier ${tierOf(object)}: a first apply fails`,
            ),
          );
        }
      }
      const policyAt = lastPolicy.get(namespace ?? '');
      if (WORKLOAD_KINDS.has(object.kind) && policyAt !== undefined && policyAt > index) {
        findings.push(
          findingOf(
            this.name,
            context,
            object,
            `renders before the policies of ${namespace}: it would start unguarded`,
          ),
        );
      }
    });
    return findings;
  },
};
