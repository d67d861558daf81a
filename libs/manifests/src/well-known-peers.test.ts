import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManifestError, parseFlowGraph } from '@ztmesh/policy';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_PEERS } from './testing/fixtures';
import { readWellKnownPeers, wellKnownPeers } from './well-known-peers';

const scratch = mkdtempSync(join(tmpdir(), 'well-known-peers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('well-known peers: read from the flow graph, never written twice', () => {
  it("GIVEN k8s/flows.yaml THEN the validator's peers are its peers, with their contract ports", () => {
    expect(REPO_PEERS.serviceAccounts).toEqual([
      { namespace: 'istio-system', name: 'istio-ingressgateway-service-account' },
      { namespace: 'istio-system', name: 'prometheus' },
      { namespace: 'kube-system', name: 'coredns' },
      { namespace: 'istio-system', name: 'istio-egressgateway-service-account' },
      { namespace: 'istio-system', name: 'istiod' },
    ]);
    expect(REPO_PEERS.workloads.map(({ namespace, name, ports }) => ({ namespace, name, ports }))).toEqual([
      { namespace: 'istio-system', name: 'ingress-gateway', ports: [] },
      { namespace: 'istio-system', name: 'prometheus', ports: [] },
      { namespace: 'kube-system', name: 'kube-dns', ports: [53] },
      // The egress gateway lists no port of its own: 8443 is the viaPort of the external reached through it.
      { namespace: 'istio-system', name: 'istio-egressgateway', ports: [8443] },
      { namespace: 'istio-system', name: 'istiod', ports: [15012] },
    ]);
  });

  it('GIVEN a flow graph of its own THEN its peers are the ones checked, nothing built in', () => {
    const graph = parseFlowGraph(
      [
        'apiVersion: ztmesh.dev/v1alpha1',
        'kind: FlowGraph',
        'namespace: shop',
        'workloads: [web]',
        'peers:',
        '  lb: { namespace: edge, labels: { app: lb }, serviceAccount: lb, mesh: true }',
        'flows:',
        '  - { from: lb, to: web, port: 8080 }',
      ].join('\n'),
      'flows.yaml',
    );
    expect(wellKnownPeers(graph)).toEqual({
      serviceAccounts: [{ namespace: 'edge', name: 'lb' }],
      workloads: [{ namespace: 'edge', name: 'lb', labels: { app: 'lb' }, serviceAccount: 'lb', ports: [] }],
    });
  });

  it('GIVEN no flow graph THEN there are no well-known peers', () => {
    expect(readWellKnownPeers(scratch)).toEqual({ serviceAccounts: [], workloads: [] });
  });

  it('GIVEN a flow graph that does not parse THEN it is bad input naming the file and line', () => {
    mkdirSync(join(scratch, 'k8s'), { recursive: true });
    writeFileSync(join(scratch, 'k8s', 'flows.yaml'), 'kind: FlowGraph\nflows: [\n');
    expect(() => readWellKnownPeers(scratch)).toThrow(ManifestError);
    expect(() => readWellKnownPeers(scratch)).toThrow(/^k8s\/flows\.yaml:\d+: /);
  });
});
