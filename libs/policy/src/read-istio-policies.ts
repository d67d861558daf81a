import type { FindingLog } from './findings';
import type { MtlsMode } from './istio-policies';
import type { LabelSelector } from './label-selector';
import { describeObject, type ManifestObject } from './manifest-objects';
import { bad } from './network-policies';
import { namespaceOf } from './workloads';

/** The `to[].operation` of an AuthorizationPolicy rule. */
export interface Operation {
  readonly hosts?: string[];
  readonly notHosts?: string[];
  readonly ports?: string[];
  readonly notPorts?: string[];
  readonly methods?: string[];
  readonly notMethods?: string[];
  readonly paths?: string[];
  readonly notPaths?: string[];
}

/** The `from[].source` of an AuthorizationPolicy rule. */
export interface SourceSpec {
  readonly principals?: string[];
  readonly notPrincipals?: string[];
  readonly namespaces?: string[];
  readonly notNamespaces?: string[];
  readonly [other: string]: unknown;
}

/** One rule of an AuthorizationPolicy. */
export interface AuthzRule {
  readonly from?: ReadonlyArray<{ source?: SourceSpec }>;
  readonly to?: ReadonlyArray<{ operation?: Operation }>;
  readonly when?: unknown[];
}

/** An AuthorizationPolicy as the Istio layer reads it. */
export interface AuthzPolicy {
  readonly id: string;
  readonly namespace: string;
  readonly selector?: LabelSelector;
  readonly action: 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';
  readonly rules: readonly AuthzRule[];
}

/** A PeerAuthentication as the Istio layer reads it (UNSET read as no mode). */
export interface PeerAuthn {
  readonly id: string;
  readonly namespace: string;
  readonly selector?: LabelSelector;
  readonly mode?: MtlsMode;
  readonly portModes: ReadonlyMap<number, MtlsMode | undefined>;
}

/** The source fields whose values are unknown statically (request principals, IP blocks). */
export const UNKNOWN_SOURCE_FIELDS: readonly string[] = [
  'requestPrincipals',
  'notRequestPrincipals',
  'ipBlocks',
  'notIpBlocks',
  'remoteIpBlocks',
  'notRemoteIpBlocks',
];

const MODES = new Set(['STRICT', 'PERMISSIVE', 'DISABLE', 'UNSET']);

/** Reads the security.istio.io objects, noting what the layer does not analyze; bad input throws. */
export function readIstioPolicies(
  objects: readonly ManifestObject[],
  defaultNamespace: string,
  findings: FindingLog,
): { authz: AuthzPolicy[]; peerAuthn: PeerAuthn[] } {
  const authz: AuthzPolicy[] = [];
  const peerAuthn: PeerAuthn[] = [];
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
    const scope = { id: describeObject(obj), namespace, selector };
    if (obj.kind === 'AuthorizationPolicy') authz.push(readAuthorizationPolicy(obj, spec, scope, findings));
    else if (obj.kind === 'PeerAuthentication') peerAuthn.push(readPeerAuthentication(obj, spec, scope));
    else if (obj.kind === 'RequestAuthentication') {
      findings.add({
        severity: 'note',
        object: describeObject(obj),
        field: 'spec.jwtRules',
        message: 'JWT validation is not analyzed (request principals are unknown statically)',
        source: obj.source,
      });
    }
  }
  return { authz, peerAuthn };
}

/** Where a policy applies: its name, namespace and workload selector. */
type PolicyScope = Pick<AuthzPolicy, 'id' | 'namespace' | 'selector'>;

/** One AuthorizationPolicy: its action and rules; a CUSTOM action and unanalyzed rule fields are findings. */
function readAuthorizationPolicy(
  obj: ManifestObject,
  spec: Record<string, unknown>,
  scope: PolicyScope,
  findings: FindingLog,
): AuthzPolicy {
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
  rules.forEach((r, i) => noteUnmodelled(obj, `spec.rules[${i}]`, r, findings));
  return { ...scope, action: action as AuthzPolicy['action'], rules };
}

/** One PeerAuthentication: its mode and port-level modes, each STRICT, PERMISSIVE, DISABLE or UNSET. */
function readPeerAuthentication(
  obj: ManifestObject,
  spec: Record<string, unknown>,
  scope: PolicyScope,
): PeerAuthn {
  const mode = (spec.mtls as { mode?: string } | undefined)?.mode;
  if (mode !== undefined && !MODES.has(mode))
    bad(obj, 'spec.mtls.mode', `must be STRICT, PERMISSIVE, DISABLE or UNSET (got ${mode})`);
  const portModes = new Map<number, MtlsMode | undefined>();
  for (const [port, v] of Object.entries((spec.portLevelMtls as Record<string, { mode?: string }>) ?? {})) {
    const m = v?.mode;
    if (m !== undefined && !MODES.has(m))
      bad(obj, `spec.portLevelMtls.${port}.mode`, `must be STRICT, PERMISSIVE, DISABLE or UNSET (got ${m})`);
    portModes.set(Number(port), m === 'UNSET' ? undefined : (m as MtlsMode));
  }
  return { ...scope, mode: mode === 'UNSET' ? undefined : (mode as MtlsMode | undefined), portModes };
}

/** Notes each field of a rule the layer cannot evaluate statically (and how it reads a rule that uses one). */
function noteUnmodelled(obj: ManifestObject, field: string, rule: AuthzRule, findings: FindingLog): void {
  const add = (f: string, what: string) =>
    findings.add({
      severity: 'unmodelled',
      object: describeObject(obj),
      field: `${field}.${f}`,
      message: `${what} is not analyzed: an ALLOW rule using it is read as not matching, a DENY rule as matching`,
      source: obj.source,
    });
  if (rule?.when) add('when', 'a `when` condition');
  rule?.from?.forEach((f, i) => {
    for (const k of UNKNOWN_SOURCE_FIELDS) {
      if (f?.source?.[k] !== undefined) add(`from[${i}].source.${k}`, k);
    }
  });
  rule?.to?.forEach((t, i) => {
    if (t?.operation?.hosts !== undefined || t?.operation?.notHosts !== undefined)
      add(`to[${i}].operation.hosts`, 'host matching');
  });
}
