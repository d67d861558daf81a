import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffFlows } from './flow-diff';
import { parseFlowGraph } from './flow-graph';
import { ManifestError, parseManifests } from './manifest-objects';

const root = join(__dirname, '..', '..', '..');
const graph = parseFlowGraph(readFileSync(join(root, 'k8s', 'flows.yaml'), 'utf8'), 'k8s/flows.yaml');
const fixture = readFileSync(join(__dirname, '..', 'test', 'fixtures', 'zero-trust.yaml'), 'utf8');
const KUBE_DNS = 'kube-system/kube-dns.kube-system.svc.cluster.local';

/** A Sidecar of webapp (selecting `app`, or the namespace default when undefined). */
function sidecar(app: string | undefined, hosts: string[], mode = 'REGISTRY_ONLY', extra = {}): string {
  return JSON.stringify({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: { name: app ?? 'default', namespace: 'webapp' },
    spec: {
      ...(app ? { workloadSelector: { labels: { app } } } : {}),
      egress: [{ hosts }],
      outboundTrafficPolicy: { mode },
      ...extra,
    },
  });
}

/** The Sidecars as istio/ had them before kube-dns was imported: every outbound TCP 53 meets REGISTRY_ONLY. */
const withoutDns = [
  sidecar(undefined, ['~/*']),
  sidecar('backend', ['~/*']),
  sidecar('frontend', ['./backend.webapp.svc.cluster.local']),
  sidecar('loadtest', ['./frontend.webapp.svc.cluster.local']),
];
/** As istio/ has them now. */
const withDns = [
  sidecar(undefined, [KUBE_DNS]),
  sidecar('backend', [KUBE_DNS]),
  sidecar('frontend', ['./backend.webapp.svc.cluster.local', KUBE_DNS]),
  sidecar('loadtest', ['./frontend.webapp.svc.cluster.local', KUBE_DNS]),
];

function diffWith(sidecars: string[]) {
  const text = [fixture, ...sidecars].join('\n---\n');
  return diffFlows(parseManifests(text, 'given.yaml'), graph);
}

/** The declared flows' verdicts as `from -> to PROTO port: L4 / L7` lines (THEN this matrix). */
function matrix(diff: ReturnType<typeof diffFlows>, filter: (line: string) => boolean = () => true) {
  return diff.declared
    .map(
      (d) =>
        `${d.from.split('/')[1]} -> ${d.to.split('/')[1]} ${d.protocol} ${d.port}: ` +
        `${d.l4 ? 'allow' : 'deny'} / ${d.l7 === undefined ? 'n/a' : d.l7.allowed ? 'allow' : 'BLOCKED'}`,
    )
    .filter(filter);
}

const dnsAndIstiod = (line: string) => /kube-dns|istiod/.test(line);

describe('Sidecar egress in the analysis (the source side of L7)', () => {
  it.each<[string, string[], string[]]>([
    [
      'REGISTRY_ONLY Sidecars that do not import kube-dns',
      withoutDns,
      [
        // UDP is not captured (DNS capture off); TCP 53 is, and meets the BlackHole; istiod is the proxy's own.
        'backend[Deployment] -> kube-dns[Peer] UDP 53: allow / n/a',
        'backend[Deployment] -> kube-dns[Peer] TCP 53: allow / BLOCKED',
        'frontend[Deployment] -> kube-dns[Peer] UDP 53: allow / n/a',
        'frontend[Deployment] -> kube-dns[Peer] TCP 53: allow / BLOCKED',
        'loadtest[Deployment] -> kube-dns[Peer] UDP 53: allow / n/a',
        'loadtest[Deployment] -> kube-dns[Peer] TCP 53: allow / BLOCKED',
        'backend[Deployment] -> istiod[Peer] TCP 15012: allow / n/a',
        'frontend[Deployment] -> istiod[Peer] TCP 15012: allow / n/a',
        'loadtest[Deployment] -> istiod[Peer] TCP 15012: allow / n/a',
      ],
    ],
    [
      'REGISTRY_ONLY Sidecars that import kube-dns',
      withDns,
      [
        'backend[Deployment] -> kube-dns[Peer] UDP 53: allow / n/a',
        'backend[Deployment] -> kube-dns[Peer] TCP 53: allow / allow',
        'frontend[Deployment] -> kube-dns[Peer] UDP 53: allow / n/a',
        'frontend[Deployment] -> kube-dns[Peer] TCP 53: allow / allow',
        'loadtest[Deployment] -> kube-dns[Peer] UDP 53: allow / n/a',
        'loadtest[Deployment] -> kube-dns[Peer] TCP 53: allow / allow',
        'backend[Deployment] -> istiod[Peer] TCP 15012: allow / n/a',
        'frontend[Deployment] -> istiod[Peer] TCP 15012: allow / n/a',
        'loadtest[Deployment] -> istiod[Peer] TCP 15012: allow / n/a',
      ],
    ],
  ])('GIVEN %s WHEN analyzed THEN the DNS and istiod flows are', (_name, sidecars, expected) => {
    expect(matrix(diffWith(sidecars), dnsAndIstiod)).toEqual(expected);
  });

  it('GIVEN Sidecars without kube-dns THEN the drift names the BlackHole, and the fix matches', () => {
    const before = diffWith(withoutDns);
    expect(before.match).toBe(false);
    expect(before.blocked.map((b) => `${b.from} ${b.protocol} ${b.port}: ${b.l7?.reason}`)).toContain(
      'webapp/backend[Deployment] TCP 53: Sidecar webapp/backend imports none of ' +
        'kube-dns.kube-system.svc.cluster.local and is REGISTRY_ONLY: TCP 53 goes to the BlackHole cluster',
    );
    const after = diffWith(withDns);
    expect(after.blocked).toEqual([]);
    expect(after.match).toBe(true);
  });

  it.each<[string, string[], string]>([
    [
      'the frontend Sidecar does not import the backend (REGISTRY_ONLY)',
      [sidecar('frontend', [KUBE_DNS])],
      'BlackHole cluster',
    ],
    [
      'the frontend Sidecar does not import the backend (ALLOW_ANY: passed through without mTLS)',
      [sidecar('frontend', [KUBE_DNS], 'ALLOW_ANY')],
      'STRICT mTLS rejects a source without a sidecar',
    ],
    [
      'a listener bound to the backend Service port imports it for that port only (here the wrong one)',
      [
        JSON.stringify({
          apiVersion: 'networking.istio.io/v1',
          kind: 'Sidecar',
          metadata: { name: 'frontend', namespace: 'webapp' },
          spec: {
            workloadSelector: { labels: { app: 'frontend' } },
            egress: [
              { port: { number: 8080, protocol: 'HTTP', name: 'http' }, hosts: ['./*'] },
              { hosts: [KUBE_DNS] },
            ],
            outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
          },
        }),
      ],
      'BlackHole cluster',
    ],
  ])('GIVEN %s THEN frontend -> backend is blocked at L7', (_name, sidecars, reason) => {
    const diff = diffWith(sidecars);
    const flow = diff.blocked.find((b) => b.from.includes('frontend') && b.to.includes('backend'));
    expect(flow?.l4).toBe(true);
    expect(flow?.l7?.reason).toContain(reason);
  });

  it('GIVEN a listener bound to the backend Service port 5000 THEN frontend -> backend is allowed', () => {
    const bound = JSON.stringify({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Sidecar',
      metadata: { name: 'frontend', namespace: 'webapp' },
      spec: {
        workloadSelector: { labels: { app: 'frontend' } },
        egress: [
          { port: { number: 5000 }, hosts: ['./backend.webapp.svc.cluster.local'] },
          { hosts: [KUBE_DNS] },
        ],
        outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
      },
    });
    expect(diffWith([bound]).blocked).toEqual([]);
  });

  it('GIVEN no Sidecar at all THEN nothing changes (every service imported, L7 n/a to peers without a sidecar)', () => {
    expect(matrix(diffWith([]), (line) => line.includes('TCP 53'))).toEqual([
      'backend[Deployment] -> kube-dns[Peer] TCP 53: allow / n/a',
      'frontend[Deployment] -> kube-dns[Peer] TCP 53: allow / n/a',
      'loadtest[Deployment] -> kube-dns[Peer] TCP 53: allow / n/a',
    ]);
  });

  it('never counts a Sidecar as a denial: probes and over-permission are judged without it', () => {
    // The backend trusts the load generator too; loadtest's Sidecar does not import the backend, but a compromised
    // pod is not bound by its own sidecar's configuration, so the probe still gets through at L7.
    const text = fixture.replace(
      'principals: [cluster.local/ns/webapp/sa/frontend]',
      'principals: [cluster.local/ns/webapp/sa/frontend, cluster.local/ns/webapp/sa/loadtest]',
    );
    if (text === fixture) throw new Error('the edit changed nothing');
    const diff = diffFlows(parseManifests([text, ...withDns].join('\n---\n'), 'given.yaml'), graph);
    const probe = diff.probes.find((p) => p.probe.startsWith("the loadtest's unauthorized"));
    expect(probe?.l7Allowed).toBe(true);
  });

  it.each<[string, object, RegExp]>([
    [
      'a host without a namespace',
      { egress: [{ hosts: ['backend.webapp.svc.cluster.local'] }] },
      /hosts\[0\]: must be namespace\/dnsName/,
    ],
    [
      'an unknown mode',
      { egress: [{ hosts: ['./*'] }], outboundTrafficPolicy: { mode: 'DENY' } },
      /must be REGISTRY_ONLY or ALLOW_ANY/,
    ],
    ['an empty host list', { egress: [{ hosts: [] }] }, /spec.egress\[0\].hosts: must be a non-empty list/],
  ])('bad input: %s is an error naming the field', (_name, spec, message) => {
    const text = JSON.stringify({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Sidecar',
      metadata: { name: 'broken', namespace: 'webapp' },
      spec,
    });
    expect(() => diffFlows(parseManifests([fixture, text].join('\n---\n'), 'given.yaml'), graph)).toThrow(
      ManifestError,
    );
    expect(() => diffFlows(parseManifests([fixture, text].join('\n---\n'), 'given.yaml'), graph)).toThrow(
      message,
    );
  });

  it('reports what it does not model (Sidecar ingress listeners) as unmodelled', () => {
    const diff = diffWith([
      sidecar('frontend', ['./backend.webapp.svc.cluster.local', KUBE_DNS], 'REGISTRY_ONLY', {
        ingress: [
          { port: { number: 8080, protocol: 'HTTP', name: 'http' }, defaultEndpoint: '127.0.0.1:8080' },
        ],
      }),
    ]);
    expect(
      diff.analysis.findings.filter((f) => f.object === 'Sidecar webapp/frontend').map((f) => f.field),
    ).toEqual(['spec.ingress']);
  });
});
