import type { RenderedObject } from '../rendered-object';
import { parseCalicoSelector } from './calico-selector';
import { type CalicoEntity, type CalicoPolicySpec, isCalicoPolicy, ruleNamespaces } from './calico-policy';
import { type CrossCheck, type ExternalWorkload, type Finding, findingOf } from './cross-check';
import { selectorMatches, type LabelSelector } from './label-selector';
import { namespaceOf, ofKind } from './object-queries';
import { findContainerPort, podTemplates, type PodTemplate } from './pod-templates';

/** Ports the injected Istio sidecar listens on (policies may allow them although no app container declares them). */
export const ISTIO_SIDECAR_PORTS: readonly number[] = [15001, 15006, 15008, 15020, 15021, 15090];

/** Whether `port` (number or name) is a container port of some selected pod, or a sidecar port. */
function isPodPort(port: number | string, pods: readonly PodTemplate[]): boolean {
  const value = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  if (typeof value === 'number' && ISTIO_SIDECAR_PORTS.includes(value)) return true;
  return pods.some((pod) => pod.spec.containers.some((container) => findContainerPort(container, value)));
}

/**
 * Every port a policy allows is a container port of the pods it selects (or an Istio sidecar port): policies
 * apply after the Service maps its port, so a Service port there allows nothing. Covers Kubernetes
 * NetworkPolicy (ingress ports on the selected pods, egress ports on the peers selected in rendered namespaces),
 * Calico policies (destination ports) and AuthorizationPolicy operation ports.
 */
export const policyPortsCheck: CrossCheck = {
  name: 'policy-ports',
  description:
    'every policy port (NetworkPolicy, Calico, AuthorizationPolicy) is a container port of the selected pods',
  run(context) {
    // Well-known workloads outside the deploy join as peers, so policies toward them are port-checked too.
    const pods = [...podTemplates(context.objects), ...(context.externalWorkloads ?? []).map(externalPod)];
    const renderedNamespaces = new Set(
      ofKind(context, 'Namespace').map((namespace) => namespace.metadata.name),
    );
    for (const pod of pods) renderedNamespaces.add(pod.namespace);
    const findings: Finding[] = [];
    const checkPorts = (
      object: RenderedObject,
      what: string,
      ports: readonly (number | string)[],
      selected: readonly PodTemplate[],
    ) => {
      if (selected.length === 0) return;
      for (const port of ports) {
        if (typeof port === 'string' && port.includes(':')) continue; // a Calico range
        if (!isPodPort(port, selected)) {
          const owners = [...new Set(selected.map((pod) => pod.owner.metadata.name))].join(', ');
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
    for (const policy of ofKind(context, 'NetworkPolicy', 'networking.k8s.io')) {
      const spec = (policy.spec ?? {}) as {
        podSelector?: LabelSelector;
        ingress?: { ports?: { port?: number | string }[] }[];
        egress?: {
          ports?: { port?: number | string }[];
          to?: { podSelector?: LabelSelector; namespaceSelector?: LabelSelector; ipBlock?: unknown }[];
        }[];
      };
      const namespace = namespaceOf(policy);
      const selected = pods.filter(
        (pod) => pod.namespace === namespace && selectorMatches(spec.podSelector ?? {}, pod.labels),
      );
      for (const rule of spec.ingress ?? []) checkPorts(policy, 'ingress', portsOf(rule.ports), selected);
      for (const rule of spec.egress ?? []) {
        for (const peer of rule.to ?? []) {
          const { podSelector, namespaceSelector } = peer;
          if (!podSelector) continue;
          const peerNamespaces = namespaceSelector
            ? [...renderedNamespaces].filter((candidate) =>
                selectorMatches(namespaceSelector, { 'kubernetes.io/metadata.name': candidate }),
              )
            : [namespace];
          const peers = pods.filter(
            (pod) => peerNamespaces.includes(pod.namespace) && selectorMatches(podSelector, pod.labels),
          );
          checkPorts(policy, 'egress', portsOf(rule.ports), peers);
        }
      }
    }
    for (const policy of context.objects.filter(isCalicoPolicy)) {
      const spec = (policy.spec ?? {}) as CalicoPolicySpec;
      const global = policy.kind.includes('Global');
      try {
        const inScope = (
          namespaces: string[] | undefined,
          entity: {
            selector?: string;
            serviceAccountSelector?: string;
            serviceAccounts?: CalicoEntity['serviceAccounts'];
          },
        ) => {
          const selects = entity.selector ? parseCalicoSelector(entity.selector) : () => true;
          const accountSelects = entity.serviceAccountSelector
            ? parseCalicoSelector(entity.serviceAccountSelector)
            : undefined;
          const names = entity.serviceAccounts?.names;
          const accountSelector = entity.serviceAccounts?.selector
            ? parseCalicoSelector(entity.serviceAccounts.selector)
            : undefined;
          return pods.filter((pod) => {
            const account = pod.spec.serviceAccountName ?? 'default';
            const accountLabels = { 'projectcalico.org/name': account };
            return (
              (namespaces === undefined || namespaces.includes(pod.namespace)) &&
              selects(pod.labels) &&
              (!accountSelects || accountSelects(accountLabels)) &&
              (!names || names.includes(account)) &&
              (!accountSelector || accountSelector(accountLabels))
            );
          });
        };
        const own = inScope(global ? undefined : [namespaceOf(policy)], spec);
        for (const rule of spec.ingress ?? []) {
          // A destination selector narrows the policy's own pods further.
          const narrowed = rule.destination?.selector || rule.destination?.serviceAccounts;
          const target = narrowed
            ? inScope(undefined, rule.destination ?? {}).filter((pod) => own.includes(pod))
            : own;
          checkPorts(policy, 'ingress destination', rule.destination?.ports ?? [], target);
        }
        for (const rule of spec.egress ?? []) {
          const destination = rule.destination;
          if (!destination?.ports || (!destination.selector && !destination.serviceAccounts)) continue;
          const where = ruleNamespaces(
            destination.namespaceSelector,
            namespaceOf(policy),
            renderedNamespaces,
          ).filter((namespace) => renderedNamespaces.has(namespace));
          checkPorts(policy, 'egress destination', destination.ports, inScope(where, destination));
        }
      } catch (error) {
        findings.push(findingOf(this.name, context, policy, (error as Error).message));
      }
    }
    for (const policy of ofKind(context, 'AuthorizationPolicy', 'security.istio.io')) {
      const spec = (policy.spec ?? {}) as {
        selector?: { matchLabels?: Record<string, string> };
        rules?: { to?: { operation?: { ports?: string[]; notPorts?: string[] } }[] }[];
      };
      const selected = pods.filter(
        (pod) =>
          pod.namespace === namespaceOf(policy) &&
          selectorMatches({ matchLabels: spec.selector?.matchLabels }, pod.labels),
      );
      for (const rule of spec.rules ?? []) {
        for (const to of rule.to ?? []) checkPorts(policy, 'operation', to.operation?.ports ?? [], selected);
      }
    }
    return findings;
  },
};

/** A well-known workload as a pod template: its labels, its ServiceAccount and its reachable ports. */
function externalPod(workload: ExternalWorkload): PodTemplate {
  return {
    owner: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: workload.name, namespace: workload.namespace },
    },
    namespace: workload.namespace,
    labels: workload.labels,
    annotations: {},
    spec: {
      serviceAccountName: workload.serviceAccount,
      containers: [
        { name: workload.name, ports: workload.ports.map((containerPort) => ({ containerPort })) },
      ],
    },
  };
}

function portsOf(ports: { port?: number | string }[] | undefined): (number | string)[] {
  return (ports ?? []).flatMap((port) => (port.port === undefined ? [] : [port.port]));
}
