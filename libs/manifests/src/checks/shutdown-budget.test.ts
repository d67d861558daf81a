import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RenderedObject } from '../rendered-object';
import { findKubectl, renderKustomization } from '../render/render-kustomization';
import { strictManifestObjects } from '../strict-manifest-objects';
import { appFixture, pick, podSpec } from '../testing/fixtures';
import { REPO_PEERS } from '../testing/fixtures';
import { podTemplates } from './pod-templates';
import { SHUTDOWN_MARGIN_MS, shutdownBudget, shutdownBudgetCheck } from './shutdown-budget';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const kubectl = findKubectl();
if (!kubectl.available) console.warn(`SKIPPED rendered shutdown-budget tests: ${kubectl.reason}`);

/** The fixture app in an injected namespace, its proxy draining for `drain`, with a grace period of `grace` s. */
function meshApp(drain: string | undefined, grace: number): RenderedObject[] {
  const objects = appFixture();
  pick(objects, 'Namespace').metadata.labels = { 'istio-injection': 'enabled' };
  podSpec(objects).terminationGracePeriodSeconds = grace;
  if (drain !== undefined)
    pick(objects, 'Deployment').spec.template.metadata.annotations['proxy.istio.io/config'] =
      `{"holdApplicationUntilProxyStarts": true, "terminationDrainDuration": "${drain}"}`;
  return objects;
}

const run = (objects: RenderedObject[]) =>
  shutdownBudgetCheck
    .run({ target: 'fixture', objects, externalServiceAccounts: REPO_PEERS.serviceAccounts })
    .map((finding) => finding.message);

describe('shutdown-budget', () => {
  // The fixture's app: SHUTDOWN_DELAY_MS 5 s + SHUTDOWN_DRAIN_TIMEOUT_MS 15 s (defaults) + 1 s log flush.
  it.each<[string, RenderedObject[], RegExp[]]>([
    ['no sidecar, grace 30 s', appFixture(), []],
    ['a sidecar draining 20 s, grace 60 s (21 + 20 + 5 <= 60)', meshApp('20s', 60), []],
    [
      'a sidecar draining 20 s, grace 30 s (the old budget)',
      meshApp('20s', 30),
      [
        /app exit 21000 ms .* \+ terminationDrainDuration 20000 ms \+ margin 5000 ms is above .*Seconds 30.*native/,
      ],
    ],
    [
      'a sidecar with Istio default drain (5 s), grace 60 s',
      meshApp(undefined, 60),
      [
        /terminationDrainDuration 5000 ms is shorter than the app's drain \(20000 ms\): a classic sidecar leaves/,
      ],
    ],
    [
      'a sidecar draining 15 s, grace 30 s: both ways break',
      meshApp('15s', 30),
      [/is shorter than the app's drain/, /native sidecar drains only after the app exits/],
    ],
  ])('GIVEN %s THEN the findings', (_name, objects, expected) => {
    const messages = run(objects);
    expect(messages).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(messages[i]).toMatch(pattern));
  });

  it('an opted-out pod in an injected namespace has no sidecar', () => {
    const objects = meshApp('20s', 30);
    pick(objects, 'Deployment').spec.template.metadata.labels['sidecar.istio.io/inject'] = 'false';
    expect(run(objects)).toEqual([]);
    expect(shutdownBudget(podTemplates(objects)[0], objects).proxyDrainMs).toBeUndefined();
  });
});

// The arithmetic on what is really deployed: every Deployment of the rendered overlays.
describe.skipIf(!kubectl.available)('the rendered overlays', () => {
  it.each(['k8s/overlays/zero-trust', 'k8s/overlays/loadtest', 'k8s/overlays/dev'])(
    '%s: app drain + proxy drain + margin fit the grace period, native or classic',
    async (target) => {
      const objects = strictManifestObjects(
        await renderKustomization(join(REPO_ROOT, target), { displayPath: target }),
        target,
      );
      const templates = podTemplates(objects);
      expect(templates.length).toBeGreaterThanOrEqual(2);
      for (const template of templates) {
        const budget = shutdownBudget(template, objects);
        const name = template.owner.metadata.name;
        if (target.endsWith('/dev')) {
          expect(budget.proxyDrainMs, name).toBeUndefined();
          expect(budget.appExitMs + SHUTDOWN_MARGIN_MS, name).toBeLessThanOrEqual(budget.graceMs);
          continue;
        }
        expect(budget.proxyDrainMs, `${name} gets a sidecar`).toBeDefined();
        const proxyDrainMs = budget.proxyDrainMs as number;
        // Classic sidecar: stopped with the app, it must outlive the app's drain.
        expect(proxyDrainMs, name).toBeGreaterThanOrEqual(budget.appDrainMs);
        // Native sidecar: stopped after the app has exited, so the two add up.
        expect(budget.appExitMs + proxyDrainMs + SHUTDOWN_MARGIN_MS, name).toBeLessThanOrEqual(
          budget.graceMs,
        );
      }
      expect(run(objects)).toEqual([]);
    },
  );
});
