import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffFlows } from './flow-diff';
import { parseFlowGraph } from './flow-graph';
import { ManifestError, parseManifests } from './manifest-objects';
import { flowGraphToMermaid } from './mermaid';

const root = join(__dirname, '..', '..', '..');
const flowsText = readFileSync(join(root, 'k8s', 'flows.yaml'), 'utf8');
const graph = parseFlowGraph(flowsText, 'k8s/flows.yaml');
const fixture = readFileSync(join(__dirname, '..', 'test', 'fixtures', 'zero-trust.yaml'), 'utf8');

/** The fixture with one edit applied to its text. */
function diffWith(edit: (text: string) => string) {
  const text = edit(fixture);
  if (text === fixture) throw new Error('the edit changed nothing: the test would prove nothing');
  return diffFlows(parseManifests(text, 'zero-trust.yaml'), graph);
}

describe('diff against the declared flow graph (k8s/flows.yaml)', () => {
  it('GIVEN the zero-trust fixture THEN it matches: every flow allowed at both layers, nothing else, all probes denied', () => {
    const diff = diffFlows(parseManifests(fixture, 'zero-trust.yaml'), graph);
    expect(diff.blocked).toEqual([]);
    expect(diff.overPermissive).toEqual([]);
    expect(diff.unresolved).toEqual([]);
    expect(diff.probes.filter((p) => !p.denied)).toEqual([]);
    expect(diff.match).toBe(true);
    expect(diff.placement.layout).toBe('default');
    // 3 gateway/loadtest/frontend HTTP flows, 6 Prometheus scrapes, 6 DNS and 3 istiod flows.
    expect(diff.declared).toHaveLength(18);
    expect(new Set(diff.probes.map((p) => p.probe))).toEqual(
      new Set([
        'unlabeled pod in the app namespace',
        'pod in another namespace',
        "copies frontend's labels under another ServiceAccount",
        "copies loadtest's labels under another ServiceAccount",
        "frontend's labels and ServiceAccount name in namespace ztctl-probe",
        "loadtest's labels and ServiceAccount name in namespace ztctl-probe",
        "the loadtest's unauthorized scenario (loadtest may not reach backend)",
        'the gateway reaches the frontend only',
        'app metrics only through the sidecar merge, never directly',
      ]),
    );
  });

  it('WHEN a Kubernetes allow-list is removed THEN the declared flow is reported blocked at L4', () => {
    const diff = diffWith((t) =>
      t.replace(
        '    - from: [{ podSelector: { matchLabels: { app: frontend } } }]\n      ports: [{ port: http }]\n',
        '',
      ),
    );
    expect(diff.match).toBe(false);
    expect(diff.blocked.map((b) => `${b.from} -> ${b.to} ${b.protocol} ${b.port} l4=${b.l4}`)).toEqual([
      'webapp/frontend[Deployment] -> webapp/backend[Deployment] TCP 5000 l4=false',
    ]);
  });

  it('WHEN both L4 layers also open the app metrics port THEN it is over-permissive at L4 (L7 still rejects plaintext)', () => {
    const diff = diffWith((t) =>
      t
        .replace(
          'ports: [{ port: 15020 }, { port: 15090 }]',
          'ports: [{ port: 15020 }, { port: 15090 }, { port: 9464 }]',
        )
        .replace('destination: { ports: [15020, 15090] }', 'destination: { ports: [15020, 15090, 9464] }'),
    );
    expect(diff.overPermissive).toEqual(
      ['backend', 'frontend', 'loadtest'].map((w) => ({
        from: 'istio-system/prometheus[Peer]',
        to: `webapp/${w}[Deployment]`,
        layer: 'L4',
        detail: 'TCP 9464',
      })),
    );
    const direct = diff.probes.filter((p) => p.probe.startsWith('app metrics'));
    expect(direct.map((p) => [p.l4Allowed, p.l7Allowed, p.denied])).toEqual([[true, false, true]]);
  });

  it('WHEN Istio allows POST THEN the method is over-permissive at L7', () => {
    const diff = diffWith((t) =>
      t.replace(
        "to: [{ operation: { ports: ['5000'], methods: [GET],",
        "to: [{ operation: { ports: ['5000'], methods: [GET, POST],",
      ),
    );
    expect(diff.overPermissive).toEqual([
      {
        from: 'webapp/frontend[Deployment]',
        to: 'webapp/backend[Deployment]',
        layer: 'L7',
        detail: 'port 5000: AuthorizationPolicy webapp/backend rules[0] allows method POST',
      },
    ]);
  });

  it('WHEN the identity tier is missing THEN only Istio stops a label-copying pod; with namespace-wide authorization it gets through', () => {
    const withoutIdentity = (t: string) => t.split('# L4, by identity')[0] + '# L7' + t.split('# L7')[1];
    const impostor = (d: ReturnType<typeof diffWith>) =>
      d.probes
        .filter((p) => p.probe.startsWith('copies frontend'))
        .map((p) => [p.l4Allowed, p.l7Allowed, p.denied]);
    expect(impostor(diffWith(withoutIdentity))).toEqual([[true, false, true]]);
    const byNamespace = diffWith((t) =>
      withoutIdentity(t).replace('principals: [cluster.local/ns/webapp/sa/frontend]', 'namespaces: [webapp]'),
    );
    expect(impostor(byNamespace)).toEqual([[true, true, false]]);
    expect(byNamespace.match).toBe(false);
  });

  it('WHEN the namespace loses sidecar injection THEN the missing L7 layer is drift even though L4 still matches', () => {
    const diff = diffWith((t) => t.replace('labels: { istio-injection: enabled }', 'labels: {}'));
    expect(diff.blocked).toEqual([]);
    expect(
      diff.overPermissive.every(
        (o) => o.layer === 'L7' && o.detail.startsWith('no sidecar on the destination'),
      ),
    ).toBe(true);
    expect(diff.overPermissive.map((o) => `${o.from} -> ${o.to}`)).toContain(
      'webapp/frontend[Deployment] -> webapp/backend[Deployment]',
    );
    expect(diff.probes.every((p) => p.denied && p.l7Allowed === undefined)).toBe(true);
    expect(diff.match).toBe(false);
  });

  it('WHEN a workload the graph does not know appears THEN it is drift', () => {
    const diff = diffWith(
      (t) =>
        `${t}\n---\napiVersion: v1\nkind: Pod\nmetadata: { name: debug, namespace: webapp }\nspec: { containers: [] }\n`,
    );
    expect(diff.unresolved).toEqual([
      "webapp/debug[Pod] is not among the flow graph's workloads (backend, frontend, loadtest)",
    ]);
    expect(diff.match).toBe(false);
  });

  it('WHEN an optional workload is absent THEN its flows are skipped and listed, not failed', () => {
    const diff = diffWith((t) =>
      t.replace(/apiVersion: apps\/v1\nkind: Deployment\nmetadata: \{ name: loadtest[\s\S]*?---\n/, ''),
    );
    // The fixture has no ServiceEntry for the external host either: its flow is skipped too.
    expect(diff.absent).toEqual(['external-api', 'loadtest']);
    expect(diff.missing).toEqual([]);
    expect(diff.match).toBe(true);
  });

  it('WHEN a required workload is absent THEN it is drift, never a silent skip', () => {
    const diff = diffWith((t) =>
      t.replace(/apiVersion: apps\/v1\nkind: Deployment\nmetadata: \{ name: frontend[\s\S]*?---\n/, ''),
    );
    expect(diff.missing).toEqual(['frontend']);
    expect(diff.absent).toEqual(['external-api']);
    expect(diff.match).toBe(false);
  });

  it('WHEN the graph names an optional workload it does not declare THEN bad input with its line', () => {
    const text = flowsText.replace('optional: [loadtest]', 'optional: [loadtset]');
    expect(text).not.toBe(flowsText);
    expect(() => parseFlowGraph(text, 'k8s/flows.yaml')).toThrow(
      /k8s\/flows\.yaml:\d+.*\/optional\/0: "loadtset" is not a declared workload \(backend, frontend, loadtest\)/,
    );
  });
});

describe('the flow graph file', () => {
  it('draws as Mermaid with every flow and probe', () => {
    const mermaid = flowGraphToMermaid(graph);
    expect(mermaid).toContain('ingress_gateway -->|"TCP 8080 GET/HEAD 8 paths"| frontend');
    expect(mermaid).toContain('loadtest -. "denied: TCP 5000" .-x backend');
    // The external flow, through its gateway.
    expect(mermaid).toContain('backend -->|"TCP 8443"| egress_gateway -->|"TCP 443"| external_api');
    expect(mermaid).toContain('external_api["external-api<br/>(api.example.com:443, outside)"]');
  });

  it.each([
    [
      'unknown field',
      flowsText.replace('namespace: webapp\n', 'namespace: webapp\ncolour: blue\n'),
      /k8s\/flows.yaml:\d+: FlowGraph: does not match the flow graph schema: line \d+: \/ must NOT have additional properties \(colour\)/,
    ],
    [
      'port out of range',
      flowsText.replace('port: 5000\n    why: The proxy', 'port: 50000000\n    why: The proxy'),
      /line \d+: \/flows\/2\/port must be <= 65535/,
    ],
    [
      'a reference to nothing',
      flowsText.replace(
        'to: backend\n    port: 5000\n    why: The proxy',
        'to: backnd\n    port: 5000\n    why: The proxy',
      ),
      /\/flows\/2\/to: "backnd" is neither a declared workload/,
    ],
    [
      'a layout placing an undeclared workload',
      flowsText.replace('    backend: webapp-backend\n', '    backnd: webapp-backend\n'),
      /k8s\/flows.yaml:\d+: FlowGraph: \/layouts\/split\/backnd: "backnd" is not a declared workload/,
    ],
    [
      'a layout namespace that is no namespace name',
      flowsText.replace('    backend: webapp-backend\n', '    backend: Webapp_Backend\n'),
      /\/layouts\/split\/backend must match pattern/,
    ],
    ['invalid YAML', 'flows: [unclosed', /invalid YAML/],
  ])('rejects %s, naming file, line and field', (_name, text, message) => {
    expect(() => parseFlowGraph(text, 'k8s/flows.yaml')).toThrow(ManifestError);
    expect(() => parseFlowGraph(text, 'k8s/flows.yaml')).toThrow(message);
  });

  it('names the line of a bad reference', () => {
    const text = flowsText.replace(
      'to: backend\n    port: 5000\n    why: The proxy',
      'to: backnd\n    port: 5000\n    why: The proxy',
    );
    const line = text.split('\n').findIndex((l) => l.includes('to: backnd')) + 1;
    expect(() => parseFlowGraph(text, 'k8s/flows.yaml')).toThrow(`k8s/flows.yaml:${line}: FlowGraph`);
  });
});
