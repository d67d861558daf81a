import type { KubeClient, LiveObject } from './create-kube-client';
import { KubeError } from './kube-error';

/** One kind verify reads: in the app namespace, in the mesh root namespace too, or cluster-wide. */
export interface ReadKind {
  readonly apiVersion: string;
  readonly kind: string;
  readonly scope: 'namespace' | 'namespace-and-root' | 'cluster';
}

/** Everything `ztctl verify` reads, and nothing else (k8s/verify's ClusterRole grants exactly these). */
export const VERIFY_READS: readonly ReadKind[] = [
  { apiVersion: 'v1', kind: 'Pod', scope: 'namespace' },
  { apiVersion: 'v1', kind: 'ServiceAccount', scope: 'namespace' },
  { apiVersion: 'v1', kind: 'Service', scope: 'namespace' },
  { apiVersion: 'apps/v1', kind: 'Deployment', scope: 'namespace' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', scope: 'namespace' },
  { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', scope: 'namespace' },
  { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', scope: 'cluster' },
  { apiVersion: 'projectcalico.org/v3', kind: 'Tier', scope: 'cluster' },
  { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', scope: 'namespace-and-root' },
  { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', scope: 'namespace-and-root' },
  { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', scope: 'namespace' },
  { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', scope: 'namespace' },
  { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', scope: 'namespace' },
  { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', scope: 'namespace' },
  { apiVersion: 'networking.istio.io/v1alpha3', kind: 'EnvoyFilter', scope: 'namespace' },
];

/** Options of readCluster. */
export interface ReadClusterOptions {
  /** The app's namespace (the flow graph's). */
  readonly namespace: string;
  /** Istio's root namespace, whose PeerAuthentication and AuthorizationPolicy apply mesh-wide; default istio-system. */
  readonly rootNamespace?: string;
}

/** What verify read: the namespaces (those that exist) and every object of VERIFY_READS. */
export interface ClusterSnapshot {
  readonly namespaces: readonly LiveObject[];
  readonly objects: readonly LiveObject[];
}

/**
 * Reads the namespace, the mesh root namespace and every kind of VERIFY_READS, in parallel. A kind the server
 * does not serve (a missing CRD), a forbidden read or an unreachable server rejects with its KubeError.
 */
export async function readCluster(client: KubeClient, options: ReadClusterOptions): Promise<ClusterSnapshot> {
  const root = options.rootNamespace ?? 'istio-system';
  const namespaceNames = [...new Set([options.namespace, root])];
  const namespaces = (
    await Promise.all(namespaceNames.map((name) => client.get('v1', 'Namespace', name)))
  ).filter((ns): ns is LiveObject => ns !== undefined);
  const lists = VERIFY_READS.flatMap((read) => {
    if (read.scope === 'cluster') return [client.list(read.apiVersion, read.kind)];
    const where = read.scope === 'namespace' ? [options.namespace] : namespaceNames;
    return where.map((ns) => client.list(read.apiVersion, read.kind, ns));
  });
  const settled = await Promise.allSettled(lists);
  // Report the most telling failure first: no server at all, then credentials, then a missing CRD.
  const order = ['unreachable', 'timeout', 'unauthorized', 'forbidden', 'missing-crd', 'api', 'config'];
  const failures = settled
    .filter((s): s is PromiseRejectedResult => s.status === 'rejected')
    .map((s) => s.reason as unknown);
  if (failures.length) {
    const kube = failures.filter((f): f is KubeError => f instanceof KubeError);
    if (kube.length !== failures.length) throw failures.find((f) => !(f instanceof KubeError));
    throw kube.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))[0];
  }
  return {
    namespaces,
    objects: settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : [])),
  };
}
