import type { RenderedObject } from '../rendered-object';
import { parseCalicoSelector } from './calico-selector';

/** The projectcalico.org kinds that carry policy rules. */
export const CALICO_POLICY_KINDS: readonly string[] = [
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'StagedNetworkPolicy',
  'StagedGlobalNetworkPolicy',
];

/** Whether `object` is a Calico (projectcalico.org) policy. */
export function isCalicoPolicy(object: RenderedObject): boolean {
  return object.apiVersion.startsWith('projectcalico.org/') && CALICO_POLICY_KINDS.includes(object.kind);
}

/** The namespaces a Calico rule's namespaceSelector picks among `known`; the policy's own when it has none. */
export function ruleNamespaces(
  namespaceSelector: string | undefined,
  policyNamespace: string,
  known: Set<string>,
): string[] {
  if (!namespaceSelector) return [policyNamespace];
  const selects = parseCalicoSelector(namespaceSelector);
  return [...known].filter((namespace) =>
    selects({ 'kubernetes.io/metadata.name': namespace, 'projectcalico.org/name': namespace }),
  );
}

/** A Calico rule's source or destination (the fields the checks read). */
export interface CalicoEntity {
  selector?: string;
  namespaceSelector?: string;
  serviceAccounts?: { names?: string[]; selector?: string };
  ports?: (number | string)[];
}

/** A Calico ingress or egress rule. */
export interface CalicoRule {
  action?: string;
  protocol?: string;
  source?: CalicoEntity;
  destination?: CalicoEntity;
}

/** The spec of a Calico (Global)NetworkPolicy. */
export interface CalicoPolicySpec {
  selector?: string;
  serviceAccountSelector?: string;
  ingress?: CalicoRule[];
  egress?: CalicoRule[];
}

/** Every (direction, rule, side) of a policy: each rule's source and destination, ingress then egress. */
export function calicoRuleSides(spec: CalicoPolicySpec): [string, CalicoRule, 'source' | 'destination'][] {
  return [
    ...(spec.ingress ?? []).flatMap(
      (rule) =>
        [
          ['ingress', rule, 'source'],
          ['ingress', rule, 'destination'],
        ] as [string, CalicoRule, 'source' | 'destination'][],
    ),
    ...(spec.egress ?? []).flatMap(
      (rule) =>
        [
          ['egress', rule, 'source'],
          ['egress', rule, 'destination'],
        ] as [string, CalicoRule, 'source' | 'destination'][],
    ),
  ];
}
