import {
  CalicoSelectorError,
  createPolicySelection,
  extractWorkloads,
  isCalicoPolicy,
  istioPolicyApplies,
  ManifestError,
  SIDECAR_LISTEN_PORTS,
  type CompiledPolicy,
  type CompiledRule,
  type SelectionHints,
  type ManifestObject as PolicyObject,
  type Workload,
} from '@ztmesh/policy';
import type { RenderedObject } from '../rendered-object';
import type { CalicoPolicySpec } from './calico-policy';
import { type CrossCheck, type ExternalWorkload, type Finding, findingOf } from './cross-check';
import { namespaceOf, ofKind } from './object-queries';

/** Whether `port` (number or name) is a container port of some selected workload, or a sidecar port. */
function isPodPort(port: number | string, workloads: readonly Workload[]): boolean {
  const value = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  if (typeof value === 'number' && SIDECAR_LISTEN_PORTS.includes(value)) return true;
  return workloads.some((w) =>
    w.ports.some((p) => (typeof value === 'number' ? p.port === value : p.name === value)),
  );
}

/**
 * Every port a policy allows is a container port of the pods it selects (or an Istio sidecar port): policies
 * apply after the Service maps its port, so a Service port there allows nothing. Covers Kubernetes
 * NetworkPolicy (ingress ports on the selected pods, egress ports on the peers selected in rendered namespaces),
 * Calico policies (destination ports) and AuthorizationPolicy operation ports. Which pods a policy or rule selects
 * is the analyzer's answer (libs/policy), never decided here.
 */
export const policyPortsCheck: CrossCheck = {
  name: 'policy-ports',
  description:
    'every policy port (NetworkPolicy, Calico, AuthorizationPolicy) is a container port of the selected pods',
  run(context) {
    // Well-known workloads outside the deploy join as peers, so policies toward them are port-checked too.
    const workloads = [
      ...context.objects.flatMap(workloadsOf),
      ...(context.externalWorkloads ?? []).map(externalWorkload),
    ];
    const selection = createPolicySelection(context.objects.map(sourced(context.target)), workloads);
    const findings: Finding[] = [];
    const checkPorts = (
      object: RenderedObject,
      what: string,
      ports: readonly (number | string)[],
      selected: readonly Workload[],
    ) => {
      if (selected.length === 0) return;
      for (const port of ports) {
        if (typeof port === 'string' && port.includes(':')) continue; // a Calico range
        if (!isPodPort(port, selected)) {
          const owners = [...new Set(selected.map((w) => w.name))].join(', ');
          findings.push(
            findingOf(
              this.name,
              context,
              object,
              `${what} port ${port} is not a container port of ${owners}`,
            ),
          );
        }
      }
    };
    const compiled = (policy: RenderedObject): CompiledPolicy | undefined => {
      try {
        return selection.compile(sourced(context.target)(policy));
      } catch (error) {
        if (!(error instanceof ManifestError)) throw error;
        // Input the analyzer rejects is a finding here: a selector error says where in the selector.
        const cause = (error as Error).cause;
        const message = cause instanceof CalicoSelectorError ? cause.message : error.detail;
        findings.push(findingOf(this.name, context, policy, message));
        return undefined;
      }
    };
    for (const policy of ofKind(context, 'NetworkPolicy', 'networking.k8s.io')) {
      const compiledPolicy = compiled(policy);
      if (!compiledPolicy) continue;
      const spec = (policy.spec ?? {}) as {
        ingress?: { ports?: { port?: number | string }[] }[];
        egress?: { ports?: { port?: number | string }[]; to?: { podSelector?: unknown }[] }[];
      };
      const selected = selection.select(compiledPolicy.appliesTo, compiledPolicy);
      for (const rule of spec.ingress ?? []) checkPorts(policy, 'ingress', portsOf(rule.ports), selected);
      for (const rule of compiledPolicy.egress ?? []) {
        const written = spec.egress?.[rule.index];
        // Only peers that name pods: a namespace-wide or address peer has no one pod set to hold the port to.
        if (rule.peerIndex === undefined || !written?.to?.[rule.peerIndex]?.podSelector) continue;
        checkPorts(
          policy,
          'egress',
          portsOf(written.ports),
          selection.select(rule.peer.pods, peerHints(rule)),
        );
      }
    }
    for (const policy of context.objects.filter(isCalicoPolicy)) {
      const compiledPolicy = compiled(policy);
      if (!compiledPolicy) continue;
      const spec = (policy.spec ?? {}) as CalicoPolicySpec;
      const own = selection.select(compiledPolicy.appliesTo, compiledPolicy);
      const rulesOf = (rules: readonly CompiledRule[] | undefined) =>
        new Map((rules ?? []).map((rule) => [rule.index, rule]));
      const ingress = rulesOf(compiledPolicy.ingress);
      (spec.ingress ?? []).forEach((written, index) => {
        const rule = ingress.get(index);
        if (!rule) return;
        // A destination selector narrows the policy's own pods further.
        const narrowed = rule.local ? new Set(selection.select(rule.local)) : undefined;
        const target = narrowed ? own.filter((w) => narrowed.has(w)) : own;
        checkPorts(policy, 'ingress destination', written.destination?.ports ?? [], target);
      });
      const egress = rulesOf(compiledPolicy.egress);
      (spec.egress ?? []).forEach((written, index) => {
        const rule = egress.get(index);
        const destination = written.destination;
        if (!rule || !destination?.ports || (!destination.selector && !destination.serviceAccounts)) return;
        checkPorts(
          policy,
          'egress destination',
          destination.ports,
          selection.select(rule.peer.pods, peerHints(rule)),
        );
      });
    }
    for (const policy of ofKind(context, 'AuthorizationPolicy', 'security.istio.io')) {
      const spec = (policy.spec ?? {}) as {
        selector?: { matchLabels?: Record<string, string> };
        rules?: { to?: { operation?: { ports?: string[]; notPorts?: string[] } }[] }[];
      };
      const selector = spec.selector?.matchLabels ? { matchLabels: spec.selector.matchLabels } : undefined;
      const selected = workloads.filter((w) => istioPolicyApplies(namespaceOf(policy), selector, w));
      for (const rule of spec.rules ?? []) {
        for (const to of rule.to ?? []) checkPorts(policy, 'operation', to.operation?.ports ?? [], selected);
      }
    }
    return findings;
  },
};

/** What a rule's peer selectors require of an endpoint (the analyzer's hints), to narrow the classes tried. */
function peerHints(rule: CompiledRule): SelectionHints {
  const { podNamespace, podLabel, namespaceLabel } = rule.peer;
  return { namespace: podNamespace, podLabel, namespaceLabel };
}

/** The workloads the analyzer reads from one object; one it rejects (a bad port) is the schema check's to report. */
function workloadsOf(object: RenderedObject): Workload[] {
  try {
    return extractWorkloads([sourced('')(object)], 'default');
  } catch (error) {
    if (error instanceof ManifestError) return [];
    throw error;
  }
}

/** A well-known workload as the analyzer's peer: its labels, its ServiceAccount and its reachable ports. */
function externalWorkload(workload: ExternalWorkload): Workload {
  return {
    id: `${workload.namespace}/${workload.name}[Peer]`,
    namespace: workload.namespace,
    name: workload.name,
    kind: 'Peer',
    labels: workload.labels,
    serviceAccount: workload.serviceAccount,
    ports: workload.ports.map((port) => ({ port, protocol: 'TCP' })),
    annotations: {},
    origin: 'peer',
  };
}

/** An object as the analyzer reads it: rendered objects carry no line, so only the target names where it is. */
function sourced(target: string): (object: RenderedObject) => PolicyObject {
  return (object) => ({ ...object, source: { file: target, line: 0 } });
}

function portsOf(ports: { port?: number | string }[] | undefined): (number | string)[] {
  return (ports ?? []).flatMap((port) => (port.port === undefined ? [] : [port.port]));
}
