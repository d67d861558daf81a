import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RenderedObject } from '../rendered-object';
import { findKubectl, renderKustomization } from '../render/render-kustomization';
import { strictManifestObjects } from '../strict-manifest-objects';
import { REPO_PEERS } from '../testing/fixtures';
import { envoyFilterOrderCheck } from './envoyfilter-order';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const kubectl = findKubectl();
if (!kubectl.available) console.warn(`SKIPPED rendered envoyfilter-order test: ${kubectl.reason}`);

function envoyFilter(operation: string, subFilter?: string, context = 'SIDECAR_INBOUND'): RenderedObject {
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: { name: 'frontend-local-ratelimit', namespace: 'webapp' },
    spec: {
      configPatches: [
        {
          applyTo: 'HTTP_FILTER',
          match: {
            context,
            listener: {
              filterChain: {
                filter: {
                  name: 'envoy.filters.network.http_connection_manager',
                  ...(subFilter ? { subFilter: { name: subFilter } } : {}),
                },
              },
            },
          },
          patch: { operation, value: { name: 'envoy.filters.http.local_ratelimit' } },
        },
      ],
    },
  } as RenderedObject;
}

const run = (objects: RenderedObject[]) =>
  envoyFilterOrderCheck
    .run({ target: 'fixture', objects, externalServiceAccounts: REPO_PEERS.serviceAccounts })
    .map((finding) => finding.message);

describe('envoyfilter-order', () => {
  it.each<[string, RenderedObject]>([
    ['INSERT_AFTER the RBAC filter', envoyFilter('INSERT_AFTER', 'envoy.filters.http.rbac')],
    ['an outbound patch (not judged)', envoyFilter('INSERT_FIRST', undefined, 'SIDECAR_OUTBOUND')],
  ])('GIVEN %s THEN no finding', (_name, object) => {
    expect(run([object])).toEqual([]);
  });

  it.each<[string, RenderedObject, RegExp]>([
    [
      'INSERT_BEFORE with no subFilter (the front of the chain)',
      envoyFilter('INSERT_BEFORE'),
      /INSERT_BEFORE with no subFilter/,
    ],
    [
      'INSERT_FIRST',
      envoyFilter('INSERT_FIRST', 'envoy.filters.http.rbac'),
      /INSERT_FIRST ignoring envoy.filters.http.rbac/,
    ],
    [
      'INSERT_BEFORE the RBAC filter',
      envoyFilter('INSERT_BEFORE', 'envoy.filters.http.rbac'),
      /INSERT_BEFORE at envoy.filters.http.rbac/,
    ],
    [
      'INSERT_AFTER the router',
      envoyFilter('INSERT_AFTER', 'envoy.filters.http.router', 'GATEWAY'),
      /at envoy.filters.http.router/,
    ],
  ])('GIVEN %s THEN a finding', (_name, object, message) => {
    const messages = run([object]);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(message);
    expect(messages[0]).toMatch(/use INSERT_AFTER with subFilter envoy.filters.http.rbac/);
  });

  it.skipIf(!kubectl.available)(
    'the rendered zero-trust overlay inserts the rate limit right after RBAC',
    async () => {
      const target = 'k8s/overlays/zero-trust';
      const objects = strictManifestObjects(await renderKustomization(join(REPO_ROOT, target)), target);
      const filter = objects.find((object) => object.kind === 'EnvoyFilter') as RenderedObject & {
        spec: {
          configPatches: Array<{
            match: { listener: { filterChain: { filter: { subFilter?: { name: string } } } } };
            patch: { operation: string };
          }>;
        };
      };
      expect(
        filter.spec.configPatches.map((p) => [
          p.patch.operation,
          p.match.listener.filterChain.filter.subFilter?.name,
        ]),
      ).toEqual([['INSERT_AFTER', 'envoy.filters.http.rbac']]);
      expect(run(objects)).toEqual([]);
    },
  );
});
