import {
  CalicoSelectorError,
  matchesCalicoSelector,
  parseCalicoSelector,
  type CalicoSelector,
} from './calico-selector';
import { ConnSet, type Protocol } from './conn-set';
import type { Endpoint } from './endpoints';
import type { IpRange } from './ip-set';
import { describeObject, ManifestError, type ManifestObject } from './manifest-objects';
import {
  ALL_PORTS,
  bad,
  checkPort,
  NO_PORTS,
  readCidr,
  type CompileContext,
  type CompiledPolicy,
  type CompiledRule,
  type PeerMatch,
  type PortSpec,
  type RuleAction,
  type TierInfo,
} from './network-policies';
import { namespaceOf } from './workloads';

/** Order of Calico's default tier, placed after any tier a user creates with a lower order. */
export const DEFAULT_TIER_ORDER = 1_000_000;

const ACTIONS = new Set(['Allow', 'Deny', 'Pass', 'Log']);
const PROTOCOL_NUMBERS: Record<string, Protocol> = { '6': 'TCP', '17': 'UDP', '132': 'SCTP' };

/** Parses a Calico selector field, turning a syntax error into bad input that names object, field and position. */
export function calicoSelectorOrThrow(
  obj: ManifestObject,
  field: string,
  text: unknown,
): CalicoSelector | undefined {
  if (text === undefined || text === null) return undefined;
  if (typeof text !== 'string') bad(obj, field, 'must be a selector string');
  try {
    return parseCalicoSelector(text as string);
  } catch (e) {
    if (e instanceof CalicoSelectorError) {
      // The selector error rides along as the cause: the validator reports its own message (no source line).
      throw Object.assign(new ManifestError(obj.source, describeObject(obj), `${field}: ${e.message}`), {
        cause: e,
      });
    }
    throw e;
  }
}

/** Tier objects with their order (default tier included). */
export function readTiers(objects: readonly ManifestObject[]): Map<string, TierInfo> {
  const tiers = new Map<string, TierInfo>([
    ['default', { name: 'default', order: DEFAULT_TIER_ORDER, defaultAction: 'Deny' }],
  ]);
  for (const obj of objects) {
    if (obj.kind !== 'Tier' || !obj.apiVersion.includes('projectcalico.org')) continue;
    const spec = (obj.spec ?? {}) as Record<string, unknown>;
    const name = obj.metadata.name ?? '';
    tiers.set(name, {
      name,
      order: typeof spec.order === 'number' ? spec.order : Number.POSITIVE_INFINITY,
      defaultAction: spec.defaultAction === 'Pass' ? 'Pass' : 'Deny',
    });
  }
  return tiers;
}

function protocolOf(
  obj: ManifestObject,
  field: string,
  value: unknown,
  ctx: CompileContext,
): Protocol | 'other' | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).toUpperCase();
  if (text === 'TCP' || text === 'UDP' || text === 'SCTP') return text;
  if (PROTOCOL_NUMBERS[text]) return PROTOCOL_NUMBERS[text];
  if (['ICMP', 'ICMPV6', 'UDPLITE'].includes(text) || /^\d+$/.test(text)) {
    ctx.findings.add({
      severity: 'note',
      object: describeObject(obj),
      field,
      message: `protocol ${String(value)} is outside the TCP/UDP/SCTP model: the rule matches none of the analyzed connections`,
      source: obj.source,
    });
    return 'other';
  }
  return bad(obj, field, `unknown protocol ${String(value)}`);
}

function calicoPorts(
  obj: ManifestObject,
  field: string,
  ports: unknown,
  protocol: Protocol | 'other' | undefined,
): PortSpec {
  if (protocol === 'other') return NO_PORTS;
  if (ports === undefined || ports === null)
    return protocol ? { numeric: ConnSet.of(protocol), named: [] } : ALL_PORTS;
  if (!Array.isArray(ports)) bad(obj, field, 'must be a list');
  if (!protocol) bad(obj, field, 'ports need the rule to set protocol TCP, UDP or SCTP');
  const p = protocol as Protocol;
  let numeric = ConnSet.none;
  const named: Array<{ protocol: Protocol; name: string }> = [];
  (ports as unknown[]).forEach((entry, i) => {
    const where = `${field}[${i}]`;
    if (typeof entry === 'number') {
      numeric = numeric.union(ConnSet.port(p, checkPort(obj, where, entry)));
      return;
    }
    const text = String(entry);
    const range = /^(\d+):(\d+)$/.exec(text);
    if (range) {
      const lo = checkPort(obj, where, Number(range[1]));
      const hi = checkPort(obj, where, Number(range[2]));
      if (hi < lo) bad(obj, where, `range ${text} ends below its start`);
      numeric = numeric.union(ConnSet.of(p, lo, hi));
    } else if (/^\d+$/.test(text)) {
      numeric = numeric.union(ConnSet.port(p, checkPort(obj, where, Number(text))));
    } else {
      named.push({ protocol: p, name: text });
    }
  });
  return { numeric, named };
}

interface EntityMatchers {
  readonly peer: PeerMatch;
  readonly local: ((ep: Endpoint) => boolean) | undefined;
}

function entityMatcher(
  obj: ManifestObject,
  field: string,
  entity: Record<string, unknown> | undefined,
  scope: { namespace?: string },
  ctx: CompileContext,
): EntityMatchers {
  const e = entity ?? {};
  for (const key of ['services']) {
    if (e[key] !== undefined) {
      ctx.findings.add({
        severity: 'unmodelled',
        object: describeObject(obj),
        field: `${field}.${key}`,
        message: `${key} match is not analyzed: the rule is read as if it were absent`,
        source: obj.source,
      });
    }
  }
  const selector = calicoSelectorOrThrow(obj, `${field}.selector`, e.selector);
  const notSelector = calicoSelectorOrThrow(obj, `${field}.notSelector`, e.notSelector);
  const nsSelector = calicoSelectorOrThrow(obj, `${field}.namespaceSelector`, e.namespaceSelector);
  const sa = e.serviceAccounts as { names?: string[]; selector?: string } | undefined;
  const saSelector = calicoSelectorOrThrow(obj, `${field}.serviceAccounts.selector`, sa?.selector);
  const saNames = sa?.names;
  const nets = Array.isArray(e.nets)
    ? (e.nets as unknown[])
        .map((n, i) => readCidr(obj, `${field}.nets[${i}]`, n, ctx.findings))
        .filter((r): r is IpRange => !!r)
    : undefined;
  const notNets = Array.isArray(e.notNets)
    ? (e.notNets as unknown[])
        .map((n, i) => readCidr(obj, `${field}.notNets[${i}]`, n, ctx.findings))
        .filter((r): r is IpRange => !!r)
    : [];
  if (nets || notNets.length > 0) {
    ctx.findings.add({
      severity: 'note',
      object: describeObject(obj),
      field: `${field}.nets`,
      message:
        'nets are matched against addresses outside the cluster only: pod IPs are not known from manifests',
      source: obj.source,
    });
  }
  if (nsSelector?.op === 'global') {
    ctx.findings.add({
      severity: 'unmodelled',
      object: describeObject(obj),
      field: `${field}.namespaceSelector`,
      message:
        'global() selects non-namespaced endpoints (host endpoints, network sets), which the model does not contain',
      source: obj.source,
    });
  }
  const selectsEndpoints = selector !== undefined || nsSelector !== undefined || sa !== undefined;
  const podPredicate = (ep: Endpoint): boolean => {
    if (nets) return false; // a pod's address is unknown, so it never falls in a listed net
    if (nsSelector) {
      if (!matchesCalicoSelector(nsSelector, ep.namespaceCalicoLabels)) return false;
    } else if (
      (selector || notSelector || sa) &&
      scope.namespace !== undefined &&
      ep.namespace !== scope.namespace
    ) {
      return false; // in a namespaced policy a selector without namespaceSelector means this namespace
    }
    if (selector && !matchesCalicoSelector(selector, ep.calicoLabels)) return false;
    if (notSelector && matchesCalicoSelector(notSelector, ep.calicoLabels)) return false;
    if (saNames && saNames.length > 0 && !saNames.includes(ep.serviceAccount)) return false;
    if (saSelector && !matchesCalicoSelector(saSelector, ep.serviceAccountLabels)) return false;
    return true;
  };
  const isEmpty = !selectsEndpoints && !notSelector && !nets && notNets.length === 0;
  const peer: PeerMatch = isEmpty
    ? { pods: 'all', external: 'all', externalExcept: [] }
    : {
        pods: podPredicate,
        external: selectsEndpoints ? 'none' : (nets ?? 'all'),
        externalExcept: notNets,
        podNamespace:
          !nsSelector && scope.namespace !== undefined && (selector || notSelector || sa)
            ? scope.namespace
            : undefined,
      };
  // As a constraint on the local endpoint, only label-based fields can be decided.
  const local =
    selector || notSelector || nsSelector || sa
      ? (ep: Endpoint) => {
          if (nsSelector && !matchesCalicoSelector(nsSelector, ep.namespaceCalicoLabels)) return false;
          if (selector && !matchesCalicoSelector(selector, ep.calicoLabels)) return false;
          if (notSelector && matchesCalicoSelector(notSelector, ep.calicoLabels)) return false;
          if (saNames && saNames.length > 0 && !saNames.includes(ep.serviceAccount)) return false;
          if (saSelector && !matchesCalicoSelector(saSelector, ep.serviceAccountLabels)) return false;
          return true;
        }
      : undefined;
  return { peer, local };
}

function compileCalicoRule(
  obj: ManifestObject,
  field: string,
  index: number,
  rule: Record<string, unknown>,
  dir: 'ingress' | 'egress',
  scope: { namespace?: string },
  ctx: CompileContext,
): CompiledRule {
  const action = rule?.action;
  if (typeof action !== 'string' || !ACTIONS.has(action))
    bad(obj, `${field}.action`, `must be Allow, Deny, Pass or Log (got ${String(action)})`);
  const protocol = protocolOf(obj, `${field}.protocol`, rule.protocol, ctx);
  const notProtocol = protocolOf(obj, `${field}.notProtocol`, rule.notProtocol, ctx);
  for (const key of ['http', 'icmp', 'notICMP', 'metadata']) {
    if (rule[key] !== undefined && key !== 'metadata') {
      ctx.findings.add({
        severity: key === 'http' ? 'unmodelled' : 'note',
        object: describeObject(obj),
        field: `${field}.${key}`,
        message:
          key === 'http'
            ? 'Calico application-layer (http) matches are not analyzed: the rule is read on its L4 fields only'
            : `${key} is outside the TCP/UDP/SCTP model`,
        source: obj.source,
      });
    }
  }
  if (rule.ipVersion === 6) {
    ctx.findings.add({
      severity: 'note',
      object: describeObject(obj),
      field: `${field}.ipVersion`,
      message: 'IPv6-only rule: matches none of the analyzed (IPv4) connections',
      source: obj.source,
    });
  }
  const source = rule.source as Record<string, unknown> | undefined;
  const destination = rule.destination as Record<string, unknown> | undefined;
  if (source?.ports !== undefined || source?.notPorts !== undefined) {
    ctx.findings.add({
      severity: 'unmodelled',
      object: describeObject(obj),
      field: `${field}.source.ports`,
      message: 'source ports are not analyzed: the rule is read as if they were absent',
      source: obj.source,
    });
  }
  const remote = dir === 'ingress' ? source : destination;
  const localEntity = dir === 'ingress' ? destination : source;
  const remoteMatch = entityMatcher(
    obj,
    `${field}.${dir === 'ingress' ? 'source' : 'destination'}`,
    remote,
    scope,
    ctx,
  );
  const localMatch = entityMatcher(
    obj,
    `${field}.${dir === 'ingress' ? 'destination' : 'source'}`,
    { ...localEntity, ports: undefined, notPorts: undefined },
    scope,
    ctx,
  );
  if (localEntity?.nets !== undefined || localEntity?.notNets !== undefined) {
    ctx.findings.add({
      severity: 'unmodelled',
      object: describeObject(obj),
      field: `${field}.${dir === 'ingress' ? 'destination' : 'source'}.nets`,
      message: "nets on the policy's own endpoint cannot be decided without pod IPs: read as matching",
      source: obj.source,
    });
  }
  let ports = calicoPorts(obj, `${field}.destination.ports`, destination?.ports, protocol);
  if (rule.ipVersion === 6) ports = NO_PORTS;
  const notPortsSpec =
    destination?.notPorts !== undefined
      ? calicoPorts(obj, `${field}.destination.notPorts`, destination.notPorts, protocol)
      : undefined;
  const notProtocolSpec =
    notProtocol && notProtocol !== 'other' ? { numeric: ConnSet.of(notProtocol), named: [] } : undefined;
  const notPorts =
    notPortsSpec && notProtocolSpec
      ? { numeric: notPortsSpec.numeric.union(notProtocolSpec.numeric), named: notPortsSpec.named }
      : (notPortsSpec ?? notProtocolSpec);
  return {
    action: action as RuleAction,
    peer: remoteMatch.peer,
    local: localMatch.local,
    ports,
    notPorts,
    label: `${describeObject(obj)} ${field}`,
    index,
  };
}

/** Compiles a Calico projectcalico.org/v3 NetworkPolicy or GlobalNetworkPolicy. */
export function compileCalicoPolicy(
  obj: ManifestObject,
  ctx: CompileContext,
  tiers: ReadonlyMap<string, TierInfo>,
): CompiledPolicy {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  // StagedGlobalNetworkPolicy too: the validator asks about staged policies, which analyze ignores.
  const global = obj.kind.endsWith('GlobalNetworkPolicy');
  const scope = { namespace: global ? undefined : namespaceOf(obj, ctx.defaultNamespace) };
  for (const key of ['doNotTrack', 'preDNAT', 'applyOnForward']) {
    if (spec[key] === true) {
      ctx.findings.add({
        severity: 'unmodelled',
        object: describeObject(obj),
        field: `spec.${key}`,
        message: `${key} policies act on host endpoints, which the model does not contain`,
        source: obj.source,
      });
    }
  }
  const selector = calicoSelectorOrThrow(obj, 'spec.selector', spec.selector);
  const nsSelector = global
    ? calicoSelectorOrThrow(obj, 'spec.namespaceSelector', spec.namespaceSelector)
    : undefined;
  const saSelector = calicoSelectorOrThrow(obj, 'spec.serviceAccountSelector', spec.serviceAccountSelector);
  const hasIngress = Array.isArray(spec.ingress) && spec.ingress.length > 0;
  const hasEgress = Array.isArray(spec.egress) && spec.egress.length > 0;
  const rawTypes = spec.types as string[] | undefined;
  if (
    rawTypes !== undefined &&
    (!Array.isArray(rawTypes) || rawTypes.some((t) => t !== 'Ingress' && t !== 'Egress'))
  ) {
    bad(obj, 'spec.types', 'must list Ingress and/or Egress');
  }
  // Calico's defaulting differs from Kubernetes': egress rules alone make an Egress-only policy.
  const types =
    rawTypes && rawTypes.length > 0
      ? rawTypes
      : hasEgress && !hasIngress
        ? ['Egress']
        : hasEgress
          ? ['Ingress', 'Egress']
          : ['Ingress'];
  const name = obj.metadata.name ?? '';
  const tierName = typeof spec.tier === 'string' && spec.tier ? spec.tier : 'default';
  if (!tiers.has(tierName)) {
    ctx.findings.add({
      severity: 'unmodelled',
      object: describeObject(obj),
      field: 'spec.tier',
      message: `tier ${tierName} has no Tier object: its order is unknown, evaluated after the default tier`,
      source: obj.source,
    });
  }
  const compileRules = (dir: 'ingress' | 'egress') =>
    ((spec[dir] as Array<Record<string, unknown>> | undefined) ?? []).map((rule, i) =>
      compileCalicoRule(obj, `spec.${dir}[${i}]`, i, rule, dir, scope, ctx),
    );
  const order =
    spec.order === undefined || spec.order === null ? Number.POSITIVE_INFINITY : Number(spec.order);
  if (Number.isNaN(order)) bad(obj, 'spec.order', 'must be a number');
  return {
    id: describeObject(obj),
    tier: tierName,
    order,
    sortName: name,
    namespace: scope.namespace,
    appliesTo: (ep) =>
      (scope.namespace === undefined || ep.namespace === scope.namespace) &&
      (!nsSelector || matchesCalicoSelector(nsSelector, ep.namespaceCalicoLabels)) &&
      (!selector || matchesCalicoSelector(selector, ep.calicoLabels)) &&
      (!saSelector || matchesCalicoSelector(saSelector, ep.serviceAccountLabels)),
    ingress: types.includes('Ingress') ? compileRules('ingress') : undefined,
    egress: types.includes('Egress') ? compileRules('egress') : undefined,
  };
}
