import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { ConnSet, type Protocol } from './conn-set';
import { parseCidr } from './ip-set';
import { ManifestError } from './manifest-objects';
import type { NamespaceInfo, Workload } from './workloads';

const LabelsSchema = Type.Record(Type.String({ minLength: 1 }), Type.String());
const PortNumberSchema = Type.Integer({ minimum: 1, maximum: 65535 });
const ProtocolSchema = Type.Union([Type.Literal('TCP'), Type.Literal('UDP'), Type.Literal('SCTP')]);
const RefSchema = Type.String({
  minLength: 1,
  description: 'a workload name in the app namespace, `namespace/name`, or a peer name',
});
const RefsSchema = Type.Union([RefSchema, Type.Array(RefSchema, { minItems: 1 })]);
const PortEntrySchema = Type.Object(
  { port: PortNumberSchema, protocol: Type.Optional(ProtocolSchema) },
  { additionalProperties: false },
);
const HttpSchema = Type.Object(
  {
    methods: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Z]+$' }), { minItems: 1, uniqueItems: true }),
    ),
    paths: Type.Optional(
      Type.Array(Type.String({ pattern: '^(/|\\*)' }), { minItems: 1, uniqueItems: true }),
    ),
  },
  { additionalProperties: false },
);

/** A well-known workload outside the manifests (ingress gateway, Prometheus, kube-dns, istiod). */
export const PeerSchema = Type.Object(
  {
    namespace: Type.String({ minLength: 1 }),
    labels: LabelsSchema,
    serviceAccount: Type.String({ minLength: 1 }),
    mesh: Type.Boolean({ description: 'whether it runs an Istio proxy (has a mesh identity)' }),
    service: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'the Service in front of it, in its namespace (the host Sidecar egress lists import)',
      }),
    ),
    namespaceLabels: Type.Optional(LabelsSchema),
    ports: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.Optional(Type.String()),
            port: PortNumberSchema,
            protocol: Type.Optional(ProtocolSchema),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    description: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** An address block: a CIDR less some CIDRs inside it. */
const AddressesSchema = Type.Object(
  {
    cidr: Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+$' }),
    except: Type.Optional(Type.Array(Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+$' }))),
  },
  { additionalProperties: false },
);

/**
 * A host outside the cluster that flows may name as a destination: reached only through a gateway peer, on its pod
 * port `viaPort`; the gateway then connects to `addresses` on `port`. Present where the manifests hold a ServiceEntry
 * for `host`; elsewhere its flows are skipped, and said so.
 */
export const ExternalSchema = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: PortNumberSchema,
    via: Type.String({ minLength: 1, description: 'the peer (an egress gateway) that alone may reach it' }),
    viaPort: PortNumberSchema,
    addresses: AddressesSchema,
    description: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** One declared flow: sources to destinations on ports, with the HTTP requests it carries. */
export const FlowSchema = Type.Object(
  {
    from: RefsSchema,
    to: RefsSchema,
    port: Type.Optional(PortNumberSchema),
    protocol: Type.Optional(ProtocolSchema),
    ports: Type.Optional(Type.Array(PortEntrySchema, { minItems: 1 })),
    http: Type.Optional(HttpSchema),
    by: Type.Optional(
      Type.Union([Type.Literal('app'), Type.Literal('sidecar')], {
        description:
          "who opens the connection: the app (default; its outbound TCP passes its sidecar's Sidecar egress) or the sidecar itself (xDS to istiod; never captured)",
      }),
    ),
    why: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** A flow that must be denied. */
export const ProbeSchema = Type.Object(
  {
    from: RefsSchema,
    to: RefsSchema,
    port: PortNumberSchema,
    protocol: Type.Optional(ProtocolSchema),
    why: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** The flow graph file (k8s/flows.yaml): the single statement of which flows the app needs. */
export const FlowGraphSchema = Type.Object(
  {
    apiVersion: Type.Literal('ztmesh.dev/v1alpha1'),
    kind: Type.Literal('FlowGraph'),
    namespace: Type.String({
      minLength: 1,
      description:
        'the app namespace of the default layout: where every workload lives unless a layout places it elsewhere',
    }),
    layouts: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }),
        Type.Record(
          Type.String({ minLength: 1 }),
          Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }),
          {
            description:
              'workload name -> the namespace it lives in under this layout (others stay in `namespace`)',
          },
        ),
        {
          description:
            'other placements of the same workloads (e.g. one namespace each); the diff uses the layout the manifests match',
        },
      ),
    ),
    trustDomain: Type.Optional(Type.String({ minLength: 1 })),
    workloads: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      uniqueItems: true,
      description:
        'the app workloads (in the app namespace) flows may name; one missing from the manifests is drift unless it is optional',
    }),
    optional: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        uniqueItems: true,
        description:
          'workloads an overlay may leave out (e.g. the load generator): where one is absent its flows and probes are skipped, and said so',
      }),
    ),
    peers: Type.Optional(Type.Record(Type.String({ minLength: 1 }), PeerSchema)),
    externals: Type.Optional(Type.Record(Type.String({ minLength: 1 }), ExternalSchema)),
    flows: Type.Array(FlowSchema, { minItems: 1 }),
    probes: Type.Optional(Type.Array(ProbeSchema)),
  },
  { additionalProperties: false },
);

/** The flow graph as written. */
export type FlowGraphDocument = Static<typeof FlowGraphSchema>;

/** A resolved flow between two workloads. */
export interface DeclaredFlow {
  readonly from: Workload;
  readonly to: Workload;
  readonly conn: ConnSet;
  readonly ports: ReadonlyArray<{ readonly port: number; readonly protocol: Protocol }>;
  readonly http?: { readonly methods?: readonly string[]; readonly paths?: readonly string[] };
  readonly line: number;
}

/** Where each workload of the graph lives under one layout. */
export interface Placement {
  /** `default` (every workload in the graph's `namespace`) or the name of an entry of `layouts`. */
  readonly layout: string;
  /** Workload name -> namespace, for every declared workload. */
  readonly namespaceOf: ReadonlyMap<string, string>;
  /** The distinct namespaces the app's workloads live in, sorted. */
  readonly namespaces: readonly string[];
}

/** A parsed and validated flow graph. */
export interface FlowGraph {
  readonly file: string;
  readonly document: FlowGraphDocument;
  /** Line of each flow (by index) and probe, for messages. */
  readonly flowLines: readonly number[];
  readonly probeLines: readonly number[];
  /** The default placement first, then one per entry of `layouts`. */
  readonly placements: readonly Placement[];
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile<FlowGraphDocument>(FlowGraphSchema);

/** Parses and validates a flow graph; errors name file, line and field. */
export function parseFlowGraph(text: string, file: string): FlowGraph {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new ManifestError(
      { file, line: counter.linePos(e.pos[0]).line },
      'FlowGraph',
      `invalid YAML: ${e.message.split('\n')[0]}`,
    );
  }
  const lineAt = (path: Array<string | number>): number => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
    }
    return 1;
  };
  const value = doc.toJS() as unknown;
  if (!validate(value)) {
    const messages = (validate.errors ?? []).slice(0, 5).map((err) => {
      const path = err.instancePath
        .split('/')
        .slice(1)
        .map((p) => (/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')));
      const extra =
        err.keyword === 'additionalProperties'
          ? ` (${(err.params as { additionalProperty: string }).additionalProperty})`
          : '';
      return `line ${lineAt(path)}: ${err.instancePath || '/'} ${err.message}${extra}`;
    });
    const first = (validate.errors ?? [])[0];
    const firstPath = first
      ? first.instancePath
          .split('/')
          .slice(1)
          .map((p) => (/^\d+$/.test(p) ? Number(p) : p))
      : [];
    throw new ManifestError(
      { file, line: lineAt(firstPath) },
      'FlowGraph',
      `does not match the flow graph schema: ${messages.join('; ')}`,
    );
  }
  // Every reference must name a declared workload, a peer, or `namespace/name`: a typo is bad input, not drift.
  const known = new Set([
    ...value.workloads,
    ...Object.keys(value.peers ?? {}),
    ...Object.keys(value.externals ?? {}),
  ]);
  const checkRefs = (list: 'flows' | 'probes', i: number, field: 'from' | 'to', ref: string | string[]) => {
    [ref].flat().forEach((r, j) => {
      if (known.has(r) || r.includes('/')) return;
      const path = Array.isArray(ref) ? [list, i, field, j] : [list, i, field];
      throw new ManifestError(
        { file, line: lineAt(path) },
        'FlowGraph',
        `/${path.join('/')}: "${r}" is neither a declared workload (${value.workloads.join(', ')}) nor a peer`,
      );
    });
  };
  value.flows.forEach((f, i) => (['from', 'to'] as const).forEach((k) => checkRefs('flows', i, k, f[k])));
  // An external host is a destination only, named alone, and reached through a declared peer.
  const externals = value.externals ?? {};
  for (const [name, external] of Object.entries(externals)) {
    [external.addresses.cidr, ...(external.addresses.except ?? [])].forEach((cidr, j) => {
      if (typeof parseCidr(cidr) !== 'object')
        throw new ManifestError(
          {
            file,
            line: lineAt(
              j === 0
                ? ['externals', name, 'addresses', 'cidr']
                : ['externals', name, 'addresses', 'except', j - 1],
            ),
          },
          'FlowGraph',
          `/externals/${name}/addresses: "${cidr}" is not an IPv4 CIDR`,
        );
    });
    if (!(value.peers ?? {})[external.via])
      throw new ManifestError(
        { file, line: lineAt(['externals', name, 'via']) },
        'FlowGraph',
        `/externals/${name}/via: "${external.via}" is not a declared peer`,
      );
  }
  value.flows.forEach((f, i) => {
    const to = [f.to].flat();
    const from = [f.from].flat();
    from.forEach((r, j) => {
      if (externals[r])
        throw new ManifestError(
          { file, line: lineAt(Array.isArray(f.from) ? ['flows', i, 'from', j] : ['flows', i, 'from']) },
          'FlowGraph',
          `/flows/${i}/from: "${r}" is an external host: it can only be a destination`,
        );
    });
    if (to.some((r) => externals[r]) && to.length > 1)
      throw new ManifestError(
        { file, line: lineAt(['flows', i, 'to']) },
        'FlowGraph',
        `/flows/${i}/to: an external host is named alone`,
      );
  });
  (value.probes ?? []).forEach((p, i) =>
    (['from', 'to'] as const).forEach((k) => checkRefs('probes', i, k, p[k])),
  );
  (value.optional ?? []).forEach((name, i) => {
    if (!value.workloads.includes(name))
      throw new ManifestError(
        { file, line: lineAt(['optional', i]) },
        'FlowGraph',
        `/optional/${i}: "${name}" is not a declared workload (${value.workloads.join(', ')})`,
      );
  });
  const placements: Placement[] = [placementOf('default', value.workloads, value.namespace, {})];
  for (const [layout, placed] of Object.entries(value.layouts ?? {})) {
    for (const name of Object.keys(placed)) {
      if (!value.workloads.includes(name))
        throw new ManifestError(
          { file, line: lineAt(['layouts', layout, name]) },
          'FlowGraph',
          `/layouts/${layout}/${name}: "${name}" is not a declared workload (${value.workloads.join(', ')})`,
        );
    }
    placements.push(placementOf(layout, value.workloads, value.namespace, placed));
  }
  const flowLines = value.flows.map((_, i) => lineAt(['flows', i]));
  const probeLines = (value.probes ?? []).map((_, i) => lineAt(['probes', i]));
  return { file, document: value, flowLines, probeLines, placements };
}

function placementOf(
  layout: string,
  workloads: readonly string[],
  namespace: string,
  placed: Readonly<Record<string, string>>,
): Placement {
  const namespaceOf = new Map(workloads.map((name) => [name, placed[name] ?? namespace]));
  return { layout, namespaceOf, namespaces: [...new Set(namespaceOf.values())].sort() };
}

/**
 * The placement the manifests use: `name` when given (an unknown name is bad input), else the one under which
 * most declared workloads are found where it puts them (ties: the earlier, so the default wins).
 */
export function choosePlacement(graph: FlowGraph, workloads: readonly Workload[], name?: string): Placement {
  if (name !== undefined) {
    const found = graph.placements.find((p) => p.layout === name);
    if (!found)
      throw new ManifestError(
        { file: graph.file, line: 1 },
        'FlowGraph',
        `layout "${name}" is not declared (${graph.placements.map((p) => p.layout).join(', ')})`,
      );
    return found;
  }
  const score = (p: Placement) =>
    [...p.namespaceOf].filter(([wl, ns]) =>
      workloads.some((w) => w.origin === 'manifest' && w.name === wl && w.namespace === ns),
    ).length;
  return graph.placements.reduce((best, p) => (score(p) > score(best) ? p : best));
}

/** The workloads and namespaces of the graph's peers, to add to an analysis. */
export function peerWorkloads(graph: FlowGraph): { workloads: Workload[]; namespaces: NamespaceInfo[] } {
  const workloads: Workload[] = [];
  const namespaces = new Map<string, Record<string, string>>();
  for (const [name, peer] of Object.entries(graph.document.peers ?? {})) {
    workloads.push({
      id: `${peer.namespace}/${name}[Peer]`,
      namespace: peer.namespace,
      name,
      kind: 'Peer',
      labels: peer.labels,
      serviceAccount: peer.serviceAccount,
      ports: (peer.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? 'TCP' })),
      annotations: {},
      mesh: peer.mesh,
      service: peer.service,
      origin: 'peer',
    });
    namespaces.set(peer.namespace, {
      ...(namespaces.get(peer.namespace) ?? {}),
      ...(peer.namespaceLabels ?? {}),
    });
  }
  return { workloads, namespaces: [...namespaces].map(([name, labels]) => ({ name, labels })) };
}

/**
 * Finds the workloads a reference names: a peer, `namespace/name`, or a workload in the namespace the placement
 * (default: the graph's default layout) puts it in.
 */
export function resolveRef(
  graph: FlowGraph,
  ref: string,
  workloads: readonly Workload[],
  placement: Placement = graph.placements[0],
): Workload[] {
  const peer = workloads.filter((w) => w.origin === 'peer' && w.name === ref);
  if (peer.length > 0) return peer;
  const [ns, name] = ref.includes('/')
    ? ref.split('/', 2)
    : [placement.namespaceOf.get(ref) ?? graph.document.namespace, ref];
  return workloads.filter((w) => w.origin !== 'probe' && w.namespace === ns && w.name === name);
}

/** Port and protocol pairs of a flow (`port`+`protocol` or `ports`). */
export function flowPorts(flow: {
  port?: number;
  protocol?: Protocol;
  ports?: ReadonlyArray<{ port: number; protocol?: Protocol }>;
}): Array<{ port: number; protocol: Protocol }> {
  const out = (flow.ports ?? []).map((p) => ({ port: p.port, protocol: p.protocol ?? ('TCP' as Protocol) }));
  if (flow.port !== undefined) out.push({ port: flow.port, protocol: flow.protocol ?? 'TCP' });
  return out;
}
