import { ConnSet } from './conn-set';
import { EndpointIndex } from './endpoint-index';
import type { Endpoint } from './endpoints';
import type { IpRange } from './ip-set';

// Blocks are atoms of every rule's address set, so one address decides for the whole block.
const containsPoint = (r: IpRange, ip: number) => r.from <= ip && ip <= r.to;
import { resolvePorts, type CompiledPolicy, type CompiledRule, type TierInfo } from './network-policies';

/** What one endpoint allows in one direction: per remote pod class and per outside block, with shared defaults. */
export interface DirectionVerdict {
  /** For every pod class not listed in `pods`. */
  readonly defaultPod: ConnSet;
  /** For every outside block not listed in `external`. */
  readonly defaultExternal: ConnSet;
  readonly pods: ReadonlyMap<number, ConnSet>;
  readonly external: ReadonlyMap<number, ConnSet>;
}

/** The remote side of a connection: a pod class (by index) or an outside address block (by index). */
export type PeerRef = { readonly pod: number } | { readonly external: number };

interface State {
  undecided: ConnSet;
  allowed: ConnSet;
  passed: ConnSet;
}

interface RuleTargets {
  readonly podsAll: boolean;
  readonly podList: readonly number[];
  readonly extAll: boolean;
  readonly extList: readonly number[];
}

/** Reads a verdict for one peer. */
export function verdictFor(v: DirectionVerdict, peer: PeerRef): ConnSet {
  if ('pod' in peer) return v.pods.get(peer.pod) ?? v.defaultPod;
  return v.external.get(peer.external) ?? v.defaultExternal;
}

/**
 * Evaluates Kubernetes and Calico policies the way Calico does: tiers in order, policies by order then name,
 * first matching Allow/Deny/Pass rule decides (Log goes on), a tier that selects the endpoint but decides
 * nothing drops the traffic, and an endpoint no tier selects allows everything (the Kubernetes profile).
 */
export class L4Engine {
  private readonly targets = new Map<CompiledRule, RuleTargets>();
  private readonly index: EndpointIndex;
  private readonly policiesFor: { ingress: CompiledPolicy[][]; egress: CompiledPolicy[][] };
  private readonly tierOf = new Map<string, TierInfo>();
  private readonly ingressCache = new Map<number, DirectionVerdict>();
  private readonly egressCache = new Map<number, DirectionVerdict>();

  constructor(
    readonly endpoints: readonly Endpoint[],
    /** Outside address blocks as sources (cut by the ingress rules' CIDRs) and as destinations (cut by egress rules'). */
    readonly externalBlocks: { readonly ingress: readonly IpRange[]; readonly egress: readonly IpRange[] },
    policies: readonly CompiledPolicy[],
    tiers: ReadonlyMap<string, TierInfo>,
  ) {
    this.index = new EndpointIndex(endpoints);
    const tierInfo = (name: string): TierInfo =>
      tiers.get(name) ?? { name, order: Number.POSITIVE_INFINITY, defaultAction: 'Deny' };
    const sorted = [...policies].sort((a, b) => {
      const ta = tierInfo(a.tier);
      const tb = tierInfo(b.tier);
      if (ta.order !== tb.order) return ta.order < tb.order ? -1 : 1;
      if (a.tier !== b.tier) return a.tier < b.tier ? -1 : 1;
      if (a.order !== b.order) return a.order < b.order ? -1 : 1;
      return a.sortName < b.sortName ? -1 : a.sortName > b.sortName ? 1 : 0;
    });
    for (const p of sorted) this.tierOf.set(p.tier, tierInfo(p.tier));
    this.policiesFor = { ingress: endpoints.map(() => []), egress: endpoints.map(() => []) };
    for (const policy of sorted) {
      for (const ep of this.index.candidates(policy)) {
        if (!policy.appliesTo(ep)) continue;
        if (policy.ingress) this.policiesFor.ingress[ep.idx].push(policy);
        if (policy.egress) this.policiesFor.egress[ep.idx].push(policy);
      }
    }
  }

  /** Number of policies selecting an endpoint in a direction (0: not isolated). */
  policyCount(ep: Endpoint, dir: 'ingress' | 'egress'): number {
    return this.policiesFor[dir][ep.idx].length;
  }

  /** Names of the policies selecting an endpoint in a direction, in evaluation order. */
  policiesSelecting(ep: Endpoint, dir: 'ingress' | 'egress'): string[] {
    return this.policiesFor[dir][ep.idx].map((p) => p.id);
  }

  /** The policies selecting an endpoint in a direction with their tier ('default' for Kubernetes NetworkPolicy). */
  tieredPoliciesSelecting(
    ep: Endpoint,
    dir: 'ingress' | 'egress',
  ): ReadonlyArray<{ readonly id: string; readonly tier: string }> {
    return this.policiesFor[dir][ep.idx].map((p) => ({ id: p.id, tier: p.tier }));
  }

  /** The tiers in evaluation order with their order and end-of-tier action, as the policies name them. */
  tier(name: string): TierInfo | undefined {
    return this.tierOf.get(name);
  }

  private targetsOf(rule: CompiledRule, dir: 'ingress' | 'egress'): RuleTargets {
    const blocks = this.externalBlocks[dir];
    let t = this.targets.get(rule);
    if (t) return t;
    const { pods, external, externalExcept, podNamespace, podLabel, namespaceLabel } = rule.peer;
    let podList: number[] = [];
    if (typeof pods === 'function') {
      const candidates = this.index.candidates({
        namespace: podNamespace,
        podLabel,
        namespaceLabel,
      });
      podList = candidates.filter((ep) => pods(ep)).map((ep) => ep.idx);
    }
    let extAll = external === 'all' && externalExcept.length === 0;
    let extList: number[] = [];
    if (!extAll && external !== 'none') {
      extList = blocks
        .map((block, i) => ({ block, i }))
        .filter(
          ({ block }) =>
            (external === 'all' || external.some((r) => containsPoint(r, block.from))) &&
            !externalExcept.some((r) => containsPoint(r, block.from)),
        )
        .map(({ i }) => i);
      if (extList.length === blocks.length) extAll = true;
    }
    t = { podsAll: pods === 'all', podList, extAll, extList };
    this.targets.set(rule, t);
    return t;
  }

  /** Ingress verdict of an endpoint: what each remote peer may open towards it. */
  ingress(ep: Endpoint): DirectionVerdict {
    let v = this.ingressCache.get(ep.idx);
    if (!v) {
      v = this.evaluate(ep, 'ingress');
      this.ingressCache.set(ep.idx, v);
    }
    return v;
  }

  /** Egress verdict of an endpoint: what it may open towards each remote peer. */
  egress(ep: Endpoint): DirectionVerdict {
    let v = this.egressCache.get(ep.idx);
    if (!v) {
      v = this.evaluate(ep, 'egress');
      this.egressCache.set(ep.idx, v);
    }
    return v;
  }

  /** Connections allowed from one peer to another: the source's egress and the destination's ingress. */
  connection(src: PeerRef, dst: PeerRef): ConnSet {
    if ('external' in src && 'external' in dst) return ConnSet.none;
    const out = 'pod' in src ? verdictFor(this.egress(this.endpoints[src.pod]), dst) : ConnSet.all;
    if (out.isEmpty()) return out;
    const inn = 'pod' in dst ? verdictFor(this.ingress(this.endpoints[dst.pod]), src) : ConnSet.all;
    return out.intersect(inn);
  }

  private evaluate(local: Endpoint, dir: 'ingress' | 'egress'): DirectionVerdict {
    const fresh = (): State => ({ undecided: ConnSet.all, allowed: ConnSet.none, passed: ConnSet.none });
    const defaultPod = fresh();
    const defaultExt = fresh();
    const pods = new Map<number, State>();
    const ext = new Map<number, State>();
    const clone = (s: State): State => ({ ...s });
    const apply = (s: State, conn: ConnSet, action: CompiledRule['action']) => {
      if (action === 'Log') return;
      const m = s.undecided.intersect(conn);
      if (m.isEmpty()) return;
      s.undecided = s.undecided.subtract(m);
      if (action === 'Allow') s.allowed = s.allowed.union(m);
      else if (action === 'Pass') s.passed = s.passed.union(m);
    };
    const policies = this.policiesFor[dir][local.idx];
    let i = 0;
    while (i < policies.length) {
      const tier = policies[i].tier;
      for (; i < policies.length && policies[i].tier === tier; i++) {
        for (const rule of policies[i][dir] ?? []) {
          if (rule.local && !rule.local(local)) continue;
          const t = this.targetsOf(rule, dir);
          const perPeer =
            dir === 'egress' && (rule.ports.named.length > 0 || (rule.notPorts?.named.length ?? 0) > 0);
          const connTo = (dst: Endpoint | undefined) => {
            const c = resolvePorts(rule.ports, dst);
            return rule.notPorts ? c.subtract(resolvePorts(rule.notPorts, dst)) : c;
          };
          const localConn = dir === 'ingress' ? connTo(local) : undefined;
          if (t.podsAll && !perPeer) {
            const c = localConn ?? connTo(undefined);
            apply(defaultPod, c, rule.action);
            for (const s of pods.values()) apply(s, c, rule.action);
          } else {
            const list = t.podsAll ? this.endpoints.map((e) => e.idx) : t.podList;
            for (const idx of list) {
              let s = pods.get(idx);
              if (!s) {
                s = clone(defaultPod);
                pods.set(idx, s);
              }
              apply(s, localConn ?? connTo(this.endpoints[idx]), rule.action);
            }
          }
          const extConn = localConn ?? connTo(undefined);
          if (t.extAll) {
            apply(defaultExt, extConn, rule.action);
            for (const s of ext.values()) apply(s, extConn, rule.action);
          } else {
            for (const idx of t.extList) {
              let s = ext.get(idx);
              if (!s) {
                s = clone(defaultExt);
                ext.set(idx, s);
              }
              apply(s, extConn, rule.action);
            }
          }
        }
      }
      // End of a tier that selected the endpoint: what no rule decided is dropped (or passed on, if the tier says so).
      const passOn = this.tierOf.get(tier)?.defaultAction === 'Pass';
      for (const s of [defaultPod, defaultExt, ...pods.values(), ...ext.values()]) {
        s.undecided = passOn ? s.undecided.union(s.passed) : s.passed;
        s.passed = ConnSet.none;
      }
    }
    // No tier left: the Kubernetes profile allows whatever is still undecided.
    const final = (s: State) => s.allowed.union(s.undecided);
    return {
      defaultPod: final(defaultPod),
      defaultExternal: final(defaultExt),
      pods: new Map([...pods].map(([k, s]) => [k, final(s)])),
      external: new Map([...ext].map(([k, s]) => [k, final(s)])),
    };
  }
}
