import { describe, expect, it } from 'vitest';
import { ConnSet } from './conn-set';
import { ManifestError, parseManifests } from './manifest-objects';
import { analyzeYaml } from './test-helpers';

const template = (labels: Record<string, string>) => ({
  metadata: { labels },
  spec: {
    serviceAccountName: 'sa',
    containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }],
  },
});

describe('workloads and namespaces', () => {
  it.each([
    ['Deployment', 'apps/v1', { template: template({ app: 'x' }) }],
    ['StatefulSet', 'apps/v1', { template: template({ app: 'x' }) }],
    ['DaemonSet', 'apps/v1', { template: template({ app: 'x' }) }],
    ['ReplicaSet', 'apps/v1', { template: template({ app: 'x' }) }],
    ['Job', 'batch/v1', { template: template({ app: 'x' }) }],
    ['CronJob', 'batch/v1', { jobTemplate: { spec: { template: template({ app: 'x' }) } } }],
  ])('reads labels, service account and named ports from a %s', (kind, apiVersion, spec) => {
    const analysis = analyzeYaml([
      JSON.stringify({ apiVersion, kind, metadata: { name: 'w', namespace: 'n' }, spec }),
    ]);
    expect(analysis.workloads).toMatchObject([
      {
        id: `n/w[${kind}]`,
        labels: { app: 'x' },
        serviceAccount: 'sa',
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  it('reports a bare pod as itself and an owned pod under its controller; namespace defaults to default', () => {
    const analysis = analyzeYaml([
      'apiVersion: v1\nkind: Pod\nmetadata: {name: lonely}\nspec: {containers: []}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: rs-abc, namespace: n, ownerReferences: [{kind: ReplicaSet, name: rs, controller: true}]}\nspec: {containers: []}',
    ]);
    expect(analysis.workloads.map((w) => w.id)).toEqual(['default/lonely[Pod]', 'n/rs[ReplicaSet]']);
  });

  it('gives every namespace the automatic kubernetes.io/metadata.name label', () => {
    const analysis = analyzeYaml([
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {team: x}}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: b}',
    ]);
    expect(analysis.namespaces).toEqual([
      { name: 'a', labels: { 'kubernetes.io/metadata.name': 'a', team: 'x' } },
      { name: 'b', labels: { 'kubernetes.io/metadata.name': 'b' } },
    ]);
  });

  it('groups identical workloads into one class: cost follows distinct label sets, not pods', () => {
    const docs = Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `w${i}`, namespace: 'n' },
        spec: { template: template({ app: i % 2 ? 'odd' : 'even' }) },
      }),
    );
    const analysis = analyzeYaml(docs);
    expect(analysis.workloads).toHaveLength(50);
    expect(analysis.endpoints).toHaveLength(2);
  });

  it('reports host-network pods as not modelled', () => {
    const analysis = analyzeYaml([
      'apiVersion: v1\nkind: Pod\nmetadata: {name: h, namespace: n}\nspec: {hostNetwork: true, containers: []}',
    ]);
    expect(analysis.findings).toMatchObject([
      { severity: 'unmodelled', object: 'Pod n/h', field: 'hostNetwork' },
    ]);
  });

  it('rejects a container port out of range, naming file, line, object and field', () => {
    const text =
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w, namespace: n}\nspec:\n  template:\n    spec:\n      containers: [{name: c, ports: [{containerPort: 70000}]}]\n';
    expect(() => analyzeYaml([text])).toThrow(
      'given-0.yaml:5: Deployment n/w: spec.template.spec.containers[0].ports[0].containerPort: port out of range (70000), must be 1-65535',
    );
  });

  it('rejects an unknown kind unless told to skip it', () => {
    const text = 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}';
    expect(() => analyzeYaml([text])).toThrow(
      'given-0.yaml:1: Widget w: unknown kind Widget (apiVersion example.com/v1)',
    );
    expect(analyzeYaml([text], { allowUnknownKinds: true }).findings[0]).toMatchObject({
      severity: 'unmodelled',
      message: 'unknown kind Widget skipped',
    });
  });
});

describe('manifest parsing', () => {
  it('names file and line of invalid YAML', () => {
    expect(() => parseManifests('kind: Pod\nmetadata:\n  name: [unclosed\n', 'bad.yaml')).toThrow(
      ManifestError,
    );
    expect(() => parseManifests('kind: Pod\nmetadata:\n  name: [unclosed\n', 'bad.yaml')).toThrow(
      /^bad\.yaml:\d+: invalid YAML/,
    );
  });

  it('flattens typed lists whose items omit their kind, keeping each item line', () => {
    const objects = parseManifests(
      'kind: PodList\napiVersion: v1\nitems:\n- metadata: {name: a}\n- metadata: {name: b}\n',
      'list.yaml',
    );
    expect(objects.map((o) => [o.kind, o.metadata.name, o.source.line])).toEqual([
      ['Pod', 'a', 4],
      ['Pod', 'b', 5],
    ]);
  });
});

describe('connection sets', () => {
  it('prints as np-guard does and computes set algebra', () => {
    const web = ConnSet.port('TCP', 80)
      .union(ConnSet.of('TCP', 8000, 8080))
      .union(ConnSet.port('UDP', 53));
    expect(web.toString()).toBe('TCP 80,8000-8080,UDP 53');
    expect(ConnSet.all.subtract(ConnSet.port('TCP', 80)).toString()).toBe(
      'SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535',
    );
    expect(web.intersect(ConnSet.of('TCP')).toString()).toBe('TCP 80,8000-8080');
    expect(ConnSet.all.toString()).toBe('All Connections');
    expect(web.covers(ConnSet.port('TCP', 8050))).toBe(true);
    expect(web.covers(ConnSet.port('TCP', 81))).toBe(false);
  });
});
