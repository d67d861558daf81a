import { compileCalicoPolicy, readTiers } from './calico-policies';
import { ConnSet } from './conn-set';
import { buildEndpoints, type Endpoint } from './endpoints';
import { FindingLog, type AnalysisFinding } from './findings';
import { subtractIntervals, unionIntervals } from './conn-set';
import { IPV4_MAX, parseCidr, partitionIpv4, type IpRange } from './ip-set';
import { httpPortsOf } from './http-ports';
import { IstioLayer, type IstioOptions } from './istio-policies';
import { L4Engine } from './l4-engine';
import { listConnections } from './list-connections';
import { describeObject, ManifestError, type ManifestObject } from './manifest-objects';
import { SidecarEgress } from './sidecar-egress';
import { compileKubernetesNetworkPolicy, type CompileContext, type CompiledPolicy } from './network-policies';
import {
  extractNamespaces,
  extractWorkloads,
  namespaceOf,
  WORKLOAD_KINDS,
  type NamespaceInfo,
  type Workload,
} from './workloads';

/** Kinds that carry no connectivity semantics for the model: read and ignored on purpose. */
export const IGNORED_KINDS: ReadonlySet<string> = new Set([
  'ConfigMap',
  'Secret',
  'Role',
  'RoleBinding',
  'ClusterRole',
  'ClusterRoleBinding',
  'IngressClass',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'ResourceQuota',
  'LimitRange',
  'PriorityClass',
  'CustomResourceDefinition',
  'Gateway',
  'VirtualService',
  'DestinationRule',
  'Telemetry',
  'ProxyConfig',
  'WasmPlugin',
  'Endpoints',
  'EndpointSlice',
  'StorageClass',
  'PersistentVolumeClaim',
  'PersistentVolume',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'APIService',
  'Kustomization',
  'StagedNetworkPolicy',
  'StagedGlobalNetworkPolicy',
  'StagedKubernetesNetworkPolicy',
  'ServiceMonitor',
  'PodMonitor',
  'VerticalPodAutoscaler',
  'PodSecurityPolicy',
  'CSIDriver',
  'ControllerRevision',
  'Event',
  'Lease',
]);

/** Kinds whose effect on traffic the model does not compute: reported, never read as allow or deny. */
const UNMODELLED_KINDS: Readonly<Record<string, string>> = {
  ServiceEntry: 'ServiceEntry (mesh-external hosts) is not analyzed',
  EnvoyFilter: 'EnvoyFilter can change any traffic and is not analyzed',
  WorkloadEntry: 'WorkloadEntry (VMs in the mesh) is not analyzed',
  WorkloadGroup: 'WorkloadGroup is not analyzed',
  Ingress: 'Ingress objects are not analyzed (the ingress controller is not modelled)',
  Route: 'OpenShift Routes are not analyzed',
  AdminNetworkPolicy: 'AdminNetworkPolicy is not analyzed',
  BaselineAdminNetworkPolicy: 'BaselineAdminNetworkPolicy is not analyzed',
  ClusterNetworkPolicy: 'ClusterNetworkPolicy is not analyzed',
  NetworkSet: 'Calico NetworkSets are not analyzed (rules selecting them match nothing here)',
  GlobalNetworkSet: 'Calico GlobalNetworkSets are not analyzed (rules selecting them match nothing here)',
  HostEndpoint: 'Calico HostEndpoints are not analyzed',
  MultiNetworkPolicy: 'MultiNetworkPolicy (secondary networks) is not analyzed',
  NetworkAttachmentDefinition: 'secondary networks are not analyzed',
  UserDefinedNetwork: 'user-defined networks are not analyzed',
  ClusterUserDefinedNetwork: 'user-defined networks are not analyzed',
  VirtualMachine: 'virtual machines are not analyzed',
  VirtualMachineInstance: 'virtual machines are not analyzed',
};

/** Options of one analysis. */
export interface AnalyzeOptions {
  /** Namespace of objects that have none. Default `default`. */
  readonly defaultNamespace?: string;
  /** Workloads outside the manifests (well-known peers, canonical probes). */
  readonly extraWorkloads?: readonly Workload[];
  /** Namespaces (with labels) of those workloads; the automatic name label is added. */
  readonly extraNamespaces?: readonly NamespaceInfo[];
  /** Skip unknown kinds with a finding instead of failing. Default false (unknown kind is bad input). */
  readonly allowUnknownKinds?: boolean;
  readonly istio?: IstioOptions;
}

/** One allowed connection at L3/L4 between two peers, as np-guard lists it. */
export interface Connection {
  readonly src: string;
  readonly dst: string;
  readonly conn: ConnSet;
}

/** The result of analyzing a set of objects: the connectivity model and what could not be modelled. */
export interface Analysis {
  readonly workloads: readonly Workload[];
  readonly namespaces: readonly NamespaceInfo[];
  readonly endpoints: readonly Endpoint[];
  readonly externalBlocks: { readonly ingress: readonly IpRange[]; readonly egress: readonly IpRange[] };
  readonly engine: L4Engine;
  readonly istio: IstioLayer;
  /** The source side of L7: what each workload's Sidecar resource lets its app connect to. */
  readonly egress: SidecarEgress;
  readonly findings: readonly AnalysisFinding[];
  readonly policyCount: number;
  /** The endpoint class of a workload. */
  endpointOf(w: Workload): Endpoint;
  /** L4 connections between two workloads. */
  l4(src: Workload, dst: Workload): ConnSet;
  /** Whether a Service declares this container port of the workload as HTTP (appProtocol or port name). */
  isHttpPort(w: Workload, port: number): boolean;
  /** Every allowed connection between distinct peers (workloads and outside blocks), sorted as np-guard prints them. */
  connections(): Connection[];
}

function isNetworkPolicyApi(obj: ManifestObject): 'k8s' | 'calico' | undefined {
  if (obj.kind === 'NetworkPolicy' && obj.apiVersion.startsWith('networking.k8s.io/')) return 'k8s';
  if (
    (obj.kind === 'NetworkPolicy' || obj.kind === 'GlobalNetworkPolicy') &&
    obj.apiVersion.includes('projectcalico.org/')
  )
    return 'calico';
  return undefined;
}

function unionIntervalList(flat: number[]): number[] {
  let acc: number[] = [];
  for (let i = 0; i < flat.length; i += 2) acc = unionIntervals(acc, [flat[i], flat[i + 1]]);
  return acc;
}

function collectIpRanges(objects: readonly ManifestObject[], dir: 'ingress' | 'egress'): IpRange[] {
  // Every CIDR that a rule of this direction names cuts the address space; the blocks between cuts act alike.
  const ranges: IpRange[] = [];
  const cidrs = (value: unknown): number[] => {
    const out: number[] = [];
    for (const text of Array.isArray(value) ? value : []) {
      const r = parseCidr(String(text));
      if (typeof r === 'object') out.push(r.from, r.to);
    }
    return out.length === 0 ? [] : unionIntervalList(out);
  };
  // A peer's address set (cidr minus except, nets minus notNets) cuts the space at its own boundaries.
  const addSet = (include: number[], exclude: number[]) => {
    const set = subtractIntervals(include, exclude);
    for (let i = 0; i < set.length; i += 2) ranges.push({ from: set[i], to: set[i + 1] });
  };
  const visit = (peer: Record<string, unknown> | undefined, api: 'k8s' | 'calico') => {
    if (!peer) return;
    if (api === 'k8s') {
      const block = peer.ipBlock as { cidr?: string; except?: string[] } | undefined;
      if (block) addSet(cidrs([block.cidr]), cidrs(block.except));
    } else if (peer.nets || peer.notNets) {
      addSet(peer.nets ? cidrs(peer.nets) : [0, IPV4_MAX], cidrs(peer.notNets));
    }
  };
  for (const obj of objects) {
    const api = isNetworkPolicyApi(obj);
    const rules = (obj.spec as Record<string, unknown> | undefined)?.[dir];
    if (!api || !Array.isArray(rules)) continue;
    // Only the remote side's addresses matter: `from` / `source` on ingress, `to` / `destination` on egress.
    for (const rule of rules as Array<Record<string, unknown>>) {
      if (api === 'k8s') {
        const peers = rule?.[dir === 'ingress' ? 'from' : 'to'];
        if (Array.isArray(peers)) for (const peer of peers) visit(peer as Record<string, unknown>, api);
      } else {
        visit(
          rule?.[dir === 'ingress' ? 'source' : 'destination'] as Record<string, unknown> | undefined,
          api,
        );
      }
    }
  }
  return ranges;
}

/** Kinds the model reads besides workloads and network policies. */
const MODELLED_KINDS: readonly string[] = [
  'Namespace',
  'Service',
  'ServiceAccount',
  'Tier',
  'Sidecar',
  'AuthorizationPolicy',
  'PeerAuthentication',
  'RequestAuthentication',
];

/** Analyzes Kubernetes, Calico and Istio objects into a connectivity model. Pure: no I/O. */
export function analyze(objects: readonly ManifestObject[], options: AnalyzeOptions = {}): Analysis {
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const findings = new FindingLog();
  const relevant = relevantObjects(objects, findings, options.allowUnknownKinds);
  noteHostNetwork(relevant, findings);
  const workloads = [...extractWorkloads(relevant, defaultNamespace), ...(options.extraWorkloads ?? [])];
  const namespaces = analysisNamespaces(relevant, defaultNamespace, workloads, options.extraNamespaces);
  const saLabels = serviceAccountLabels(relevant, defaultNamespace);
  const { endpoints, classOf } = buildEndpoints(workloads, namespaces, saLabels);
  const tiers = readTiers(relevant);
  const policies = compilePolicies(relevant, { defaultNamespace, findings }, tiers);
  const externalBlocks = {
    ingress: partitionIpv4(collectIpRanges(relevant, 'ingress')),
    egress: partitionIpv4(collectIpRanges(relevant, 'egress')),
  };
  const engine = new L4Engine(endpoints, externalBlocks, policies, tiers);
  const istio = new IstioLayer(relevant, defaultNamespace, findings, options.istio);
  const egress = new SidecarEgress(
    relevant,
    defaultNamespace,
    findings,
    istio.rootNamespace,
    options.istio?.clusterDomain ?? 'cluster.local',
  );
  const httpPorts = httpPortsOf(relevant, workloads, defaultNamespace);
  const endpointOf = (w: Workload) => {
    const ep = classOf.get(w);
    if (!ep) throw new Error(`workload ${w.id} is not part of this analysis`);
    return ep;
  };
  return {
    workloads,
    namespaces,
    endpoints,
    externalBlocks,
    engine,
    istio,
    egress,
    findings: findings.items,
    policyCount: policies.length,
    endpointOf,
    l4: (src, dst) => engine.connection({ pod: endpointOf(src).idx }, { pod: endpointOf(dst).idx }),
    isHttpPort: (w, port) => httpPorts.get(w)?.has(port) ?? false,
    connections: () => listConnections(workloads, endpointOf, engine),
  };
}

/** The objects the model reads; an unmodelled kind is a finding, an unknown one bad input (or a finding). */
function relevantObjects(
  objects: readonly ManifestObject[],
  findings: FindingLog,
  allowUnknownKinds: boolean | undefined,
): ManifestObject[] {
  const relevant: ManifestObject[] = [];
  for (const obj of objects) {
    const known =
      WORKLOAD_KINDS[obj.kind] !== undefined ||
      isNetworkPolicyApi(obj) ||
      IGNORED_KINDS.has(obj.kind) ||
      MODELLED_KINDS.includes(obj.kind);
    if (UNMODELLED_KINDS[obj.kind]) {
      findings.add({
        severity: 'unmodelled',
        object: describeObject(obj),
        field: 'kind',
        message: UNMODELLED_KINDS[obj.kind],
        source: obj.source,
      });
      continue;
    }
    if (!known) {
      if (!allowUnknownKinds)
        throw new ManifestError(
          obj.source,
          describeObject(obj),
          `unknown kind ${obj.kind} (apiVersion ${obj.apiVersion || 'missing'})`,
        );
      findings.add({
        severity: 'unmodelled',
        object: describeObject(obj),
        field: 'kind',
        message: `unknown kind ${obj.kind} skipped`,
        source: obj.source,
      });
      continue;
    }
    relevant.push(obj);
  }
  return relevant;
}

/** Host-network pods are reported: pod policies do not govern them as the model reads them. */
function noteHostNetwork(relevant: readonly ManifestObject[], findings: FindingLog): void {
  for (const obj of relevant) {
    const path = WORKLOAD_KINDS[obj.kind];
    if (!path) continue;
    let spec: unknown = obj;
    for (const key of path) spec = (spec as Record<string, unknown> | undefined)?.[key];
    const podSpec = (spec as { spec?: { hostNetwork?: boolean } } | undefined)?.spec;
    if (podSpec?.hostNetwork === true) {
      findings.add({
        severity: 'unmodelled',
        object: describeObject(obj),
        field: 'hostNetwork',
        message: "host-network pods use the node's address: pod policies do not govern them as analyzed here",
        source: obj.source,
      });
    }
  }
}

/** The manifests' and the workloads' namespaces, plus the extra workloads' (with the automatic name label). */
function analysisNamespaces(
  relevant: readonly ManifestObject[],
  defaultNamespace: string,
  workloads: readonly Workload[],
  extras: readonly NamespaceInfo[] = [],
): NamespaceInfo[] {
  const namespaces = extractNamespaces(
    relevant,
    defaultNamespace,
    workloads.map((w) => w.namespace),
  );
  for (const extra of extras) {
    const existing = namespaces.find((n) => n.name === extra.name);
    const labels = { ...extra.labels, 'kubernetes.io/metadata.name': extra.name };
    if (existing) Object.assign(existing.labels as Record<string, string>, labels, existing.labels);
    else namespaces.push({ name: extra.name, labels });
  }
  return namespaces;
}

/** The labels of each ServiceAccount, by `namespace/name` (Calico selects by them). */
function serviceAccountLabels(
  relevant: readonly ManifestObject[],
  defaultNamespace: string,
): Map<string, Record<string, string>> {
  const saLabels = new Map<string, Record<string, string>>();
  for (const obj of relevant) {
    if (obj.kind === 'ServiceAccount')
      saLabels.set(`${namespaceOf(obj, defaultNamespace)}/${obj.metadata.name}`, obj.metadata.labels ?? {});
  }
  return saLabels;
}

/** Every Kubernetes and Calico network policy, compiled, in input order. */
function compilePolicies(
  relevant: readonly ManifestObject[],
  ctx: CompileContext,
  tiers: ReturnType<typeof readTiers>,
): CompiledPolicy[] {
  const policies: CompiledPolicy[] = [];
  for (const obj of relevant) {
    const api = isNetworkPolicyApi(obj);
    if (api === 'k8s') policies.push(compileKubernetesNetworkPolicy(obj, ctx));
    else if (api === 'calico') policies.push(compileCalicoPolicy(obj, ctx, tiers));
  }
  return policies;
}
