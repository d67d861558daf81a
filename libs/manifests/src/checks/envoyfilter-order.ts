import { apiGroup } from '@ztmesh/policy';
import { findingOf, type CrossCheck, type Finding } from './cross-check';

/** The HTTP filter that enforces Istio's AuthorizationPolicy in a proxy's HTTP connection manager. */
export const ISTIO_AUTHORIZATION_FILTER = 'envoy.filters.http.rbac';

interface ConfigPatch {
  applyTo?: string;
  match?: {
    context?: string;
    listener?: { filterChain?: { filter?: { name?: string; subFilter?: { name?: string } } } };
  };
  patch?: { operation?: string; value?: { name?: string } };
}

/**
 * An EnvoyFilter that adds an HTTP filter to inbound traffic (SIDECAR_INBOUND or GATEWAY) inserts it right after
 * Istio's authorization filter, never before it: a filter ahead of RBAC (a rate limit, a Lua script) acts on
 * requests that authorization would deny, e.g. spends rate-limit tokens on them. INSERT_FIRST, and INSERT_BEFORE
 * or INSERT_AFTER without a `subFilter`, put it at an end of the chain (the front, or past the router).
 */
export const envoyFilterOrderCheck: CrossCheck = {
  name: 'envoyfilter-order',
  description: `every inbound HTTP filter an EnvoyFilter inserts runs after authorization (${ISTIO_AUTHORIZATION_FILTER})`,
  run(context) {
    const findings: Finding[] = [];
    for (const object of context.objects) {
      if (object.kind !== 'EnvoyFilter' || apiGroup(object.apiVersion) !== 'networking.istio.io') continue;
      const patches = ((object.spec as { configPatches?: ConfigPatch[] } | undefined)?.configPatches ??
        []) as ConfigPatch[];
      patches.forEach((patch, i) => {
        const operation = patch.patch?.operation ?? '';
        const inbound = ['SIDECAR_INBOUND', 'GATEWAY'].includes(patch.match?.context ?? '');
        if (patch.applyTo !== 'HTTP_FILTER' || !inbound || !operation.startsWith('INSERT')) return;
        const anchor = patch.match?.listener?.filterChain?.filter?.subFilter?.name;
        if (operation === 'INSERT_AFTER' && anchor === ISTIO_AUTHORIZATION_FILTER) return;
        const where =
          anchor === undefined
            ? 'with no subFilter'
            : `${operation === 'INSERT_FIRST' ? 'ignoring' : 'at'} ${anchor}`;
        findings.push(
          findingOf(
            this.name,
            context,
            object,
            `configPatches[${i}] ${operation} ${where} puts ${patch.patch?.value?.name ?? 'the filter'} outside ` +
              `its place right after ${ISTIO_AUTHORIZATION_FILTER}: use INSERT_AFTER with subFilter ${ISTIO_AUTHORIZATION_FILTER}`,
          ),
        );
      });
    }
    return findings;
  },
};
