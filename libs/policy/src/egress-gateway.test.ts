import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffFlows, type FlowDiff } from './flow-diff';
import { parseFlowGraph } from './flow-graph';
import { ManifestError, parseManifests, type ManifestObject } from './manifest-objects';

// GIVEN k8s/overlays/zero-trust-egress rendered by the real kustomize (istio/egress and calico/egress on top of
// zero-trust) and the one flow graph, WHEN diffed, THEN the backend's external flow is followed through the egress
// gateway, no app pod reaches the outside itself, and each weakening of that is drift.
const root = join(__dirname, '..', '..', '..');
const flowsText = readFileSync(join(root, 'k8s', 'flows.yaml'), 'utf8');
const graph = parseFlowGraph(flowsText, 'k8s/flows.yaml');
const render = spawnSync('kubectl', ['kustomize', join(root, 'k8s', 'overlays', 'zero-trust-egress')], {
  encoding: 'utf8',
});
const unavailable = render.error ? 'kubectl is not on PATH' : render.status !== 0 ? render.stderr : undefined;
if (unavailable) console.warn(`SKIPPED: the egress overlay's analysis: ${unavailable}`);

type Mutable = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const fresh = (): ManifestObject[] => (unavailable ? [] : parseManifests(render.stdout, 'zero-trust-egress'));
function specOf(objects: ManifestObject[], kind: string, name: string, apiVersion: string): Mutable {
  const o = objects.find(
    (x) => x.kind === kind && x.metadata.name === name && x.apiVersion.startsWith(apiVersion),
  );
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o.spec as Mutable;
}
const through = (diff: FlowDiff) =>
  diff.probes.filter((p) => !p.denied).map((p) => `${p.probe}: ${p.from} -> ${p.to} ${p.port}`);
const BACKEND = 'webapp/backend[Deployment]';
const GATEWAY = 'istio-system/egress-gateway[Peer]';

describe.skipIf(unavailable)('the egress gateway overlay against k8s/flows.yaml', () => {
  it('follows the backend to api.example.com through the gateway, and no app pod leaves by itself', () => {
    const diff = diffFlows(fresh(), graph);
    expect(diff.blocked).toEqual([]);
    expect(diff.overPermissive).toEqual([]);
    expect(diff.unresolved).toEqual([]);
    expect(through(diff)).toEqual([]);
    expect(diff.match).toBe(true);
    const hops = diff.declared.filter((d) => d.to === GATEWAY || d.from === GATEWAY);
    expect(hops.map((d) => [d.from, d.to, d.port, d.l4, d.l7?.allowed])).toEqual([
      [BACKEND, GATEWAY, 8443, true, true],
      [GATEWAY, 'api.example.com[External]', 443, true, undefined],
    ]);
    expect(hops[0].l7?.reason).toBe('allowed by AuthorizationPolicy istio-system/egress-gateway');
    const straight = diff.probes.filter((p) => p.to === 'api.example.com[External]');
    expect(straight.map((p) => [p.from, p.denied])).toEqual([
      [BACKEND, true],
      ['webapp/frontend[Deployment]', true],
    ]);
    expect(diff.absent).toEqual(['loadtest']);
  });

  it('WHEN both Calico halves also let the backend out to the world on 443 THEN it reaches the outside directly: drift', () => {
    const objects = fresh();
    specOf(objects, 'NetworkPolicy', 'backend-to-egress-gateway', 'networking.k8s.io').egress.push({
      to: [{ ipBlock: { cidr: '0.0.0.0/0' } }],
      ports: [{ protocol: 'TCP', port: 443 }],
    });
    specOf(
      objects,
      'NetworkPolicy',
      'ztmesh-identity.backend-to-egress-gateway',
      'projectcalico.org',
    ).egress.push({
      action: 'Pass',
      protocol: 'TCP',
      destination: { nets: ['0.0.0.0/0'], ports: [443] },
    });
    const diff = diffFlows(objects, graph);
    expect(through(diff)).toEqual([
      `backend straight to api.example.com (only egress-gateway may leave): ${BACKEND} -> api.example.com[External] 443`,
    ]);
    expect(
      diff.overPermissive.filter((o) => o.from === BACKEND).map((o) => [o.layer, o.detail]),
    ).toContainEqual(['L4', 'TCP 443']);
    expect(diff.match).toBe(false);
  });

  it('WHEN only one Calico half lets the backend out THEN the other still stops it (each half holds alone)', () => {
    const objects = fresh();
    specOf(objects, 'NetworkPolicy', 'backend-to-egress-gateway', 'networking.k8s.io').egress.push({
      to: [{ ipBlock: { cidr: '0.0.0.0/0' } }],
      ports: [{ protocol: 'TCP', port: 443 }],
    });
    expect(through(diffFlows(objects, graph))).toEqual([]);
  });

  it('WHEN the gateway may also reach the world on 80 THEN that is over-permissive at L4, naming the blocks', () => {
    const objects = fresh();
    specOf(objects, 'NetworkPolicy', 'egress-gateway', 'networking.k8s.io').egress[0].ports.push({
      protocol: 'TCP',
      port: 80,
    });
    specOf(
      objects,
      'NetworkPolicy',
      'ztmesh-identity.egress-gateway',
      'projectcalico.org',
    ).egress[0].destination.ports.push(80);
    const diff = diffFlows(objects, graph);
    const extra = diff.overPermissive.filter((o) => o.from === GATEWAY);
    expect(extra.length).toBeGreaterThan(0);
    expect(new Set(extra.map((o) => `${o.layer} ${o.detail}`))).toEqual(new Set(['L4 TCP 80']));
    expect(diff.match).toBe(false);
  });

  it('WHEN the gateway policies drop 443 THEN the second hop is reported blocked', () => {
    const objects = fresh();
    specOf(objects, 'NetworkPolicy', 'egress-gateway', 'networking.k8s.io').egress[0].ports = [
      { protocol: 'TCP', port: 8443 },
    ];
    const diff = diffFlows(objects, graph);
    expect(diff.blocked.map((b) => `${b.from} -> ${b.to} ${b.port} l4=${b.l4}`)).toEqual([
      `${GATEWAY} -> api.example.com[External] 443 l4=false`,
    ]);
  });

  it('WHEN the gateway admits any principal THEN the L7 grant wider than the declared caller is drift', () => {
    const objects = fresh();
    specOf(
      objects,
      'AuthorizationPolicy',
      'egress-gateway',
      'security.istio.io',
    ).rules[0].from[0].source.principals = ['*'];
    const diff = diffFlows(objects, graph);
    expect(diff.overPermissive.filter((o) => o.layer === 'L7' && o.to === GATEWAY).length).toBeGreaterThan(0);
    expect(diff.match).toBe(false);
  });

  it('WHEN the ServiceEntry is gone THEN the external flow is skipped and said so', () => {
    const diff = diffFlows(
      fresh().filter((o) => o.kind !== 'ServiceEntry'),
      graph,
    );
    expect(diff.absent).toEqual(['external-api', 'loadtest']);
    expect(diff.declared.some((d) => d.from === GATEWAY || d.to === GATEWAY)).toBe(false);
  });
});

describe('external hosts in the flow graph file', () => {
  it.each([
    [
      'an external host as a source',
      flowsText.replace('  - from: backend\n    to: external-api', '  - from: external-api\n    to: backend'),
      /\/flows\/\d+\/from: "external-api" is an external host: it can only be a destination/,
    ],
    [
      'a gateway that is not a peer',
      flowsText.replace('via: egress-gateway', 'via: egress-gw'),
      /\/externals\/external-api\/via: "egress-gw" is not a declared peer/,
    ],
    [
      'an address that is no CIDR',
      flowsText.replace('cidr: 0.0.0.0/0', 'cidr: 300.0.0.0/0'),
      /\/externals\/external-api\/addresses: "300.0.0.0\/0" is not an IPv4 CIDR/,
    ],
  ])('rejects %s, naming file, line and field', (_name, text, message) => {
    expect(text).not.toBe(flowsText);
    expect(() => parseFlowGraph(text, 'k8s/flows.yaml')).toThrow(ManifestError);
    expect(() => parseFlowGraph(text, 'k8s/flows.yaml')).toThrow(message);
  });
});
