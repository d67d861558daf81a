import type { Labels } from './label-selector';
import type { ContainerPort, NamespaceInfo, Workload } from './workloads';

/**
 * One class of identical pods: same namespace, labels, service account, ports and mesh membership. Policies are
 * evaluated once per class, so cost grows with policies x distinct label sets, not pods x pods.
 */
export interface Endpoint {
  readonly idx: number;
  readonly namespace: string;
  readonly labels: Labels;
  /** Pod labels plus the ones Calico adds (projectcalico.org/namespace, /orchestrator, /serviceaccount). */
  readonly calicoLabels: Labels;
  readonly namespaceLabels: Labels;
  /** Namespace labels plus Calico's projectcalico.org/name. */
  readonly namespaceCalicoLabels: Labels;
  readonly serviceAccount: string;
  /** ServiceAccount labels plus Calico's projectcalico.org/name. */
  readonly serviceAccountLabels: Labels;
  readonly ports: readonly ContainerPort[];
  /** Whether the pods run an Istio sidecar. */
  readonly mesh: boolean;
  readonly workloads: Workload[];
}

/** Decides whether a workload gets an Istio sidecar: explicit peers say so; pods follow the injection labels. */
export function inMesh(w: Workload, ns: NamespaceInfo | undefined): boolean {
  if (w.mesh !== undefined) return w.mesh;
  const podSetting = w.annotations['sidecar.istio.io/inject'];
  if (podSetting === 'false') return false;
  if (podSetting === 'true') return true;
  const nsLabels = ns?.labels ?? {};
  if (nsLabels['istio-injection'] === 'disabled') return false;
  return nsLabels['istio-injection'] === 'enabled' || nsLabels['istio.io/rev'] !== undefined;
}

/** The labels a Calico namespaceSelector sees on a namespace: its own plus Calico's projectcalico.org/name. */
export function calicoNamespaceLabels(name: string, labels: Labels): Labels {
  return { ...labels, 'projectcalico.org/name': name };
}

/** The labels a Calico serviceAccounts selector sees on a ServiceAccount: its own plus projectcalico.org/name. */
export function calicoServiceAccountLabels(name: string, labels: Labels): Labels {
  return { ...labels, 'projectcalico.org/name': name };
}

/** Groups workloads into endpoint classes. */
export function buildEndpoints(
  workloads: readonly Workload[],
  namespaces: readonly NamespaceInfo[],
  serviceAccountLabels: ReadonlyMap<string, Labels>,
): { endpoints: Endpoint[]; classOf: Map<Workload, Endpoint> } {
  const nsByName = new Map(namespaces.map((n) => [n.name, n]));
  const endpoints: Endpoint[] = [];
  const byKey = new Map<string, Endpoint>();
  const classOf = new Map<Workload, Endpoint>();
  for (const w of workloads) {
    const ns = nsByName.get(w.namespace);
    const mesh = inMesh(w, ns);
    const sortedLabels = Object.entries(w.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const ports = [...w.ports].sort(
      (a, b) =>
        a.port - b.port || a.protocol.localeCompare(b.protocol) || (a.name ?? '').localeCompare(b.name ?? ''),
    );
    const key = JSON.stringify([w.namespace, sortedLabels, w.serviceAccount, ports, mesh]);
    let ep = byKey.get(key);
    if (!ep) {
      const nsLabels = ns?.labels ?? { 'kubernetes.io/metadata.name': w.namespace };
      ep = {
        idx: endpoints.length,
        namespace: w.namespace,
        labels: w.labels,
        calicoLabels: {
          ...w.labels,
          'projectcalico.org/namespace': w.namespace,
          'projectcalico.org/orchestrator': 'k8s',
          'projectcalico.org/serviceaccount': w.serviceAccount,
        },
        namespaceLabels: nsLabels,
        namespaceCalicoLabels: calicoNamespaceLabels(w.namespace, nsLabels),
        serviceAccount: w.serviceAccount,
        serviceAccountLabels: calicoServiceAccountLabels(
          w.serviceAccount,
          serviceAccountLabels.get(`${w.namespace}/${w.serviceAccount}`) ?? {},
        ),
        ports,
        mesh,
        workloads: [],
      };
      endpoints.push(ep);
      byKey.set(key, ep);
    }
    ep.workloads.push(w);
    classOf.set(w, ep);
  }
  return { endpoints, classOf };
}
