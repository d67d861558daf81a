import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifests } from '@ztmesh/policy';

// The frontend's local rate limit, as rendered: it must sit after Istio's RBAC filter in the inbound HTTP chain,
// so a request the AuthorizationPolicies deny spends no token, and that filter must exist for the frontend.
const root = join(__dirname, '..', '..', '..');
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!hasKubectl) console.warn('SKIPPED rate-limit position: kubectl is not installed');

describe.each(['k8s/overlays/zero-trust', 'k8s/overlays/loadtest'])('%s local rate limit', (dir) => {
  it.skipIf(!hasKubectl)(
    'is inserted after envoy.filters.http.rbac, which an AuthorizationPolicy puts there',
    () => {
      const r = spawnSync('kubectl', ['kustomize', dir], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      const objects = parseManifests(r.stdout, dir);
      const filter = objects.find((object) => object.kind === 'EnvoyFilter');
      const patches = (filter?.spec as { configPatches: Array<Record<string, any>> }).configPatches;
      const rateLimit = patches.find(
        (patch) => patch.patch?.value?.name === 'envoy.filters.http.local_ratelimit',
      );
      expect(rateLimit?.match?.context).toBe('SIDECAR_INBOUND');
      expect(rateLimit?.patch?.operation).toBe('INSERT_AFTER');
      expect(rateLimit?.match?.listener?.filterChain?.filter?.subFilter?.name).toBe(
        'envoy.filters.http.rbac',
      );
      // The RBAC filter exists only where an AuthorizationPolicy applies: one must select the frontend's namespace
      // as a whole (no selector) or the frontend itself.
      const selectsFrontend = objects.some(
        (object) =>
          object.kind === 'AuthorizationPolicy' &&
          object.metadata.namespace === filter?.metadata.namespace &&
          ((object.spec as { selector?: { matchLabels?: Record<string, string> } }).selector === undefined ||
            (object.spec as { selector: { matchLabels?: Record<string, string> } }).selector.matchLabels
              ?.app === 'frontend'),
      );
      expect(selectsFrontend).toBe(true);
    },
  );
});
