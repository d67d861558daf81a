import { ConnSet, MAX_PORT, MIN_PORT, type Protocol } from './conn-set';
import type { Endpoint } from './endpoints';
import type { FindingLog } from './findings';
import { parseCidr, type IpRange } from './ip-set';
import {
  isEmptySelector,
  matchesLabelSelector,
  validateLabelSelector,
  type LabelSelector,
} from './label-selector';
import { describeObject, ManifestError, type ManifestObject } from './manifest-objects';
import { namespaceOf } from './workloads';

/** What a rule does with the traffic it matches (Calico's actions; Kubernetes rules are all Allow). */
export type RuleAction = 'Allow' | 'Deny' | 'Pass' | 'Log';

/** Ports a rule names: numbers, plus names resolved against the destination pod's container ports. */
export interface PortSpec {
  readonly numeric: ConnSet;
  readonly named: ReadonlyArray<{ readonly protocol: Protocol; readonly name: string }>;
}

/** The remote side of a rule: which pods (by predicate) and which outside addresses. */
export interface PeerMatch {
  readonly pods: 'all' | 'none' | ((ep: Endpoint) => boolean);
  readonly external: 'all' | 'none' | readonly IpRange[];
  /** Ranges carved out of `external` (ipBlock except, Calico notNets). */
  readonly externalExcept: readonly IpRange[];
  /** When set, only pods of this namespace can match (lets the engine skip the others). */
  readonly podNamespace?: string;
  /** When set, only pods carrying this label (key, value) can match: one of the pod selector's matchLabels. */
  readonly podLabel?: readonly [string, string];
  /** When set, only pods whose namespace carries this label can match: one of the namespace selector's matchLabels. */
  readonly namespaceLabel?: readonly [string, string];
}

/** One rule after compilation, independent of the API it came from. */
export interface CompiledRule {
  readonly action: RuleAction;
  readonly peer: PeerMatch;
  /** An extra condition on the local endpoint (Calico's destination.selector on ingress, source.selector on egress). */
  readonly local?: (ep: Endpoint) => boolean;
  readonly ports: PortSpec;
  /** Ports excluded from the match (Calico notPorts, notProtocol). */
  readonly notPorts?: PortSpec;
  /** Where the rule is, for explanations. */
  readonly label: string;
  /** The rule's index in its direction's list (`spec.ingress[index]`), for readers that report on the source. */
  readonly index: number;
  /** Kubernetes rules: which `from`/`to` entry the peer is (undefined when the list is empty: every peer). */
  readonly peerIndex?: number;
}

/** A policy after compilation: Kubernetes NetworkPolicy, Calico NetworkPolicy or GlobalNetworkPolicy. */
export interface CompiledPolicy {
  readonly id: string;
  readonly tier: string;
  /** Policy order inside its tier; Infinity when unset (evaluated last). */
  readonly order: number;
  readonly sortName: string;
  readonly appliesTo: (ep: Endpoint) => boolean;
  /** When set, the policy can only apply to endpoints of this namespace. */
  readonly namespace?: string;
  /** When set, the policy can only apply to endpoints carrying this label (key, value). */
  readonly podLabel?: readonly [string, string];
  /** Rules per direction; undefined when the policy does not apply to that direction. */
  readonly ingress?: readonly CompiledRule[];
  readonly egress?: readonly CompiledRule[];
}

/** A Calico tier: policies of lower-order tiers are evaluated first. */
export interface TierInfo {
  readonly name: string;
  readonly order: number;
  readonly defaultAction: 'Deny' | 'Pass';
}

/** Every port of every protocol as a PortSpec. */
export const ALL_PORTS: PortSpec = { numeric: ConnSet.all, named: [] };
/** No port at all. */
export const NO_PORTS: PortSpec = { numeric: ConnSet.none, named: [] };

/** Resolves a PortSpec to concrete ports on a destination (undefined: an outside address, where names mean nothing). */
export function resolvePorts(spec: PortSpec, dst: Endpoint | undefined): ConnSet {
  let conn = spec.numeric;
  if (dst) {
    for (const { protocol, name } of spec.named) {
      for (const p of dst.ports)
        if (p.name === name && p.protocol === protocol) conn = conn.union(ConnSet.port(protocol, p.port));
    }
  }
  return conn;
}

/** Throws the bad-input error for one field of one object. */
export function bad(obj: ManifestObject, field: string, message: string): never {
  throw new ManifestError(obj.source, describeObject(obj), `${field}: ${message}`);
}

/** A port number in 1-65535, or bad input. */
export function checkPort(obj: ManifestObject, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_PORT || value > MAX_PORT) {
    bad(obj, field, `port out of range (${JSON.stringify(value)}), must be ${MIN_PORT}-${MAX_PORT}`);
  }
  return value as number;
}

/** TCP, UDP or SCTP (case-insensitive); other protocols give `fallback`'s error or undefined. */
export function checkProtocol(
  obj: ManifestObject,
  field: string,
  value: unknown,
  fallback: Protocol | undefined,
): Protocol | undefined {
  if (value === undefined || value === null) return fallback;
  const upper = String(value).toUpperCase();
  if (upper === 'TCP' || upper === 'UDP' || upper === 'SCTP') return upper;
  if (fallback !== undefined) bad(obj, field, `must be TCP, UDP or SCTP (got ${String(value)})`);
  return undefined;
}

function checkSelector(obj: ManifestObject, field: string, selector: unknown): LabelSelector {
  const problems = validateLabelSelector(selector, field);
  if (problems.length > 0)
    throw new ManifestError(obj.source, describeObject(obj), `malformed selector: ${problems.join('; ')}`);
  return (selector ?? {}) as LabelSelector;
}

/** Parses an ipBlock / net, returning undefined (and a finding) for what the model cannot place (IPv6). */
export function readCidr(
  obj: ManifestObject,
  field: string,
  cidr: unknown,
  findings: FindingLog,
): IpRange | undefined {
  const parsed = parseCidr(String(cidr));
  if (parsed === 'ipv6') {
    findings.add({
      severity: 'unmodelled',
      object: describeObject(obj),
      field,
      message: `IPv6 block ${String(cidr)} is not analyzed`,
      source: obj.source,
    });
    return undefined;
  }
  if (typeof parsed === 'string') bad(obj, field, parsed);
  return parsed as IpRange;
}

/** Kubernetes NetworkPolicy ports: protocol defaults to TCP, absent port means every port, endPort makes a range. */
function k8sPorts(obj: ManifestObject, field: string, ports: unknown): PortSpec {
  if (ports === undefined || ports === null || (Array.isArray(ports) && ports.length === 0)) return ALL_PORTS;
  if (!Array.isArray(ports)) bad(obj, field, 'must be a list');
  let numeric = ConnSet.none;
  const named: Array<{ protocol: Protocol; name: string }> = [];
  (ports as Array<Record<string, unknown>>).forEach((p, i) => {
    const where = `${field}[${i}]`;
    const protocol = checkProtocol(obj, `${where}.protocol`, p?.protocol, 'TCP') ?? 'TCP';
    if (p?.port === undefined || p.port === null) {
      if (p?.endPort !== undefined) bad(obj, `${where}.endPort`, 'requires port');
      numeric = numeric.union(ConnSet.of(protocol));
    } else if (typeof p.port === 'string' && !/^\d+$/.test(p.port)) {
      if (p.endPort !== undefined) bad(obj, `${where}.endPort`, 'cannot be used with a named port');
      named.push({ protocol, name: p.port });
    } else {
      const port = checkPort(obj, `${where}.port`, Number(p.port));
      const end =
        p.endPort === undefined || p.endPort === null ? port : checkPort(obj, `${where}.endPort`, p.endPort);
      if (end < port) bad(obj, `${where}.endPort`, `must not be below port (${end} < ${port})`);
      numeric = numeric.union(ConnSet.of(protocol, port, end));
    }
  });
  return { numeric, named };
}

/** What compiling needs besides the object. */
export interface CompileContext {
  readonly defaultNamespace: string;
  readonly findings: FindingLog;
}

function k8sPeers(
  obj: ManifestObject,
  field: string,
  peers: unknown,
  policyNs: string,
  ctx: CompileContext,
): PeerMatch[] {
  if (peers === undefined || peers === null || (Array.isArray(peers) && peers.length === 0)) {
    return [{ pods: 'all', external: 'all', externalExcept: [] }];
  }
  if (!Array.isArray(peers)) bad(obj, field, 'must be a list');
  return (peers as Array<Record<string, unknown>>).map((peer, i): PeerMatch => {
    const where = `${field}[${i}]`;
    if (peer?.ipBlock) {
      if (peer.podSelector || peer.namespaceSelector)
        bad(obj, where, 'ipBlock cannot be combined with podSelector or namespaceSelector');
      const block = peer.ipBlock as Record<string, unknown>;
      const cidr = readCidr(obj, `${where}.ipBlock.cidr`, block.cidr, ctx.findings);
      const except = ((block.except as unknown[]) ?? [])
        .map((e, j) => readCidr(obj, `${where}.ipBlock.except[${j}]`, e, ctx.findings))
        .filter((r): r is IpRange => r !== undefined);
      ctx.findings.add({
        severity: 'note',
        object: describeObject(obj),
        field: `${where}.ipBlock`,
        message:
          'ipBlock is matched against addresses outside the cluster only: pod IPs are not known from manifests',
        source: obj.source,
      });
      return { pods: 'none', external: cidr ? [cidr] : 'none', externalExcept: except };
    }
    if (peer?.podSelector === undefined && peer?.namespaceSelector === undefined) {
      bad(obj, where, 'a peer needs podSelector, namespaceSelector or ipBlock');
    }
    const podSel =
      peer.podSelector === undefined || peer.podSelector === null
        ? undefined
        : checkSelector(obj, `${where}.podSelector`, peer.podSelector);
    const nsSel =
      peer.namespaceSelector === undefined || peer.namespaceSelector === null
        ? undefined
        : checkSelector(obj, `${where}.namespaceSelector`, peer.namespaceSelector);
    // One peer with both selectors means "these pods in those namespaces"; without namespaceSelector, the policy's own namespace.
    const pods = (ep: Endpoint) =>
      (nsSel ? matchesLabelSelector(nsSel, ep.namespaceLabels) : ep.namespace === policyNs) &&
      (podSel ? matchesLabelSelector(podSel, ep.labels) : true);
    return {
      pods,
      external: 'none',
      externalExcept: [],
      podNamespace: nsSel ? undefined : policyNs,
      podLabel: firstMatchLabel(podSel),
      namespaceLabel: firstMatchLabel(nsSel),
    };
  });
}

/** One (key, value) every object a selector selects must carry, for the engine's label index; undefined if none. */
function firstMatchLabel(selector: LabelSelector | undefined): readonly [string, string] | undefined {
  const entry = Object.entries(selector?.matchLabels ?? {})[0];
  return entry && typeof entry[1] === 'string' ? [entry[0], entry[1]] : undefined;
}

/** Compiles a Kubernetes networking.k8s.io/v1 NetworkPolicy: Calico evaluates it at order 1000 in the default tier. */
export function compileKubernetesNetworkPolicy(obj: ManifestObject, ctx: CompileContext): CompiledPolicy {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const ns = namespaceOf(obj, ctx.defaultNamespace);
  const podSelector = checkSelector(obj, 'spec.podSelector', spec.podSelector ?? {});
  const types = spec.policyTypes as string[] | undefined;
  if (
    types !== undefined &&
    (!Array.isArray(types) || types.some((t) => t !== 'Ingress' && t !== 'Egress'))
  ) {
    bad(obj, 'spec.policyTypes', 'must list Ingress and/or Egress');
  }
  // policyTypes defaulting: Ingress always, Egress only when the policy has egress rules.
  const hasEgressRules = Array.isArray(spec.egress) && spec.egress.length > 0;
  // An empty list is defaulted like an absent one.
  const given = types && types.length > 0 ? types : undefined;
  const ingressOn = given ? given.includes('Ingress') : true;
  const egressOn = given ? given.includes('Egress') : hasEgressRules;
  const compileRules = (dir: 'ingress' | 'egress'): CompiledRule[] => {
    const rules = spec[dir];
    if (rules === undefined || rules === null) return [];
    if (!Array.isArray(rules)) bad(obj, `spec.${dir}`, 'must be a list');
    return (rules as Array<Record<string, unknown>>).flatMap((rule, i) => {
      const field = `spec.${dir}[${i}]`;
      const ports = k8sPorts(obj, `${field}.ports`, rule?.ports);
      const peerField = dir === 'ingress' ? 'from' : 'to';
      const listed = Array.isArray(rule?.[peerField]) && (rule[peerField] as unknown[]).length > 0;
      return k8sPeers(obj, `${field}.${peerField}`, rule?.[peerField], ns, ctx).map((peer, j) => ({
        action: 'Allow' as const,
        peer,
        ports,
        label: `${describeObject(obj)} ${field}`,
        index: i,
        peerIndex: listed ? j : undefined,
      }));
    });
  };
  const name = obj.metadata.name ?? '';
  return {
    id: `${describeObject(obj)}`,
    tier: 'default',
    order: 1000,
    sortName: `knp.default.${name}`,
    namespace: ns,
    podLabel: firstMatchLabel(podSelector),
    appliesTo: (ep) =>
      ep.namespace === ns && (isEmptySelector(podSelector) || matchesLabelSelector(podSelector, ep.labels)),
    ingress: ingressOn ? compileRules('ingress') : undefined,
    egress: egressOn ? compileRules('egress') : undefined,
  };
}
