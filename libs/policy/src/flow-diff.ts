import { analyze, type Analysis, type AnalyzeOptions } from './analyze';
import { ConnSet, type Protocol } from './conn-set';
import {
  choosePlacement,
  flowPorts,
  peerWorkloads,
  resolveRef,
  type FlowGraph,
  type Placement,
} from './flow-graph';
import { formatIpRange, parseCidr, rangeContains, type IpRange } from './ip-set';
import { SIDECAR_PORTS, type HttpRequestSet } from './istio-policies';
import type { Endpoint } from './endpoints';
import type { ManifestObject } from './manifest-objects';
import type { Workload } from './workloads';

/** One declared flow and whether each layer lets it through. */
export interface DeclaredFlowStatus {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: Protocol;
  readonly http?: HttpRequestSet;
  readonly l4: boolean;
  /**
   * Istio's verdict: the source's Sidecar egress (for the app's outbound TCP from a pod of the manifests), then the
   * destination's mTLS and authorization. undefined when neither applies (no sidecar on either side, UDP, a
   * sidecar-served port, a connection the sidecar opens itself).
   */
  readonly l7?: { readonly allowed: boolean; readonly reason: string };
  readonly line: number;
}

/** A flow one layer allows although the graph does not declare it. */
export interface OverPermission {
  readonly from: string;
  readonly to: string;
  readonly layer: 'L4' | 'L7';
  readonly detail: string;
}

/** A flow that must be denied, and what each layer does with it. */
export interface ProbeResult {
  readonly probe: string;
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: Protocol;
  readonly l4Allowed: boolean;
  readonly l7Allowed?: boolean;
  readonly l7Reason?: string;
  readonly denied: boolean;
}

/** The comparison of rendered manifests with the declared flow graph. */
export interface FlowDiff {
  readonly analysis: Analysis;
  readonly declared: readonly DeclaredFlowStatus[];
  /** Declared flows some layer blocks (the app would break). */
  readonly blocked: readonly DeclaredFlowStatus[];
  /** Flows allowed but not declared (over-permissive), per layer. */
  readonly overPermissive: readonly OverPermission[];
  readonly probes: readonly ProbeResult[];
  /** References in the graph that name no workload. */
  readonly unresolved: readonly string[];
  /**
   * Optional workloads absent from these manifests, and external hosts no ServiceEntry of theirs declares: their
   * flows and probes are skipped.
   */
  readonly absent: readonly string[];
  /** Required workloads absent from these manifests: drift (their flows cannot be checked, so nothing passes). */
  readonly missing: readonly string[];
  /** Where the graph's workloads were looked for: the layout these manifests match. */
  readonly placement: Placement;
  /** True when the manifests allow exactly the declared flows and every probe is denied. */
  readonly match: boolean;
}

/** Options of diffFlows: the analysis's, plus the layout to hold the manifests to (default: the one they match). */
export interface DiffFlowsOptions extends AnalyzeOptions {
  readonly layout?: string;
}

/** Names of the synthetic probe workloads. */
export const PROBE_NAMESPACE = 'ztctl-probe';
const IMPOSTOR_SA = 'ztctl-impostor';

function probeWorkloads(placement: Placement, appWorkloads: readonly Workload[]): Workload[] {
  const base = { kind: 'Pod', ports: [], annotations: {}, origin: 'probe' as const };
  return [
    ...placement.namespaces.map((ns) => ({
      ...base,
      id: `${ns}/unlabeled-pod[Probe]`,
      namespace: ns,
      name: 'unlabeled-pod',
      labels: {},
      serviceAccount: 'default',
    })),
    {
      ...base,
      id: `${PROBE_NAMESPACE}/other-namespace-pod[Probe]`,
      namespace: PROBE_NAMESPACE,
      name: 'other-namespace-pod',
      labels: {},
      serviceAccount: 'default',
      // With a sidecar: a valid mesh identity from elsewhere, the harder case for L7 (plaintext fails on mTLS alone).
      mesh: true,
    },
    ...appWorkloads.map((w) => ({
      ...base,
      id: `${w.namespace}/impostor-of-${w.name}[Probe]`,
      namespace: w.namespace,
      name: `impostor-of-${w.name}`,
      labels: w.labels,
      ports: w.ports,
      annotations: w.annotations,
      serviceAccount: IMPOSTOR_SA,
    })),
    // The same labels and a ServiceAccount of the same name, in another namespace: only a policy that pins the
    // namespace (selector, principal) tells it apart. One in the probe namespace (no policy of ours governs its
    // egress) and one in each other app namespace.
    ...appWorkloads.flatMap((w) =>
      [PROBE_NAMESPACE, ...placement.namespaces.filter((ns) => ns !== w.namespace)].map((ns) => ({
        ...base,
        id: `${ns}/namesake-of-${w.name}[Probe]`,
        namespace: ns,
        name: `namesake-of-${w.name}`,
        labels: w.labels,
        ports: w.ports,
        annotations: w.annotations,
        serviceAccount: w.serviceAccount,
        ...(ns === PROBE_NAMESPACE ? { mesh: true } : {}),
      })),
    ),
  ];
}

/** Whether an outside block lies wholly, partly or not at all within an external's addresses. */
type AddressTest = (b: IpRange) => 'all' | 'some' | 'none';

/** Whether an outside block lies wholly, partly or not at all within a CIDR less its exceptions. */
function addressTest(addresses: { cidr: string; except?: string[] }): AddressTest {
  const range = (cidr: string): IpRange => {
    const r = parseCidr(cidr);
    if (typeof r !== 'object') throw new Error(`flow graph: ${cidr}: not an IPv4 CIDR`);
    return r;
  };
  const outer = range(addresses.cidr);
  const except = (addresses.except ?? []).map(range);
  const overlaps = (a: IpRange, b: IpRange) => a.from <= b.to && b.from <= a.to;
  return (b) => {
    if (!overlaps(outer, b)) return 'none';
    if (!rangeContains(outer, b) || except.some((e) => overlaps(e, b)))
      return except.some((e) => rangeContains(e, b)) ? 'none' : 'some';
    return 'all';
  };
}

type FlowEntry = FlowGraph['document']['flows'][number];
type External = NonNullable<FlowGraph['document']['externals']>[string];

/** What every step of the diff reads, and the graph problems the steps collect in the order they find them. */
interface DiffContext {
  readonly graph: FlowGraph;
  readonly analysis: Analysis;
  readonly placement: Placement;
  readonly workloads: readonly Workload[];
  /** The manifests' workloads in the app's namespaces: the subjects of the diff. */
  readonly appWorkloads: readonly Workload[];
  readonly byId: ReadonlyMap<string, Workload>;
  readonly isApp: (w: Workload) => boolean;
  readonly ep: (w: Workload) => Endpoint;
  /** Hosts some ServiceEntry of the manifests declares: the graph's externals that are present. */
  readonly entryHosts: ReadonlySet<string>;
  /** The workloads a graph reference names; a reference to nothing is noted in `unresolved` or `absent`. */
  readonly resolve: (ref: string | string[], line: number) => Workload[];
  readonly unresolved: string[];
  readonly absent: Set<string>;
}

/** The declared flows' verdicts and what they declare, per pair and port, for the over-permission step. */
interface DeclaredFlows {
  readonly declared: DeclaredFlowStatus[];
  /** Declared connections per `src|dst` pair. */
  readonly conn: Map<string, ConnSet>;
  /** Declared HTTP requests per `src|dst|port`. */
  readonly http: Map<string, HttpRequestSet | undefined>;
  /** What each gateway peer may reach outside: the declared address blocks and port, per external. */
  readonly gatewayOut: Map<string, Array<{ inside: AddressTest; port: number }>>;
  /** Externals no ServiceEntry of the manifests declares: their flows and probes are skipped. */
  readonly absentExternals: Set<string>;
}

/** Analyzes manifests together with the graph's peers and the canonical probes, and compares with the graph. */
export function diffFlows(
  objects: readonly ManifestObject[],
  graph: FlowGraph,
  options: DiffFlowsOptions = {},
): FlowDiff {
  const ctx = diffContext(objects, graph, options);
  const flows = declareGraphFlows(ctx);
  const blocked = flows.declared.filter((d) => !d.l4 || d.l7?.allowed === false);
  const overPermissive = [
    ...pairOverPermission(ctx, flows),
    ...externalOverPermission(ctx),
    ...gatewayOverPermission(ctx, flows),
  ];
  const probes = [
    ...outsiderProbes(ctx, flows.declared),
    ...poserProbes(ctx, flows.declared),
    ...externalProbes(ctx, flows.absentExternals),
    ...graphProbes(ctx),
  ];
  notePlacementProblems(ctx);
  const { missing, optional } = missingWorkloads(ctx);
  const match =
    blocked.length === 0 &&
    overPermissive.length === 0 &&
    probes.every((p) => p.denied) &&
    ctx.unresolved.length === 0 &&
    missing.length === 0;
  return {
    analysis: ctx.analysis,
    declared: flows.declared,
    blocked,
    overPermissive,
    probes,
    unresolved: ctx.unresolved,
    absent: [...[...ctx.absent].filter((name) => optional.has(name)), ...flows.absentExternals].sort(),
    missing,
    placement: ctx.placement,
    match,
  };
}

/** Analyzes the manifests with the graph's peers and the probes, and sets up the lookups the steps share. */
function diffContext(
  objects: readonly ManifestObject[],
  graph: FlowGraph,
  options: DiffFlowsOptions,
): DiffContext {
  const { layout, ...analyzeOptions } = options;
  const peers = peerWorkloads(graph);
  // A first pass finds the app's workloads so that impostors can copy their labels.
  const plain = analyze(objects, {
    ...analyzeOptions,
    extraWorkloads: peers.workloads,
    extraNamespaces: peers.namespaces,
  });
  const placement = choosePlacement(graph, plain.workloads, layout);
  const appNamespaces = new Set(placement.namespaces);
  const isApp = (w: Workload) => w.origin === 'manifest' && appNamespaces.has(w.namespace);
  const analysis = analyze(objects, {
    ...analyzeOptions,
    istio: { trustDomain: graph.document.trustDomain, ...analyzeOptions.istio },
    extraWorkloads: [...peers.workloads, ...probeWorkloads(placement, plain.workloads.filter(isApp))],
    extraNamespaces: peers.namespaces,
  });
  const workloads = analysis.workloads;
  const byId = new Map<string, Workload>();
  for (const w of workloads) if (!byId.has(w.id)) byId.set(w.id, w);
  const { resolve, unresolved, absent } = createResolver(graph, workloads, placement);
  const entryHosts = new Set(
    objects
      .filter((o) => o.kind === 'ServiceEntry')
      .flatMap((o) => ((o.spec as { hosts?: unknown[] } | undefined)?.hosts ?? []).map(String)),
  );
  const ep = (w: Workload) => analysis.endpointOf(w);
  const appWorkloads = workloads.filter(isApp);
  return {
    graph,
    analysis,
    placement,
    workloads,
    appWorkloads,
    byId,
    isApp,
    ep,
    entryHosts,
    resolve,
    unresolved,
    absent,
  };
}

/** Resolves the graph's references, noting each that names nothing: unresolved, or absent when declared. */
function createResolver(graph: FlowGraph, workloads: readonly Workload[], placement: Placement) {
  const unresolved: string[] = [];
  const absent = new Set<string>();
  const resolve = (ref: string | string[], line: number): Workload[] =>
    (Array.isArray(ref) ? ref : [ref]).flatMap((r) => {
      const found = resolveRef(graph, r, workloads, placement);
      if (found.length > 0) return found;
      if (graph.document.workloads.includes(r)) absent.add(r);
      else unresolved.push(`${graph.file}:${line}: "${r}" names no workload in the manifests and no peer`);
      return found;
    });
  return { resolve, unresolved, absent };
}

/** The connections a workload has to the outside blocks that `inside` puts wholly within an external's addresses. */
function outTo(ctx: DiffContext, w: Workload, inside: AddressTest) {
  const { analysis } = ctx;
  return analysis.externalBlocks.egress.flatMap((b, i) =>
    inside(b) === 'all'
      ? [{ block: b, conn: analysis.engine.connection({ pod: ctx.ep(w).idx }, { external: i }) }]
      : [],
  );
}

/** Checks every flow of the graph on both layers, in the graph's order. */
function declareGraphFlows(ctx: DiffContext): DeclaredFlows {
  const { graph, resolve } = ctx;
  const out: DeclaredFlows = {
    declared: [],
    conn: new Map(),
    http: new Map(),
    gatewayOut: new Map(),
    absentExternals: new Set(),
  };
  const externals = graph.document.externals ?? {};
  graph.document.flows.forEach((flow, i) => {
    const line = graph.flowLines[i];
    const ports = flowPorts(flow);
    const externalName = [flow.to].flat().find((r) => externals[r]);
    // A flow to an external host takes its ports from the external (the gateway's, then the host's).
    if (ports.length === 0 && externalName === undefined)
      ctx.unresolved.push(`${graph.file}:${line}: flow declares no port`);
    if (externalName !== undefined) declareExternalFlow(ctx, out, flow, externalName, line);
    else declarePairs(ctx, out, resolve(flow.from, line), resolve(flow.to, line), ports, flow, line);
  });
  return out;
}

/** A flow to an external host: the source to its gateway (both layers), then the gateway out (L4). */
function declareExternalFlow(
  ctx: DiffContext,
  out: DeclaredFlows,
  flow: FlowEntry,
  externalName: string,
  line: number,
): void {
  const external = (ctx.graph.document.externals ?? {})[externalName];
  if (!ctx.entryHosts.has(external.host)) {
    out.absentExternals.add(externalName);
    return;
  }
  const inside = addressTest(external.addresses);
  const gateways = ctx.resolve(external.via, line);
  for (const gw of gateways) {
    const list = out.gatewayOut.get(gw.id) ?? [];
    list.push({ inside, port: external.port });
    out.gatewayOut.set(gw.id, list);
  }
  // First hop: the source to the gateway's pod port, checked as any declared flow (both layers, Sidecar egress).
  const firstHop = [{ port: external.viaPort, protocol: 'TCP' as const }];
  declarePairs(ctx, out, ctx.resolve(flow.from, line), gateways, firstHop, { by: flow.by }, line);
  // Second hop: the gateway to the external addresses on the external port, at L4 (no sidecar out there).
  for (const gw of gateways) {
    const blocks = outTo(ctx, gw, inside);
    out.declared.push({
      from: gw.id,
      to: `${external.host}[External]`,
      port: external.port,
      protocol: 'TCP',
      l4: blocks.length > 0 && blocks.every((b) => b.conn.has('TCP', external.port)),
      line,
    });
  }
}

/** Records one declared flow between every source and destination on every port, with each layer's verdict. */
function declarePairs(
  ctx: DiffContext,
  out: DeclaredFlows,
  sources: readonly Workload[],
  destinations: readonly Workload[],
  ports: ReadonlyArray<{ port: number; protocol: Protocol }>,
  flow: { readonly http?: HttpRequestSet; readonly by?: 'app' | 'sidecar' },
  line: number,
): void {
  for (const src of sources) {
    for (const dst of destinations) {
      const key = `${src.id}|${dst.id}`;
      const allowed = ctx.analysis.l4(src, dst);
      for (const { port, protocol } of ports) {
        out.conn.set(key, (out.conn.get(key) ?? ConnSet.none).union(ConnSet.port(protocol, port)));
        out.http.set(`${key}|${port}`, flow.http);
        const l7 = declaredL7(ctx, src, dst, port, protocol, flow);
        out.declared.push({
          from: src.id,
          to: dst.id,
          port,
          protocol,
          http: flow.http,
          l4: allowed.has(protocol, port),
          l7: l7 && { allowed: l7.allowed, reason: l7.reason },
          line,
        });
      }
    }
  }
}

/** Istio's verdict on a declared flow: the source's Sidecar egress, then the destination's mTLS and authorization. */
function declaredL7(
  ctx: DiffContext,
  src: Workload,
  dst: Workload,
  port: number,
  protocol: Protocol,
  flow: { readonly http?: HttpRequestSet; readonly by?: 'app' | 'sidecar' },
): DeclaredFlowStatus['l7'] {
  const { analysis, ep } = ctx;
  const l7Applies = protocol === 'TCP' && ep(dst).mesh && !SIDECAR_PORTS.includes(port);
  // Sidecar egress can only break a declared flow; it is never counted as denying anything (below).
  const egress =
    src.origin === 'manifest' && ep(src).mesh && flow.by !== 'sidecar'
      ? analysis.egress.verdict(src, dst, port, protocol)
      : undefined;
  if (egress?.allowed === false || !l7Applies) return egress;
  // A passed-through connection leaves the source's sidecar without mTLS: the destination sees plaintext.
  const verdict = analysis.istio.evaluate(
    egress?.passthrough ? undefined : ep(src),
    ep(dst),
    port,
    flow.http,
  );
  return { allowed: verdict.allowed, reason: verdict.reason };
}

/** Over-permission between workloads: every pair that touches an app namespace, per layer. */
function pairOverPermission(ctx: DiffContext, flows: DeclaredFlows): OverPermission[] {
  const { analysis, ep, isApp } = ctx;
  const overPermissive: OverPermission[] = [];
  const subjects = ctx.workloads.filter((w) => w.origin !== 'probe');
  for (const src of subjects) {
    for (const dst of subjects) {
      if (src.id === dst.id || !(isApp(src) || isApp(dst))) continue;
      const declaredHere = flows.conn.get(`${src.id}|${dst.id}`) ?? ConnSet.none;
      const extra = analysis.l4(src, dst).subtract(declaredHere);
      if (!extra.isEmpty())
        overPermissive.push({ from: src.id, to: dst.id, layer: 'L4', detail: extra.toString() });
      if (ep(dst).mesh) overPermissive.push(...l7OverPermission(ctx, flows, src, dst, declaredHere));
      else if (dst.origin === 'manifest') {
        // An app workload without a sidecar has no L7 layer: nothing enforces identities, methods or paths.
        overPermissive.push({
          from: src.id,
          to: dst.id,
          layer: 'L7',
          detail: 'no sidecar on the destination: no L7 layer checks identity, method or path',
        });
      }
    }
  }
  return overPermissive;
}

/** What Istio lets through from one source to a sidecar-carrying destination beyond the declared flows. */
function l7OverPermission(
  ctx: DiffContext,
  flows: DeclaredFlows,
  src: Workload,
  dst: Workload,
  declaredHere: ConnSet,
): OverPermission[] {
  const { analysis, ep } = ctx;
  const found: OverPermission[] = [];
  const ports = new Set<number>([
    ...dst.ports.filter((p) => p.protocol === 'TCP').map((p) => p.port),
    // A port some flow declares to this destination is checked for every other source too (a peer such as the
    // egress gateway lists no ports of its own).
    ...flows.declared.filter((d) => d.to === dst.id && d.protocol === 'TCP').map((d) => d.port),
    ...declaredHere
      .ranges('TCP')
      .filter(([a, b]) => a === b)
      .map(([a]) => a),
  ]);
  for (const port of [...ports].sort((a, b) => a - b)) {
    if (SIDECAR_PORTS.includes(port)) continue;
    if (declaredHere.has('TCP', port)) {
      const declaredHttp = flows.http.get(`${src.id}|${dst.id}|${port}`);
      for (const grant of analysis.istio.overGrants(ep(src), ep(dst), port, declaredHttp))
        found.push({ from: src.id, to: dst.id, layer: 'L7', detail: `port ${port}: ${grant}` });
    } else if (analysis.istio.allowsAny(ep(src), ep(dst), port, analysis.isHttpPort(dst, port))) {
      found.push({
        from: src.id,
        to: dst.id,
        layer: 'L7',
        detail: `port ${port}: Istio lets ${ep(src).mesh ? analysis.istio.principalOf(ep(src)) : 'a plaintext source'} through`,
      });
    }
  }
  return found;
}

/** Outside addresses to and from the app's workloads (none is declared: any is over-permission). */
function externalOverPermission(ctx: DiffContext): OverPermission[] {
  const { analysis, ep } = ctx;
  const found: OverPermission[] = [];
  for (const w of ctx.workloads.filter((w) => w.origin !== 'probe' && ctx.isApp(w))) {
    analysis.externalBlocks.ingress.forEach((b, i) => {
      const c = analysis.engine.connection({ external: i }, { pod: ep(w).idx });
      if (!c.isEmpty())
        found.push({ from: `${formatIpRange(b)}[External]`, to: w.id, layer: 'L4', detail: c.toString() });
    });
    analysis.externalBlocks.egress.forEach((b, i) => {
      const c = analysis.engine.connection({ pod: ep(w).idx }, { external: i });
      if (!c.isEmpty())
        found.push({ from: w.id, to: `${formatIpRange(b)}[External]`, layer: 'L4', detail: c.toString() });
    });
  }
  return found;
}

/** What a gateway of a present external reaches outside beyond the declared addresses and port. */
function gatewayOverPermission(ctx: DiffContext, flows: DeclaredFlows): OverPermission[] {
  const { analysis, ep } = ctx;
  const found: OverPermission[] = [];
  for (const [gwId, outs] of flows.gatewayOut) {
    const gw = ctx.byId.get(gwId);
    if (!gw) continue;
    analysis.externalBlocks.egress.forEach((b, i) => {
      let allowed = ConnSet.none;
      for (const out of outs)
        if (out.inside(b) === 'all') allowed = allowed.union(ConnSet.port('TCP', out.port));
      const extra = analysis.engine.connection({ pod: ep(gw).idx }, { external: i }).subtract(allowed);
      if (!extra.isEmpty())
        found.push({
          from: gw.id,
          to: `${formatIpRange(b)}[External]`,
          layer: 'L4',
          detail: extra.toString(),
        });
    });
  }
  return found;
}

/** Both layers' verdict on one flow that must be denied. */
function probe(
  ctx: DiffContext,
  label: string,
  src: Workload,
  dst: Workload,
  port: number,
  protocol: Protocol,
  http?: HttpRequestSet,
): ProbeResult {
  const { analysis, ep } = ctx;
  const l4Allowed = analysis.l4(src, dst).has(protocol, port);
  const l7Applies = protocol === 'TCP' && ep(dst).mesh && !SIDECAR_PORTS.includes(port);
  let l7: { allowed: boolean; reason: string } | undefined;
  if (l7Applies) {
    l7 = http
      ? analysis.istio.evaluate(ep(src), ep(dst), port, http)
      : analysis.istio.allowsAny(ep(src), ep(dst), port, analysis.isHttpPort(dst, port))
        ? { allowed: true, reason: 'some request gets through' }
        : analysis.istio.evaluate(ep(src), ep(dst), port, analysis.isHttpPort(dst, port) ? {} : undefined);
  }
  return {
    probe: label,
    from: src.id,
    to: dst.id,
    port,
    protocol,
    l4Allowed,
    l7Allowed: l7?.allowed,
    l7Reason: l7?.reason,
    denied: !l4Allowed || l7?.allowed === false,
  };
}

/** The synthetic probe workload of this id (probeWorkloads made it). */
function probeOf(ctx: DiffContext, id: string): Workload {
  const found = ctx.workloads.find((w) => w.origin === 'probe' && w.id === id);
  if (!found) throw new Error(`probe ${id} was not created`);
  return found;
}

/** Unlabeled pods and a pod of another namespace to every inbound port of every app workload. */
function outsiderProbes(ctx: DiffContext, declared: readonly DeclaredFlowStatus[]): ProbeResult[] {
  const { placement, appWorkloads } = ctx;
  const probes: ProbeResult[] = [];
  const inboundPorts = (dst: Workload) => {
    const seen = new Map<string, { port: number; protocol: Protocol }>();
    for (const p of dst.ports) seen.set(`${p.protocol}/${p.port}`, { port: p.port, protocol: p.protocol });
    for (const d of declared)
      if (d.to === dst.id) seen.set(`${d.protocol}/${d.port}`, { port: d.port, protocol: d.protocol });
    return [...seen.values()].sort((a, b) => a.port - b.port);
  };
  const single = placement.namespaces.length === 1;
  const probeSources = [
    ...placement.namespaces.map((ns) => ({
      label: single ? 'unlabeled pod in the app namespace' : `unlabeled pod in namespace ${ns}`,
      src: probeOf(ctx, `${ns}/unlabeled-pod[Probe]`),
    })),
    { label: 'pod in another namespace', src: probeOf(ctx, `${PROBE_NAMESPACE}/other-namespace-pod[Probe]`) },
  ];
  for (const { label, src } of probeSources) {
    for (const dst of appWorkloads)
      for (const { port, protocol } of inboundPorts(dst))
        probes.push(probe(ctx, label, src, dst, port, protocol));
  }
  return probes;
}

/** Impostors and namesakes of each app workload on every flow it declares to a workload of the manifests. */
function poserProbes(ctx: DiffContext, declared: readonly DeclaredFlowStatus[]): ProbeResult[] {
  const probes: ProbeResult[] = [];
  for (const w of ctx.appWorkloads) {
    const posers = [
      {
        label: `copies ${w.name}'s labels under another ServiceAccount`,
        src: probeOf(ctx, `${w.namespace}/impostor-of-${w.name}[Probe]`),
      },
      ...ctx.workloads
        .filter((p) => p.origin === 'probe' && p.name === `namesake-of-${w.name}`)
        .map((src) => ({
          label: `${w.name}'s labels and ServiceAccount name in namespace ${src.namespace}`,
          src,
        })),
    ];
    for (const { label, src } of posers) {
      for (const d of declared) {
        const dst = ctx.byId.get(d.to);
        if (d.from !== w.id || !dst || dst.origin !== 'manifest') continue;
        probes.push(probe(ctx, label, src, dst, d.port, d.protocol, d.http));
      }
    }
  }
  return probes;
}

/** No app pod reaches a present external host's addresses itself: only its gateway does. */
function externalProbes(ctx: DiffContext, absentExternals: ReadonlySet<string>): ProbeResult[] {
  const probes: ProbeResult[] = [];
  for (const [name, external] of Object.entries(ctx.graph.document.externals ?? {})) {
    if (!ctx.entryHosts.has(external.host) || absentExternals.has(name)) continue;
    const inside = addressTest(external.addresses);
    for (const w of ctx.appWorkloads) probes.push(straightOut(ctx, w, external, inside));
  }
  return probes;
}

/** Whether an app workload reaches an external's addresses on its port without the gateway. */
function straightOut(ctx: DiffContext, w: Workload, external: External, inside: AddressTest): ProbeResult {
  const open = outTo(ctx, w, inside).filter((b) => b.conn.has('TCP', external.port));
  return {
    probe: `${w.name} straight to ${external.host} (only ${external.via} may leave)`,
    from: w.id,
    to: `${external.host}[External]`,
    port: external.port,
    protocol: 'TCP',
    l4Allowed: open.length > 0,
    denied: open.length === 0,
  };
}

/** The graph's own probes. */
function graphProbes(ctx: DiffContext): ProbeResult[] {
  const probes: ProbeResult[] = [];
  (ctx.graph.document.probes ?? []).forEach((p, i) => {
    const line = ctx.graph.probeLines[i];
    for (const src of ctx.resolve(p.from, line))
      for (const dst of ctx.resolve(p.to, line))
        probes.push(
          probe(ctx, p.why ?? `declared probe (line ${line})`, src, dst, p.port, p.protocol ?? 'TCP'),
        );
  });
  return probes;
}

/** A workload of an app namespace that the graph does not place there has no declared flows at all. */
function notePlacementProblems(ctx: DiffContext): void {
  const { graph, placement } = ctx;
  for (const w of ctx.appWorkloads) {
    if (!graph.document.workloads.includes(w.name))
      ctx.unresolved.push(
        `${w.id} is not among the flow graph's workloads (${graph.document.workloads.join(', ')})`,
      );
    else if (placement.namespaceOf.get(w.name) !== w.namespace)
      ctx.unresolved.push(
        `${w.id}: the flow graph's layout ${placement.layout} puts ${w.name} in namespace ${placement.namespaceOf.get(w.name)}`,
      );
  }
}

/**
 * The declared workloads the manifests do not hold: skipped (noted in `absent`) only when the graph says they may
 * be left out; any other is drift, whether or not a flow happened to name it.
 */
function missingWorkloads(ctx: DiffContext): { missing: string[]; optional: ReadonlySet<string> } {
  const { graph, placement } = ctx;
  const present = new Set(
    ctx.appWorkloads.filter((w) => placement.namespaceOf.get(w.name) === w.namespace).map((w) => w.name),
  );
  const optional = new Set(graph.document.optional ?? []);
  const missing = graph.document.workloads.filter((name) => !present.has(name) && !optional.has(name));
  for (const name of graph.document.workloads)
    if (!present.has(name) && optional.has(name)) ctx.absent.add(name);
  return { missing, optional };
}
