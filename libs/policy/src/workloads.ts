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

/** What the analysis reads of a pod template (extractWorkloads, readPorts, analyze's hostNetwork note). */
const READ_TEMPLATE_FIELDS = ['metadata', 'spec'] as const;
const READ_TEMPLATE_METADATA_FIELDS = ['labels', 'annotations'] as const;
const READ_POD_FIELDS = [
  'serviceAccountName',
  'serviceAccount',
  'hostNetwork',
  'containers',
  'initContainers',
] as const;
/** Of a container only `ports` is read (readPorts); `name` is kept for anyone debugging. */
const READ_CONTAINER_FIELDS = ['name', 'ports'] as const;

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy of a mapping with only these of its own fields (in their order of `fields`). */
function pick(value: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of fields) if (Object.prototype.hasOwnProperty.call(value, key)) out[key] = value[key];
  return out;
}

/**
 * Slims a workload object, in place, to what `analyze` and `diffFlows` read of it, and returns it: along the path
 * to the pod template only that path, of the template its labels and annotations, of the pod spec its service
 * account, hostNetwork and containers, of a container its ports. Deliberate memory choice: the analysis keeps every
 * object to its end, and the rest of a workload (env, probes, resources, mounts, volumes, security contexts,
 * strategy) was most of a large input's memory while nothing in the model reads it. Only for a caller that hands
 * the objects to the analysis alone (`ztctl analyze`), never to a reader of whole objects (the validator, the
 * posture checks). Metadata is kept whole; anything that is not a mapping (or a list of mappings) where the path
 * expects one is left as it is, so that the analysis judges it as before.
 */
export function slimForAnalysis<T extends ManifestObject>(obj: T): T {
  const path = WORKLOAD_KINDS[obj.kind];
  if (!path) return obj;
  let holder = obj as Record<string, unknown>;
  for (let i = 0; i < path.length; i++) {
    const next = holder[path[i]];
    if (!isMapping(next)) return obj;
    // Above the template only the way down is read (a CronJob's spec.jobTemplate.spec.template).
    const slim = i + 1 < path.length ? pick(next, [path[i + 1]]) : pick(next, READ_TEMPLATE_FIELDS);
    holder[path[i]] = slim;
    holder = slim;
  }
  // `holder` is the pod template now (a Pod is its own: its metadata stays whole, only its spec is slimmed).
  if (path.length > 0 && isMapping(holder.metadata))
    holder.metadata = pick(holder.metadata, READ_TEMPLATE_METADATA_FIELDS);
  if (!isMapping(holder.spec)) return obj;
  const podSpec = pick(holder.spec, READ_POD_FIELDS);
  holder.spec = podSpec;
  for (const field of ['containers', 'initContainers'] as const) {
    const list = podSpec[field];
    if (Array.isArray(list))
      podSpec[field] = list.map((c: unknown) => (isMapping(c) ? pick(c, READ_CONTAINER_FIELDS) : c));
  }
  return obj;
}

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
