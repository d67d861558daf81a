import { compileCalicoPolicy, readTiers } from './calico-policies';
import { EndpointIndex, type SelectionHints } from './endpoint-index';
import { buildEndpoints, type Endpoint } from './endpoints';
import { FindingLog } from './findings';
import type { Labels } from './label-selector';
import type { ManifestObject } from './manifest-objects';
import { compileKubernetesNetworkPolicy, type CompiledPolicy } from './network-policies';
import { extractNamespaces, namespaceOf, type Workload } from './workloads';

/** What a policy or rule selects, as the analyzer decides it: a predicate over endpoints, or all / none. */
export type EndpointMatch = 'all' | 'none' | ((ep: Endpoint) => boolean);

/**
 * The analyzer's selection semantics over a fixed set of workloads, for readers outside the analysis (the
 * validator's cross-checks) that must agree with it on which pods a policy or rule selects.
 */
export interface PolicySelection {
  readonly workloads: readonly Workload[];
  /**
   * Compiles a Kubernetes (networking.k8s.io) or Calico (projectcalico.org, staged kinds included) policy; undefined
   * for any other kind. Throws ManifestError on input the analyzer rejects.
   */
  compile(obj: ManifestObject): CompiledPolicy | undefined;
  /**
   * The workloads, in input order, whose endpoint class the match selects. `hints` (a compiled policy's, or its
   * rule peer's `podNamespace`/`podLabel`/`namespaceLabel`) narrow the classes tried, as the analyzer's engine does.
   */
  select(match: EndpointMatch, hints?: SelectionHints): Workload[];
}

/** Options of createPolicySelection. */
export interface PolicySelectionOptions {
  /** The namespace of objects that set none (default `default`). */
  readonly defaultNamespace?: string;
}

/** The projectcalico.org kinds that carry policy rules, staged ones included. */
export const CALICO_POLICY_KINDS: readonly string[] = [
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'StagedNetworkPolicy',
  'StagedGlobalNetworkPolicy',
];

/** Whether `obj` is a Calico (projectcalico.org) policy of one of CALICO_POLICY_KINDS. */
export function isCalicoPolicy(obj: { readonly apiVersion: string; readonly kind: string }): boolean {
  return obj.apiVersion.startsWith('projectcalico.org/') && CALICO_POLICY_KINDS.includes(obj.kind);
}

/** Builds the endpoints of `workloads` in the namespaces and ServiceAccounts that `objects` define. */
export function createPolicySelection(
  objects: readonly ManifestObject[],
  workloads: readonly Workload[],
  options: PolicySelectionOptions = {},
): PolicySelection {
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const namespaces = extractNamespaces(
    objects,
    defaultNamespace,
    workloads.map((w) => w.namespace),
  );
  const serviceAccountLabels = new Map<string, Labels>();
  for (const obj of objects) {
    if (obj.kind === 'ServiceAccount')
      serviceAccountLabels.set(
        `${namespaceOf(obj, defaultNamespace)}/${obj.metadata.name}`,
        obj.metadata.labels ?? {},
      );
  }
  const { endpoints } = buildEndpoints(workloads, namespaces, serviceAccountLabels);
  const index = new EndpointIndex(endpoints);
  const position = new Map(workloads.map((w, i) => [w, i]));
  const tiers = readTiers(objects);
  // Notes about unmodelled fields are the analyzer's to report, not the selection's.
  const ctx = { defaultNamespace, findings: new FindingLog() };
  return {
    workloads,
    compile(obj) {
      if (obj.kind === 'NetworkPolicy' && obj.apiVersion.startsWith('networking.k8s.io/'))
        return compileKubernetesNetworkPolicy(obj, ctx);
      if (isCalicoPolicy(obj)) return compileCalicoPolicy(obj, ctx, tiers);
      return undefined;
    },
    select(match, hints = {}) {
      if (match === 'none') return [];
      if (match === 'all') return [...workloads];
      return index
        .candidates(hints)
        .filter((ep: Endpoint) => match(ep))
        .flatMap((ep) => ep.workloads)
        .sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
    },
  };
}
