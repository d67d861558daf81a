import type { Endpoint } from './endpoints';
import type { FindingLog } from './findings';
import { matchesLabelSelector, type LabelSelector } from './label-selector';
import { describeObject, type ManifestObject } from './manifest-objects';
import { bad } from './network-policies';
import { namespaceOf } from './workloads';

import { SIDECAR_PORTS } from './sidecar-listeners';

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

interface Source {
  readonly principal?: string;
  readonly namespace?: string;
}

interface Operation {
  readonly hosts?: string[];
  readonly notHosts?: string[];
  readonly ports?: string[];
  readonly notPorts?: string[];
  readonly methods?: string[];
  readonly notMethods?: string[];
  readonly paths?: string[];
  readonly notPaths?: string[];
}

interface SourceSpec {
  readonly principals?: string[];
  readonly notPrincipals?: string[];
  readonly namespaces?: string[];
  readonly notNamespaces?: string[];
  readonly [other: string]: unknown;
}

interface AuthzRule {
  readonly from?: ReadonlyArray<{ source?: SourceSpec }>;
  readonly to?: ReadonlyArray<{ operation?: Operation }>;
  readonly when?: unknown[];
}

interface AuthzPolicy {
  readonly id: string;
  readonly namespace: string;
  readonly selector?: LabelSelector;
  readonly action: 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';
  readonly rules: readonly AuthzRule[];
}

interface PeerAuthn {
  readonly id: string;
  readonly namespace: string;
  readonly selector?: LabelSelector;
  readonly mode?: MtlsMode;
  readonly portModes: ReadonlyMap<number, MtlsMode | undefined>;
}

/** Istio string match: exact, `prefix*`, `*suffix`, or `*` (any non-empty value). */
export function istioStringMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return value !== '';
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

/** Whether every value matching `inner` (a flow's path pattern) matches `outer` (a policy's). */
export function patternCovers(outer: string, inner: string): boolean {
  if (outer === '*') return true;
  const innerPrefix = inner.endsWith('*') && inner !== '*';
  const innerSuffix = inner.startsWith('*') && inner !== '*';
  if (inner === '*') return false;
  if (!innerPrefix && !innerSuffix) return istioStringMatch(outer, inner);
  if (outer.endsWith('*')) return innerPrefix && inner.slice(0, -1).startsWith(outer.slice(0, -1));
  if (outer.startsWith('*')) return innerSuffix && inner.slice(1).endsWith(outer.slice(1));
  return false;
}

/** Whether some value matches both patterns. */
export function patternsIntersect(a: string, b: string): boolean {
  const kind = (p: string) =>
    p === '*' ? 'any' : p.endsWith('*') ? 'prefix' : p.startsWith('*') ? 'suffix' : 'exact';
  const [ka, kb] = [kind(a), kind(b)];
  if (ka === 'any' || kb === 'any') return true;
  if (ka === 'exact') return istioStringMatch(b, a);
  if (kb === 'exact') return istioStringMatch(a, b);
  if (ka === 'prefix' && kb === 'prefix')
    return a.slice(0, -1).startsWith(b.slice(0, -1)) || b.slice(0, -1).startsWith(a.slice(0, -1));
  if (ka === 'suffix' && kb === 'suffix')
    return a.slice(1).endsWith(b.slice(1)) || b.slice(1).endsWith(a.slice(1));
  return true; // a prefix and a suffix always share a long enough value
}

const HTTP_FIELDS: ReadonlyArray<keyof Operation> = [
  'hosts',
  'notHosts',
  'methods',
  'notMethods',
  'paths',
  'notPaths',
];
const MODES = new Set(['STRICT', 'PERMISSIVE', 'DISABLE', 'UNSET']);

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
  private readonly authz: AuthzPolicy[] = [];
  private readonly peerAuthn: PeerAuthn[] = [];
  readonly rootNamespace: string;
  readonly trustDomain: string;

  constructor(
    objects: readonly ManifestObject[],
    defaultNamespace: string,
    private readonly findings: FindingLog,
    options: IstioOptions = {},
  ) {
    this.rootNamespace = options.rootNamespace ?? 'istio-system';
    this.trustDomain = options.trustDomain ?? 'cluster.local';
    for (const obj of objects) {
      if (!obj.apiVersion.startsWith('security.istio.io/')) continue;
      const spec = (obj.spec ?? {}) as Record<string, unknown>;
      const namespace = namespaceOf(obj, defaultNamespace);
      const selector = (spec.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels
        ? { matchLabels: (spec.selector as { matchLabels: Record<string, string> }).matchLabels }
        : undefined;
      if (spec.targetRef !== undefined || spec.targetRefs !== undefined) {
        findings.add({
          severity: 'unmodelled',
          object: describeObject(obj),
          field: 'spec.targetRefs',
          message: 'policies attached to gateways or waypoints by targetRef are not analyzed',
          source: obj.source,
        });
        continue;
      }
      if (obj.kind === 'AuthorizationPolicy') {
        const action = String(spec.action ?? 'ALLOW');
        if (!['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'].includes(action))
          bad(obj, 'spec.action', `must be ALLOW, DENY, AUDIT or CUSTOM (got ${action})`);
        if (action === 'CUSTOM') {
          findings.add({
            severity: 'unmodelled',
            object: describeObject(obj),
            field: 'spec.provider',
            message:
              'CUSTOM authorization is decided by an external provider: flows it covers may still be denied at run time',
            source: obj.source,
          });
        }
        const rules = spec.rules === undefined ? [] : (spec.rules as AuthzRule[]);
        if (!Array.isArray(rules)) bad(obj, 'spec.rules', 'must be a list');
        rules.forEach((r, i) => this.noteUnmodelled(obj, `spec.rules[${i}]`, r));
        this.authz.push({
          id: describeObject(obj),
          namespace,
          selector,
          action: action as AuthzPolicy['action'],
          rules,
        });
      } else if (obj.kind === 'PeerAuthentication') {
        const mode = (spec.mtls as { mode?: string } | undefined)?.mode;
        if (mode !== undefined && !MODES.has(mode))
          bad(obj, 'spec.mtls.mode', `must be STRICT, PERMISSIVE, DISABLE or UNSET (got ${mode})`);
        const portModes = new Map<number, MtlsMode | undefined>();
        for (const [port, v] of Object.entries(
          (spec.portLevelMtls as Record<string, { mode?: string }>) ?? {},
        )) {
          const m = v?.mode;
          if (m !== undefined && !MODES.has(m))
            bad(
              obj,
              `spec.portLevelMtls.${port}.mode`,
              `must be STRICT, PERMISSIVE, DISABLE or UNSET (got ${m})`,
            );
          portModes.set(Number(port), m === 'UNSET' ? undefined : (m as MtlsMode));
        }
        this.peerAuthn.push({
          id: describeObject(obj),
          namespace,
          selector,
          mode: mode === 'UNSET' ? undefined : (mode as MtlsMode | undefined),
          portModes,
        });
      } else if (obj.kind === 'RequestAuthentication') {
        findings.add({
          severity: 'note',
          object: describeObject(obj),
          field: 'spec.jwtRules',
          message: 'JWT validation is not analyzed (request principals are unknown statically)',
          source: obj.source,
        });
      }
    }
  }

  private noteUnmodelled(obj: ManifestObject, field: string, rule: AuthzRule): void {
    const add = (f: string, what: string) =>
      this.findings.add({
        severity: 'unmodelled',
        object: describeObject(obj),
        field: `${field}.${f}`,
        message: `${what} is not analyzed: an ALLOW rule using it is read as not matching, a DENY rule as matching`,
        source: obj.source,
      });
    if (rule?.when) add('when', 'a `when` condition');
    rule?.from?.forEach((f, i) => {
      for (const k of [
        'requestPrincipals',
        'notRequestPrincipals',
        'ipBlocks',
        'notIpBlocks',
        'remoteIpBlocks',
        'notRemoteIpBlocks',
      ]) {
        if (f?.source?.[k] !== undefined) add(`from[${i}].source.${k}`, k);
      }
    });
    rule?.to?.forEach((t, i) => {
      if (t?.operation?.hosts !== undefined || t?.operation?.notHosts !== undefined)
        add(`to[${i}].operation.hosts`, 'host matching');
    });
  }

  private applies(scopeNs: string, selector: LabelSelector | undefined, dst: Endpoint): boolean {
    if (scopeNs !== this.rootNamespace && scopeNs !== dst.namespace) return false;
    if (scopeNs === this.rootNamespace && !selector) return true;
    return selector ? matchesLabelSelector(selector, dst.labels) : true;
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

  private sourceMatches(spec: SourceSpec | undefined, src: Source, conservative: 'allow' | 'deny'): boolean {
    if (!spec) return true;
    const principal = src.principal ?? '';
    const namespace = src.namespace ?? '';
    const unknowns = [
      'requestPrincipals',
      'notRequestPrincipals',
      'ipBlocks',
      'notIpBlocks',
      'remoteIpBlocks',
      'notRemoteIpBlocks',
    ];
    if (unknowns.some((k) => spec[k] !== undefined) && conservative === 'allow') return false;
    if (spec.principals && !spec.principals.some((p) => istioStringMatch(p, principal))) return false;
    if (spec.notPrincipals && spec.notPrincipals.some((p) => istioStringMatch(p, principal))) return false;
    if (spec.namespaces && !spec.namespaces.some((p) => istioStringMatch(p, namespace))) return false;
    if (spec.notNamespaces && spec.notNamespaces.some((p) => istioStringMatch(p, namespace))) return false;
    return true;
  }

  private ruleSourceMatches(rule: AuthzRule, src: Source, conservative: 'allow' | 'deny'): boolean {
    if (rule.when && conservative === 'allow') return false;
    if (!rule.from || rule.from.length === 0) return true;
    return rule.from.some((f) => this.sourceMatches(f?.source, src, conservative));
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
    const combos: Array<{ method?: string; path?: string }> = [];
    if (requests) {
      for (const method of requests.methods ?? [undefined])
        for (const path of requests.paths ?? ['*']) combos.push({ method, path });
    }
    const http = requests !== undefined;
    for (const policy of this.policiesFor(dst, 'DENY')) {
      for (const rule of policy.rules) {
        if (!this.ruleSourceMatches(rule, id, 'deny')) continue;
        const hit =
          !rule.to ||
          rule.to.length === 0 ||
          rule.to.some((t) =>
            (http ? combos : [{}]).some((c) => this.opMayMatch(t.operation, port, http, c)),
          );
        if (hit) return { allowed: false, reason: `denied by ${policy.id}` };
      }
    }
    const allows = this.policiesFor(dst, 'ALLOW');
    if (allows.length === 0) return { allowed: true, reason: 'no ALLOW policy applies' };
    const uncovered = (http ? combos : [{}]).filter(
      (c) =>
        !allows.some((p) =>
          p.rules.some(
            (rule) =>
              this.ruleSourceMatches(rule, id, 'allow') &&
              (!rule.to ||
                rule.to.length === 0 ||
                rule.to.some((t) => this.opCovers(t.operation, port, http, c))),
          ),
        ),
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

  /** Whether at least one request from src on this port would get through. */
  allowsAny(src: Endpoint | undefined, dst: Endpoint, port: number, http: boolean): boolean {
    if (!dst.mesh || SIDECAR_PORTS.includes(port)) return true;
    const id = this.identity(src, dst, port);
    if (id === 'rejected') return false;
    for (const policy of this.policiesFor(dst, 'DENY')) {
      for (const rule of policy.rules) {
        if (!this.ruleSourceMatches(rule, id, 'deny')) continue;
        // Only a rule that stops every request on this port makes the whole port unreachable.
        if (
          !rule.to ||
          rule.to.length === 0 ||
          rule.to.some(
            (t) =>
              this.opPortMatches(t.operation, port) &&
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
          this.ruleSourceMatches(rule, id, 'allow') &&
          (!rule.to ||
            rule.to.length === 0 ||
            rule.to.some(
              (t) =>
                this.opPortMatches(t.operation, port) &&
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
        if (!this.ruleSourceMatches(rule, id, 'allow')) return;
        const where = `${p.id} rules[${i}]`;
        if (!rule.to || rule.to.length === 0) {
          out.push(`${where} allows every method and path`);
          return;
        }
        for (const t of rule.to) {
          const op = t.operation ?? {};
          if (!this.opPortMatches(op, port)) continue;
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
                if (!declared.paths.some((d) => patternCovers(d, path)))
                  out.push(`${where} allows path ${path}`);
          }
        }
      });
    }
    return out;
  }

  private opPortMatches(op: Operation | undefined, port: number): boolean {
    if (!op) return true;
    if (op.ports && !op.ports.some((p) => String(p) === String(port))) return false;
    if (op.notPorts && op.notPorts.some((p) => String(p) === String(port))) return false;
    return true;
  }

  /** Could this DENY operation match some request of the combination (path patterns intersect)? */
  private opMayMatch(
    op: Operation | undefined,
    port: number,
    http: boolean,
    c: { method?: string; path?: string },
  ): boolean {
    if (!this.opPortMatches(op, port)) return false;
    if (!op || !http) return true; // on TCP, Istio ignores a DENY rule's HTTP-only fields (stricter)
    const { method, path } = c;
    if (op.methods && method && !op.methods.some((m) => istioStringMatch(m, method))) return false;
    if (op.notMethods && method && op.notMethods.some((m) => istioStringMatch(m, method))) return false;
    if (op.paths && path && !op.paths.some((p) => patternsIntersect(p, path))) return false;
    if (op.notPaths && path && op.notPaths.some((p) => patternCovers(p, path))) return false;
    return true;
  }

  /** Does this ALLOW operation match every request of the combination? */
  private opCovers(
    op: Operation | undefined,
    port: number,
    http: boolean,
    c: { method?: string; path?: string },
  ): boolean {
    if (!this.opPortMatches(op, port)) return false;
    if (!op) return true;
    if (!http) return !HTTP_FIELDS.some((f) => op[f] !== undefined); // an ALLOW rule with HTTP fields never matches TCP
    if (op.hosts || op.notHosts) return false;
    const method = c.method ?? '';
    const path = c.path ?? '';
    if (op.methods && (!method || !op.methods.some((m) => istioStringMatch(m, method)))) return false;
    if (op.notMethods && (!method || op.notMethods.some((m) => istioStringMatch(m, method)))) return false;
    if (op.paths && (!path || !op.paths.some((p) => patternCovers(p, path)))) return false;
    if (op.notPaths && (!path || op.notPaths.some((p) => patternsIntersect(p, path)))) return false;
    return true;
  }
}
