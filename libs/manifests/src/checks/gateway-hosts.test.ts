import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RenderedObject } from '../rendered-object';
import { findKubectl, renderKustomization } from '../render/render-kustomization';
import { strictManifestObjects } from '../strict-manifest-objects';
import { REPO_PEERS } from '../testing/fixtures';
import { gatewayHostsCheck } from './gateway-hosts';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const kubectl = findKubectl();
if (!kubectl.available) console.warn(`SKIPPED rendered gateway-hosts test: ${kubectl.reason}`);

const gateway = (hosts: string[]) =>
  ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: 'webapp', namespace: 'webapp' },
    spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80 }, hosts }] },
  }) as unknown as RenderedObject;
const virtualService = (hosts: string[], gateways = ['webapp']) =>
  ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'frontend', namespace: 'webapp' },
    spec: { hosts, gateways },
  }) as unknown as RenderedObject;

const run = (objects: RenderedObject[]) =>
  gatewayHostsCheck
    .run({ target: 'fixture', objects, externalServiceAccounts: REPO_PEERS.serviceAccounts })
    .map((finding) => `${finding.object}: ${finding.message}`);

describe('gateway-hosts', () => {
  it.each<[string, RenderedObject[]]>([
    ['one named host on both', [gateway(['ztmesh.local']), virtualService(['ztmesh.local'])]],
    ['a namespaced Gateway host', [gateway(['webapp/ztmesh.local']), virtualService(['ztmesh.local'])]],
    ['a mesh-only VirtualService (not judged)', [virtualService(['*'], ['mesh'])]],
  ])('GIVEN %s THEN no finding', (_name, objects) => {
    expect(run(objects)).toEqual([]);
  });

  it.each<[string, RenderedObject[], string[]]>([
    [
      "`*` on both (the stack's old claim)",
      [gateway(['*']), virtualService(['*'])],
      [
        'Gateway webapp/webapp: a server claims every host (`*`) on the gateway',
        'VirtualService webapp/frontend: hosts must name the app (not `*`) on a shared gateway',
      ],
    ],
    [
      'a host the Gateway does not serve',
      [gateway(['ztmesh.local']), virtualService(['other.local'])],
      ['VirtualService webapp/frontend: host other.local is not served by Gateway webapp/webapp'],
    ],
  ])('GIVEN %s THEN findings', (_name, objects, expected) => {
    expect(run(objects)).toEqual(expected);
  });

  it.skipIf(!kubectl.available)('the rendered zero-trust overlay names ztmesh.local on both', async () => {
    const target = 'k8s/overlays/zero-trust';
    const objects = strictManifestObjects(await renderKustomization(join(REPO_ROOT, target)), target);
    const hostsOf = (kind: string) =>
      objects
        .filter((object) => object.kind === kind)
        .map((object) => object.spec as { hosts?: string[]; servers?: { hosts: string[] }[] })
        .flatMap((spec) => spec.hosts ?? spec.servers?.flatMap((server) => server.hosts) ?? []);
    expect(hostsOf('Gateway')).toEqual(['ztmesh.local']);
    expect(hostsOf('VirtualService')).toEqual(['ztmesh.local']);
    expect(run(objects)).toEqual([]);
  });
});
