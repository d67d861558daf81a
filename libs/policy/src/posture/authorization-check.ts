import { resolveRef } from '../flow-graph';
import type { Workload } from '../workloads';
import type { PostureCheck, PostureResult } from './posture-check';

/** Every destination of the flow graph in the app namespace has an ALLOW AuthorizationPolicy of its own. */
export const authorizationCheck: PostureCheck = (ctx) => {
  const check = 'AuthorizationPolicy';
  const destinations = new Map<string, Workload>();
  for (const flow of ctx.graph.document.flows) {
    for (const ref of Array.isArray(flow.to) ? flow.to : [flow.to])
      for (const w of resolveRef(ctx.graph, ref, ctx.analysis.workloads))
        if (w.origin === 'manifest' && w.namespace === ctx.namespace) destinations.set(w.id, w);
  }
  return [...destinations.values()].map((w): PostureResult => {
    const object = `${w.kind} ${w.namespace}/${w.name}`;
    const applying = ctx.analysis.istio.authorizationPoliciesFor(ctx.analysis.endpointOf(w));
    const own = applying.find((p) => p.action === 'ALLOW' && p.selector && p.rules > 0);
    return own
      ? {
          check,
          status: 'pass',
          object: own.id,
          field: 'spec.selector',
          value: w.name,
          message: `allows the declared callers of ${w.name}`,
        }
      : {
          check,
          status: 'fail',
          object,
          field: 'AuthorizationPolicy',
          value: applying.map((p) => `${p.id} (${p.action})`).join(', ') || '(none)',
          message:
            'no ALLOW AuthorizationPolicy selects it: a declared flow to it is not authorized by principal',
        };
  });
};
