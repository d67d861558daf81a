import { matchesLabelSelector, type LabelSelector } from './label-selector';
import {
  UNKNOWN_SOURCE_FIELDS,
  type AuthzRule,
  type Operation,
  type SourceSpec,
} from './read-istio-policies';

/** Istio's root namespace when none is configured (meshConfig.rootNamespace): its policies reach the whole mesh. */
export const ISTIO_ROOT_NAMESPACE = 'istio-system';

/**
 * Whether an Istio policy (AuthorizationPolicy, PeerAuthentication) of `namespace` with `selector` applies to a
 * workload: in its own namespace to the workloads its selector matches (no selector: all of them); in the root
 * namespace to the matching workloads of every namespace (no selector: the whole mesh).
 */
export function istioPolicyApplies(
  namespace: string,
  selector: LabelSelector | undefined,
  workload: { readonly namespace: string; readonly labels: Readonly<Record<string, string>> },
  rootNamespace: string = ISTIO_ROOT_NAMESPACE,
): boolean {
  if (namespace !== rootNamespace && namespace !== workload.namespace) return false;
  if (namespace === rootNamespace && !selector) return true;
  return selector ? matchesLabelSelector(selector, workload.labels) : true;
}

/** The peer identity Istio authorizes on: the mTLS principal and namespace (empty for a plaintext source). */
export interface Source {
  readonly principal?: string;
  readonly namespace?: string;
}

/** One request of a flow: a method and a path pattern, either absent for "any". */
export interface RequestCombo {
  readonly method?: string;
  readonly path?: string;
}

/** Operation fields only an HTTP request has. */
export const HTTP_FIELDS: ReadonlyArray<keyof Operation> = [
  'hosts',
  'notHosts',
  'methods',
  'notMethods',
  'paths',
  'notPaths',
];

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

/** Whether a rule's `source` matches; fields unknown statically match for DENY and not for ALLOW (`conservative`). */
function sourceMatches(spec: SourceSpec | undefined, src: Source, conservative: 'allow' | 'deny'): boolean {
  if (!spec) return true;
  const principal = src.principal ?? '';
  const namespace = src.namespace ?? '';
  if (UNKNOWN_SOURCE_FIELDS.some((k) => spec[k] !== undefined) && conservative === 'allow') return false;
  if (spec.principals && !spec.principals.some((p) => istioStringMatch(p, principal))) return false;
  if (spec.notPrincipals && spec.notPrincipals.some((p) => istioStringMatch(p, principal))) return false;
  if (spec.namespaces && !spec.namespaces.some((p) => istioStringMatch(p, namespace))) return false;
  if (spec.notNamespaces && spec.notNamespaces.some((p) => istioStringMatch(p, namespace))) return false;
  return true;
}

/** Whether a rule's `from` and `when` match the source, read conservatively for its action. */
export function ruleSourceMatches(rule: AuthzRule, src: Source, conservative: 'allow' | 'deny'): boolean {
  if (rule.when && conservative === 'allow') return false;
  if (!rule.from || rule.from.length === 0) return true;
  return rule.from.some((f) => sourceMatches(f?.source, src, conservative));
}

/** Whether an operation's ports and notPorts let this port through. */
export function opPortMatches(op: Operation | undefined, port: number): boolean {
  if (!op) return true;
  if (op.ports && !op.ports.some((p) => String(p) === String(port))) return false;
  if (op.notPorts && op.notPorts.some((p) => String(p) === String(port))) return false;
  return true;
}

/** Could this DENY operation match some request of the combination (path patterns intersect)? */
export function opMayMatch(op: Operation | undefined, port: number, http: boolean, c: RequestCombo): boolean {
  if (!opPortMatches(op, port)) return false;
  if (!op || !http) return true; // on TCP, Istio ignores a DENY rule's HTTP-only fields (stricter)
  const { method, path } = c;
  if (op.methods && method && !op.methods.some((m) => istioStringMatch(m, method))) return false;
  if (op.notMethods && method && op.notMethods.some((m) => istioStringMatch(m, method))) return false;
  if (op.paths && path && !op.paths.some((p) => patternsIntersect(p, path))) return false;
  if (op.notPaths && path && op.notPaths.some((p) => patternCovers(p, path))) return false;
  return true;
}

/** Does this ALLOW operation match every request of the combination? */
export function opCovers(op: Operation | undefined, port: number, http: boolean, c: RequestCombo): boolean {
  if (!opPortMatches(op, port)) return false;
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
