import { describe, expect, it } from 'vitest';
import type { RenderedObject } from '../rendered-object';
import { REPO_PEERS } from '../testing/fixtures';
import { tierOrderCheck } from './tier-order';

const tier = (order: unknown) =>
  ({
    apiVersion: 'projectcalico.org/v3',
    kind: 'Tier',
    metadata: { name: 'ztmesh-identity' },
    spec: order === undefined ? { defaultAction: 'Deny' } : { order, defaultAction: 'Deny' },
  }) as unknown as RenderedObject;

const run = (objects: RenderedObject[]) =>
  tierOrderCheck
    .run({ target: 'fixture', objects, externalServiceAccounts: REPO_PEERS.serviceAccounts })
    .map((finding) => `${finding.object}: ${finding.message}`);

describe('tier-order', () => {
  it.each([2_000, 1_001, 999_999])('GIVEN order %d THEN no finding', (order) => {
    expect(run([tier(order)])).toEqual([]);
  });

  it.each<[unknown, RegExp]>([
    [100, /Tier ztmesh-identity: order 100 is not between the kube-admin tier \(1000\) and the default tier/],
    [1_000, /order 1000 is not between/],
    [1_000_000, /order 1000000 is not between/],
    [undefined, /no spec.order/],
  ])('GIVEN order %s THEN a finding', (order, message) => {
    const findings = run([tier(order)]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(message);
  });
});
