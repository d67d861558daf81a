import { SIDECAR_PORTS } from '../istio-policies';
import { describeObject, type ManifestObject } from '../manifest-objects';
import type { PostureCheck, PostureResult } from './posture-check';
import { deploymentsOf, workloadOf } from './workload-queries';

function mode(pa: ManifestObject): string | undefined {
  const m = (pa.spec as { mtls?: { mode?: string } } | undefined)?.mtls?.mode;
  return m === 'UNSET' ? undefined : m;
}

function hasSelector(pa: ManifestObject): boolean {
  return (
    Object.keys((pa.spec as { selector?: { matchLabels?: object } } | undefined)?.selector?.matchLabels ?? {})
      .length > 0
  );
}

/**
 * A STRICT PeerAuthentication covers the namespace (its own, or the mesh root's), and on every port of every
 * workload the mode the analyzer computes (workload port, workload, namespace, mesh) is STRICT: no narrower
 * PeerAuthentication relaxes it.
 */
export const mtlsCheck: PostureCheck = (ctx) => {
  const check = 'mTLS STRICT';
  const out: PostureResult[] = [];
  const wide = (ns: string) =>
    ctx.of('PeerAuthentication', ns, 'security.istio.io').filter((pa) => !hasSelector(pa) && mode(pa));
  const [nsWide] = wide(ctx.namespace);
  const [meshWide] = wide(ctx.rootNamespace);
  const decider = nsWide ?? meshWide;
  if (!decider)
    out.push({
      check,
      status: 'fail',
      object: `Namespace ${ctx.namespace}`,
      field: 'PeerAuthentication',
      value: '(none)',
      message: `no PeerAuthentication covers it nor the mesh (${ctx.rootNamespace}): Istio's default is PERMISSIVE`,
    });
  else
    out.push({
      check,
      status: mode(decider) === 'STRICT' ? 'pass' : 'fail',
      object: describeObject(decider),
      field: 'spec.mtls.mode',
      value: mode(decider),
      message:
        mode(decider) === 'STRICT'
          ? `covers ${decider === nsWide ? `namespace ${ctx.namespace}` : 'the mesh'}`
          : `${decider === nsWide ? `namespace ${ctx.namespace}` : 'the mesh'} accepts plaintext`,
    });
  for (const deployment of deploymentsOf(ctx)) {
    const workload = workloadOf(ctx, deployment);
    if (!workload) continue;
    const endpoint = ctx.analysis.endpointOf(workload);
    // One line per deciding field: the ports it leaves open to plaintext.
    const relaxed = new Map<
      string,
      { decision: ReturnType<typeof ctx.analysis.istio.mtlsDecision>; ports: number[] }
    >();
    for (const port of workload.ports.filter(
      (p) => p.protocol === 'TCP' && !SIDECAR_PORTS.includes(p.port),
    )) {
      const decision = ctx.analysis.istio.mtlsDecision(endpoint, port.port);
      if (decision.mode === 'STRICT') continue;
      const key = `${decision.policy}|${decision.field}|${decision.mode}`;
      relaxed.set(key, { decision, ports: [...(relaxed.get(key)?.ports ?? []), port.port] });
    }
    for (const { decision, ports } of relaxed.values())
      out.push({
        check,
        status: 'fail',
        object: decision.policy ?? describeObject(deployment),
        field: decision.field ?? 'PeerAuthentication',
        value: decision.mode,
        message: `${describeObject(deployment)} accepts plaintext on port ${ports.join(', ')}`,
      });
  }
  return out;
};
