import type { Protocol } from './conn-set';
import type { Labels } from './label-selector';
import { describeObject, ManifestError, type ManifestObject, type SourceRef } from './manifest-objects';

/** A named or numbered port a container listens on. */
export interface ContainerPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol: Protocol;
}

/** A set of identical pods (one workload object or one bare pod): the unit the analyzer reports on. */
export interface Workload {
  /** np-guard's notation: `namespace/name[Kind]`. */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly kind: string;
  readonly labels: Labels;
  readonly serviceAccount: string;
  readonly ports: readonly ContainerPort[];
  /** Pod-template annotations and labels decide sidecar injection. */
  readonly annotations: Labels;
  readonly source?: SourceRef;
  /** Set for peers the flow graph declares (outside the manifests): whether they run an Istio proxy. */
  readonly mesh?: boolean;
  /** Set for peers: the Service in front of them (in their namespace), the host a Sidecar egress list names. */
  readonly service?: string;
  /** `peer`: a well-known workload from the flow graph; `probe`: a synthetic pod of the canonical probes. */
  readonly origin?: 'manifest' | 'peer' | 'probe';
}

/** A namespace with its labels, including the automatic `kubernetes.io/metadata.name`. */
export interface NamespaceInfo {
  readonly name: string;
  readonly labels: Labels;
}

/** The workload kinds the analyzer reads pods from, mapped to the path of their pod template. */
export const WORKLOAD_KINDS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  Pod: [],
};

const PROTOCOL_NAMES = new Set(['TCP', 'UDP', 'SCTP']);

function dig(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const key of path) cur = (cur as Record<string, unknown> | undefined)?.[key];
  return cur;
}

function stringMap(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}

/** Namespace of an object, `defaultNamespace` when the manifest leaves it out. */
export function namespaceOf(obj: ManifestObject, defaultNamespace: string): string {
  return obj.metadata.namespace || defaultNamespace;
}

function readPorts(obj: ManifestObject, podSpec: Record<string, unknown>, field: string): ContainerPort[] {
  const ports: ContainerPort[] = [];
  const containers = [
    ...((podSpec.containers as unknown[]) ?? []),
    ...((podSpec.initContainers as unknown[]) ?? []),
  ];
  containers.forEach((c, ci) => {
    const list = (c as Record<string, unknown>)?.ports;
    if (!Array.isArray(list)) return;
    list.forEach((p: Record<string, unknown>, pi) => {
      const where = `${field}.containers[${ci}].ports[${pi}]`;
      const port = p?.containerPort;
      // A port entry without containerPort (a misspelt field) names nothing a policy could match: skipped.
      if (port === undefined) return;
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw new ManifestError(
          obj.source,
          describeObject(obj),
          `${where}.containerPort: port out of range (${String(port)}), must be 1-65535`,
        );
      }
      const protocol = String(p.protocol ?? 'TCP');
      if (!PROTOCOL_NAMES.has(protocol)) {
        throw new ManifestError(
          obj.source,
          describeObject(obj),
          `${where}.protocol: must be TCP, UDP or SCTP (got ${protocol})`,
        );
      }
      ports.push({
        name: typeof p.name === 'string' ? p.name : undefined,
        port,
        protocol: protocol as Protocol,
      });
    });
  });
  return ports;
}

/**
 * Reads the workloads of a set of objects. Pods owned by a controller are reported under their owner (as
 * np-guard does); workload objects stand for all their replicas.
 */
export function extractWorkloads(objects: readonly ManifestObject[], defaultNamespace: string): Workload[] {
  const byId = new Map<string, Workload>();
  for (const obj of objects) {
    const templatePath = WORKLOAD_KINDS[obj.kind];
    if (!templatePath || !/^(v1|apps\/|batch\/|extensions\/)/.test(obj.apiVersion || 'v1')) continue;
    const namespace = namespaceOf(obj, defaultNamespace);
    const template = (templatePath.length === 0 ? obj : dig(obj, templatePath)) as
      Record<string, unknown> | undefined;
    const meta = (template?.metadata ?? {}) as Record<string, unknown>;
    const podSpec = (template?.spec ?? {}) as Record<string, unknown>;
    const field = templatePath.length === 0 ? 'spec' : `${templatePath.join('.')}.spec`;
    let kind = obj.kind;
    let name = obj.metadata.name ?? '';
    if (obj.kind === 'Pod') {
      const owner = (obj.metadata.ownerReferences ?? []).find((o) => o?.controller === true);
      if (owner && owner.kind !== 'Node' && owner.name) {
        kind = owner.kind || 'Pod';
        name = owner.name;
      }
    }
    const id = `${namespace}/${name}[${kind}]`;
    const labels = stringMap(meta.labels);
    const workload: Workload = {
      id,
      namespace,
      name,
      kind,
      labels,
      serviceAccount: String(podSpec.serviceAccountName ?? podSpec.serviceAccount ?? 'default'),
      ports: readPorts(obj, podSpec, field),
      annotations: { ...stringMap(meta.annotations), ...labels },
      source: obj.source,
      origin: 'manifest',
    };
    const previous = byId.get(id);
    // Pods of one owner with different labels become variants of one workload; each is analyzed on its own.
    const key =
      previous && JSON.stringify(previous.labels) !== JSON.stringify(labels)
        ? `${id}#${JSON.stringify(labels)}`
        : id;
    if (!byId.has(key)) byId.set(key, workload);
  }
  return [...byId.values()];
}

/** Namespaces from Namespace objects plus every namespace an object lives in, each with its automatic name label. */
export function extractNamespaces(
  objects: readonly ManifestObject[],
  defaultNamespace: string,
  extra: readonly string[] = [],
): NamespaceInfo[] {
  const labels = new Map<string, Record<string, string>>();
  const ensure = (name: string) => {
    let l = labels.get(name);
    if (!l) {
      l = { 'kubernetes.io/metadata.name': name };
      labels.set(name, l);
    }
    return l;
  };
  for (const obj of objects) {
    if (obj.kind === 'Namespace' && obj.metadata.name) {
      Object.assign(ensure(obj.metadata.name), stringMap(obj.metadata.labels), {
        'kubernetes.io/metadata.name': obj.metadata.name,
      });
    } else if (obj.kind !== 'Namespace' && !/^(Cluster|Global)/.test(obj.kind) && obj.kind !== 'Tier') {
      ensure(namespaceOf(obj, defaultNamespace));
    }
  }
  for (const name of extra) ensure(name);
  return [...labels.entries()].map(([name, l]) => ({ name, labels: l }));
}
