import type { Endpoint } from './endpoints';
import type { FindingLog } from './findings';
import {
  HTTP_FIELDS,
  ISTIO_ROOT_NAMESPACE,
  istioPolicyApplies,
  istioStringMatch,
  opCovers,
  opMayMatch,
  opPortMatches,
  patternCovers,
  ruleSourceMatches,
  type RequestCombo,
  type Source,
} from './istio-match';
import { matchesLabelSelector, type LabelSelector } from './label-selector';
import type { ManifestObject } from './manifest-objects';
import { readIstioPolicies, type AuthzPolicy, type AuthzRule, type PeerAuthn } from './read-istio-policies';

import { SIDECAR_PORTS } from './sidecar-listeners';

// The string patterns are the Istio layer's vocabulary: importers of the layer find them here.
export { istioStringMatch, patternCovers, patternsIntersect } from './istio-match';
export { SIDECAR_PORTS } from './sidecar-listeners';

/** PeerAuthentication modes after inheritance. */
export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/** The requests of one declared or probed flow: methods and path patterns (exact, `prefix*`, `*suffix`, `*`). */
export interface HttpRequestSet {
  readonly methods?: readonly string[];
  readonly paths?: readonly string[];
}

/** The Istio layer's answer for one flow. */
export interface IstioVerdict {
  readonly allowed: boolean;
  readonly reason: string;
}

/** Options of the Istio layer. */
export interface IstioOptions {
  /** Namespace whose selector-less policies apply mesh-wide. Default `istio-system`. */
  readonly rootNamespace?: string;
  /** Trust domain of SPIFFE principals. Default `cluster.local`. */
  readonly trustDomain?: string;
  /** DNS suffix of Service hosts (`name.namespace.svc.<clusterDomain>`). Default `cluster.local`. */
  readonly clusterDomain?: string;
}

/** Evaluates PeerAuthentication and AuthorizationPolicy (CUSTOM, then DENY, then ALLOW) for flows between endpoints. */
export class IstioLayer {
  private readonly authz: readonly AuthzPolicy[];
  private readonly peerAuthn: readonly PeerAuthn[];
  readonly rootNamespace: string;
  readonly trustDomain: string;

  constructor(
    objects: readonly ManifestObject[],
    defaultNamespace: string,
    findings: FindingLog,
    options: IstioOptions = {},
  ) {
    this.rootNamespace = options.rootNamespace ?? ISTIO_ROOT_NAMESPACE;
    this.trustDomain = options.trustDomain ?? 'cluster.local';
    const read = readIstioPolicies(objects, defaultNamespace, findings);
    this.authz = read.authz;
    this.peerAuthn = read.peerAuthn;
  }

  /** Whether a policy of this namespace and selector applies to the destination (root namespace: mesh-wide). */
  private applies(scopeNs: string, selector: LabelSelector | undefined, dst: Endpoint): boolean {
    return istioPolicyApplies(scopeNs, selector, dst, this.rootNamespace);
  }

  /** The mTLS mode a destination enforces on a port (workload, then namespace, then mesh; PERMISSIVE by default). */
  mtlsMode(dst: Endpoint, port: number): MtlsMode {
    return this.mtlsDecision(dst, port).mode;
  }

  /**
   * The mTLS mode on a port and the PeerAuthentication field that decides it (workload port, workload, namespace,
   * mesh); no `policy` when none applies and Istio's default (PERMISSIVE) holds.
   */
  mtlsDecision(dst: Endpoint, port: number): { mode: MtlsMode; policy?: string; field?: string } {
    const workload = this.peerAuthn.find(
      (p) => p.selector && p.namespace === dst.namespace && matchesLabelSelector(p.selector, dst.labels),
    );
    const ns = this.peerAuthn.find((p) => !p.selector && p.namespace === dst.namespace);
    const mesh = this.peerAuthn.find((p) => !p.selector && p.namespace === this.rootNamespace);
    const portMode = workload?.portModes.get(port);
    if (workload && portMode)
      return { mode: portMode, policy: workload.id, field: `spec.portLevelMtls.${port}.mode` };
    for (const p of [workload, ns, mesh])
      if (p?.mode) return { mode: p.mode, policy: p.id, field: 'spec.mtls.mode' };
    return { mode: 'PERMISSIVE' };
  }

  /** The AuthorizationPolicies that apply to a destination (its namespace's and the mesh root's), with their action. */
  authorizationPoliciesFor(dst: Endpoint): ReadonlyArray<{
    readonly id: string;
    readonly action: string;
    readonly rules: number;
    readonly selector: boolean;
  }> {
    return this.authz
      .filter((p) => this.applies(p.namespace, p.selector, dst))
      .map((p) => ({
        id: p.id,
        action: p.action,
        rules: p.rules.length,
        selector: p.selector !== undefined,
      }));
  }

  /** The SPIFFE principal of an endpoint. */
  principalOf(ep: Endpoint): string {
    return `${this.trustDomain}/ns/${ep.namespace}/sa/${ep.serviceAccount}`;
  }

  private identity(src: Endpoint | undefined, dst: Endpoint, port: number): Source | 'rejected' {
    const mode = this.mtlsMode(dst, port);
    const mtls = src?.mesh === true && mode !== 'DISABLE';
    if (!mtls && mode === 'STRICT') return 'rejected';
    return mtls && src ? { principal: this.principalOf(src), namespace: src.namespace } : {};
  }

  private policiesFor(dst: Endpoint, action: AuthzPolicy['action']): AuthzPolicy[] {
    return this.authz.filter((p) => p.action === action && this.applies(p.namespace, p.selector, dst));
  }

  /** Names of the ALLOW policies that apply to a destination (empty: Istio allows everything that DENY does not stop). */
  allowPoliciesFor(dst: Endpoint): string[] {
    return this.policiesFor(dst, 'ALLOW').map((p) => p.id);
  }

  /**
   * Whether every request of a flow is allowed: `requests` undefined means plain TCP (or "any request" on an
   * HTTP port when `anyRequest`).
   */
  evaluate(src: Endpoint | undefined, dst: Endpoint, port: number, requests?: HttpRequestSet): IstioVerdict {
    if (!dst.mesh) return { allowed: true, reason: 'destination has no sidecar: no L7 layer' };
    if (SIDECAR_PORTS.includes(port))
      return { allowed: true, reason: `port ${port} is served by the sidecar itself (not intercepted)` };
    const id = this.identity(src, dst, port);
    if (id === 'rejected')
      return { allowed: false, reason: 'STRICT mTLS rejects a source without a sidecar' };
    const http = requests !== undefined;
    // Plain TCP is one "request": the connection.
    const combos = requests ? requestCombos(requests) : [{}];
    const denier = this.denyingPolicy(id, dst, port, http, combos);
    if (denier) return { allowed: false, reason: `denied by ${denier}` };
    const allows = this.policiesFor(dst, 'ALLOW');
    if (allows.length === 0) return { allowed: true, reason: 'no ALLOW policy applies' };
    const uncovered = combos.filter(
      (c) => !allows.some((p) => p.rules.some((rule) => allowRuleCovers(rule, id, port, http, c))),
    );
    if (uncovered.length === 0)
      return { allowed: true, reason: `allowed by ${allows.map((p) => p.id).join(', ')}` };
    const what = uncovered
      .map((c) => [c.method, c.path].filter(Boolean).join(' ') || 'the connection')
      .join(', ');
    return {
      allowed: false,
      reason: `no ALLOW rule matches ${id.principal ?? 'a plaintext source'} for ${what} on port ${port}`,
    };
  }

  /** The first DENY policy with a rule that may match some request of the flow. */
  private denyingPolicy(
    id: Source,
    dst: Endpoint,
    port: number,
    http: boolean,
    combos: readonly RequestCombo[],
  ): string | undefined {
    for (const policy of this.policiesFor(dst, 'DENY')) {
      for (const rule of policy.rules) {
        if (!ruleSourceMatches(rule, id, 'deny')) continue;
        const hit =
          !rule.to ||
          rule.to.length === 0 ||
          rule.to.some((t) => combos.some((c) => opMayMatch(t.operation, port, http, c)));
        if (hit) return policy.id;
      }
    }
    return undefined;
  }

  /** Whether at least one request from src on this port would get through. */
  allowsAny(src: Endpoint | undefined, dst: Endpoint, port: number, http: boolean): boolean {
    if (!dst.mesh || SIDECAR_PORTS.includes(port)) return true;
    const id = this.identity(src, dst, port);
    if (id === 'rejected') return false;
    for (const policy of this.policiesFor(dst, 'DENY')) {
      for (const rule of policy.rules) {
        if (!ruleSourceMatches(rule, id, 'deny')) continue;
        // Only a rule that stops every request on this port makes the whole port unreachable.
        if (
          !rule.to ||
          rule.to.length === 0 ||
          rule.to.some(
            (t) =>
              opPortMatches(t.operation, port) &&
              (!http || !HTTP_FIELDS.some((f) => t.operation?.[f] !== undefined)),
          )
        )
          return false;
      }
    }
    const allows = this.policiesFor(dst, 'ALLOW');
    if (allows.length === 0) return true;
    return allows.some((p) =>
      p.rules.some(
        (rule) =>
          ruleSourceMatches(rule, id, 'allow') &&
          (!rule.to ||
            rule.to.length === 0 ||
            rule.to.some(
              (t) =>
                opPortMatches(t.operation, port) &&
                (http || !HTTP_FIELDS.some((f) => t.operation?.[f] !== undefined)),
            )),
      ),
    );
  }

  /**
   * What the ALLOW rules grant a source on a port beyond the declared requests (over-permission at L7).
   * Empty when the grants stay within the declaration.
   */
  overGrants(
    src: Endpoint | undefined,
    dst: Endpoint,
    port: number,
    declared: HttpRequestSet | undefined,
  ): string[] {
    if (!dst.mesh || SIDECAR_PORTS.includes(port)) return [];
    const id = this.identity(src, dst, port);
    if (id === 'rejected') return [];
    const restricted = declared && (declared.methods !== undefined || declared.paths !== undefined);
    if (!restricted) return [];
    const allows = this.policiesFor(dst, 'ALLOW');
    if (allows.length === 0) return ['no ALLOW policy applies: every method and path is allowed'];
    const out: string[] = [];
    for (const p of allows) {
      p.rules.forEach((rule, i) => {
        if (ruleSourceMatches(rule, id, 'allow'))
          out.push(...ruleOverGrants(`${p.id} rules[${i}]`, rule, port, declared));
      });
    }
    return out;
  }
}

/** Every method and path combination of a flow's requests (a missing list: any method, every path). */
function requestCombos(requests: HttpRequestSet): RequestCombo[] {
  const combos: RequestCombo[] = [];
  for (const method of requests.methods ?? [undefined])
    for (const path of requests.paths ?? ['*']) combos.push({ method, path });
  return combos;
}

/** Whether an ALLOW rule matches the source and every request of the combination. */
function allowRuleCovers(rule: AuthzRule, id: Source, port: number, http: boolean, c: RequestCombo): boolean {
  return (
    ruleSourceMatches(rule, id, 'allow') &&
    (!rule.to || rule.to.length === 0 || rule.to.some((t) => opCovers(t.operation, port, http, c)))
  );
}

/** What one matching ALLOW rule (`where`) grants on a port beyond the declared methods and paths. */
function ruleOverGrants(where: string, rule: AuthzRule, port: number, declared: HttpRequestSet): string[] {
  if (!rule.to || rule.to.length === 0) return [`${where} allows every method and path`];
  const out: string[] = [];
  for (const t of rule.to) {
    const op = t.operation ?? {};
    if (!opPortMatches(op, port)) continue;
    if (declared.methods) {
      if (!op.methods || op.notMethods) out.push(`${where} allows any method`);
      else
        for (const m of op.methods)
          if (!declared.methods.some((d) => istioStringMatch(m, d) && m === d))
            out.push(`${where} allows method ${m}`);
    }
    if (declared.paths) {
      if (!op.paths || op.notPaths) out.push(`${where} allows any path`);
      else
        for (const path of op.paths)
          if (!declared.paths.some((d) => patternCovers(d, path))) out.push(`${where} allows path ${path}`);
    }
  }
  return out;
}
