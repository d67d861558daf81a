import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The project's own zero-trust overlays, rendered with `kubectl kustomize` by ztctl, against k8s/flows.yaml.
const root = join(__dirname, '..', '..', '..');
const bundle = join(root, 'dist', 'apps', 'ztctl', 'main.cjs');
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!hasKubectl)
  console.warn('SKIPPED overlay analysis: kubectl is not installed (needed for `kubectl kustomize`)');

describe.each(['zero-trust', 'loadtest', 'zero-trust-split', 'zero-trust-egress'])(
  'the %s overlay against k8s/flows.yaml',
  (overlay) => {
    const dir = join('k8s', 'overlays', overlay);
    const present = existsSync(join(root, dir, 'kustomization.yaml'));
    if (!present) console.warn(`SKIPPED overlay analysis: ${dir} does not exist yet`);

    it.skipIf(!hasKubectl || !present)('allows exactly the declared flows and denies every probe', () => {
      const r = spawnSync(
        process.execPath,
        [bundle, 'analyze', dir, '--flows', 'k8s/flows.yaml', '-o', 'json'],
        { cwd: root, encoding: 'utf8', timeout: 60_000 },
      );
      expect(r.status, r.stderr).not.toBe(2);
      const diff = JSON.parse(r.stdout) as {
        match: boolean;
        blocked: unknown[];
        overPermissive: unknown[];
        probes: Array<{ denied: boolean }>;
        unresolved: unknown[];
      };
      // Each list is asserted on its own so that a failure names the drift.
      expect(diff.blocked, 'declared flows the manifests block').toEqual([]);
      expect(diff.overPermissive, 'flows allowed but not declared').toEqual([]);
      expect(
        diff.probes.filter((p) => !p.denied),
        'probes that get through',
      ).toEqual([]);
      expect(diff.unresolved, 'unresolved references').toEqual([]);
      expect(diff.match).toBe(true);
      expect(r.status).toBe(0);
    });
  },
);

// The deploy engineer's one-layer renderings: each must show the other layer missing, proving the diff is per layer.
describe.each([
  ['calico-only', 'L7'],
  ['istio-only', 'L4'],
])('k8s/tests/%s (one layer only)', (name, missing) => {
  const dir = join('k8s', 'tests', name);
  const present = existsSync(join(root, dir, 'kustomization.yaml'));
  it.skipIf(!hasKubectl || !present)(
    `is drift: over-permissive at ${missing}, no declared flow blocked`,
    () => {
      const r = spawnSync(
        process.execPath,
        [bundle, 'analyze', dir, '--flows', 'k8s/flows.yaml', '-o', 'json'],
        { cwd: root, encoding: 'utf8', timeout: 60_000 },
      );
      expect(r.status).toBe(1);
      const diff = JSON.parse(r.stdout) as { blocked: unknown[]; overPermissive: Array<{ layer: string }> };
      expect(diff.blocked).toEqual([]);
      expect(diff.overPermissive.length).toBeGreaterThan(0);
      expect(new Set(diff.overPermissive.map((o) => o.layer))).toEqual(new Set([missing]));
    },
  );
});
