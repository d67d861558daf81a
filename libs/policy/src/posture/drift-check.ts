import { diffFlows } from '../flow-diff';
import { apiGroup, describeObject, ManifestError, type ManifestObject } from '../manifest-objects';
import { type PostureCheck, type PostureResult } from './posture-check';

/** The kinds whose live copy must equal the rendered overlay: the policies and mesh objects, by API group. */
export const DRIFT_KINDS: ReadonlyArray<readonly [group: string, kind: string]> = [
  ['networking.k8s.io', 'NetworkPolicy'],
  ['projectcalico.org', 'NetworkPolicy'],
  ['projectcalico.org', 'GlobalNetworkPolicy'],
  ['projectcalico.org', 'Tier'],
  ['security.istio.io', 'PeerAuthentication'],
  ['security.istio.io', 'AuthorizationPolicy'],
  ['networking.istio.io', 'Sidecar'],
  ['networking.istio.io', 'DestinationRule'],
  ['networking.istio.io', 'VirtualService'],
  ['networking.istio.io', 'Gateway'],
  ['networking.istio.io', 'EnvoyFilter'],
];

const isDriftKind = (o: ManifestObject) =>
  DRIFT_KINDS.some(([group, kind]) => group === apiGroup(o.apiVersion) && kind === o.kind);
const keyOf = (o: ManifestObject) =>
  `${apiGroup(o.apiVersion)}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

/** Fields the API server fills in when the author leaves them out, with the value it fills in. */
const SERVER_DEFAULTS: Readonly<Record<string, unknown>> = { protocol: 'TCP' };

/** What the owner declared: the object without apiVersion, kind, metadata, status and source. */
function body(o: ManifestObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata: _m, status: _s, source: _src, ...rest } = o;
  return rest;
}

const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));

/** The first field where `live` differs from `rendered`, as `path: rendered -> live`, or undefined when equal. */
export function firstDifference(
  rendered: unknown,
  live: unknown,
  path = '',
): { field: string; value: string } | undefined {
  if (Array.isArray(rendered) && Array.isArray(live)) {
    for (let i = 0; i < Math.max(rendered.length, live.length); i++) {
      const d = firstDifference(rendered[i], live[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (
    rendered &&
    live &&
    typeof rendered === 'object' &&
    typeof live === 'object' &&
    !Array.isArray(rendered) &&
    !Array.isArray(live)
  ) {
    const r = rendered as Record<string, unknown>;
    const l = live as Record<string, unknown>;
    for (const key of new Set([...Object.keys(r), ...Object.keys(l)])) {
      if (!(key in r) && key in SERVER_DEFAULTS && l[key] === SERVER_DEFAULTS[key]) continue;
      const d = firstDifference(r[key], l[key], path ? `${path}.${key}` : key);
      if (d) return d;
    }
    return undefined;
  }
  return rendered === live ? undefined : { field: path, value: `${show(rendered)} -> ${show(live)}` };
}

/**
 * Drift from the repo, twice over: each policy and mesh object of the rendered overlay equals its live copy (none
 * missing, none changed, none extra in the app namespace), and the analyzer, run on the live objects against the
 * flow graph, finds exactly the declared flows allowed and every probe denied.
 */
export const driftCheck: PostureCheck = (ctx) => {
  const out: PostureResult[] = [];
  if (ctx.rendered) {
    const check = 'drift (objects)';
    const rendered = ctx.rendered.filter(isDriftKind);
    const live = new Map(ctx.objects.filter(isDriftKind).map((o) => [keyOf(o), o]));
    let equal = 0;
    for (const want of rendered) {
      const have = live.get(keyOf(want));
      live.delete(keyOf(want));
      if (!have) {
        out.push({
          check,
          status: 'fail',
          object: describeObject(want),
          message: 'in the overlay, not in the cluster',
        });
        continue;
      }
      const d = firstDifference(body(want), body(have));
      if (d)
        out.push({
          check,
          status: 'fail',
          object: describeObject(want),
          field: d.field,
          value: d.value,
          message: 'edited in the cluster (overlay -> live)',
        });
      else equal++;
    }
    // Extra objects count in the app namespace; cluster-wide ones (Calico's own tiers, others' policies) do not.
    for (const extra of live.values())
      if (extra.metadata.namespace === ctx.namespace)
        out.push({
          check,
          status: 'fail',
          object: describeObject(extra),
          message: 'in the cluster, not in the overlay',
        });
    if (!out.length)
      out.push({
        check,
        status: 'pass',
        object: `Namespace ${ctx.namespace}`,
        value: `${equal} objects`,
        message: 'every policy and mesh object equals the rendered overlay',
      });
  }
  const check = 'drift (flows)';
  try {
    const diff = diffFlows(
      ctx.objects.filter((o) => o.kind !== 'Pod'),
      ctx.graph,
      {
        defaultNamespace: ctx.namespace,
        allowUnknownKinds: true,
        istio: { rootNamespace: ctx.rootNamespace },
      },
    );
    const object = `FlowGraph ${ctx.graph.file}`;
    for (const b of diff.blocked)
      out.push({
        check,
        status: 'fail',
        object,
        field: `line ${b.line}`,
        value: `${b.from} -> ${b.to} ${b.protocol} ${b.port}`,
        message: `declared but blocked (${!b.l4 ? 'L4' : `L7: ${b.l7?.reason}`})`,
      });
    for (const o of diff.overPermissive)
      out.push({
        check,
        status: 'fail',
        object,
        field: o.layer,
        value: `${o.from} -> ${o.to}`,
        message: `allowed, not declared: ${o.detail}`,
      });
    for (const p of diff.probes.filter((x) => !x.denied))
      out.push({
        check,
        status: 'fail',
        object,
        field: 'probe',
        value: `${p.from} -> ${p.to} ${p.protocol} ${p.port}`,
        message: `${p.probe} gets through`,
      });
    for (const u of diff.unresolved) out.push({ check, status: 'warn', object, message: `unresolved: ${u}` });
    if (diff.match)
      out.push({
        check,
        status: 'pass',
        object,
        value: `${diff.declared.length} flows, ${diff.probes.length} probes`,
        message: 'the live objects allow exactly the declared flows',
      });
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    out.push({
      check,
      status: 'fail',
      object: error.object,
      message: `the analyzer cannot read it: ${error.detail}`,
    });
  }
  return out;
};
