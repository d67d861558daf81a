import { describe, expect, it } from 'vitest';
import { analyze } from './analyze';
import { parseManifests } from './manifest-objects';
import { slimForAnalysis } from './workloads';

const pod = {
  metadata: {
    labels: { app: 'x', 'sidecar.istio.io/inject': 'true' },
    annotations: { 'sidecar.istio.io/inject': 'false' },
  },
  spec: {
    serviceAccountName: 'sa',
    hostNetwork: true,
    securityContext: { runAsNonRoot: true },
    volumes: [{ name: 'tmp', emptyDir: {} }],
    containers: [
      {
        name: 'c',
        image: 'x',
        env: [{ name: 'A', value: 'b' }],
        readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
        ports: [{ name: 'http', containerPort: 8080 }],
      },
      'not a mapping',
    ],
    initContainers: [{ name: 'i', ports: [{ containerPort: 9000, protocol: 'UDP' }], resources: {} }],
  },
};

const manifests = [
  { apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 2, selector: {}, template: pod } },
  {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    spec: { schedule: '* * * * *', jobTemplate: { spec: { template: pod } } },
  },
  { apiVersion: 'v1', kind: 'Pod', metadata: { labels: { app: 'p' } }, spec: pod.spec },
  {
    apiVersion: 'v1',
    kind: 'Service',
    spec: { selector: { app: 'x' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  },
].map((m, i) => JSON.stringify({ ...m, metadata: { name: `o${i}`, namespace: 'n', ...m.metadata } }));

const read = () => manifests.flatMap((text, i) => parseManifests(text, `m${i}.yaml`));

describe('slimForAnalysis', () => {
  it('drops only what the analysis never reads: the same workloads, ports, notes and connections', () => {
    const full = analyze(read());
    const slim = analyze(read().map(slimForAnalysis));
    expect(slim.workloads).toEqual(full.workloads);
    expect(slim.findings).toEqual(full.findings);
    expect(slim.connections().map((c) => [c.src, c.dst, c.conn.toString()])).toEqual(
      full.connections().map((c) => [c.src, c.dst, c.conn.toString()]),
    );
    const [deployment] = read().map(slimForAnalysis);
    expect(deployment.spec).toEqual({
      template: {
        metadata: pod.metadata,
        spec: {
          serviceAccountName: 'sa',
          hostNetwork: true,
          containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }, 'not a mapping'],
          initContainers: [{ name: 'i', ports: [{ containerPort: 9000, protocol: 'UDP' }] }],
        },
      },
    });
  });

  it('leaves other kinds and malformed workloads as they are', () => {
    const objects = parseManifests(
      [
        JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [] } }),
        JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: 'oops' }),
      ].join('\n---\n'),
      'm.yaml',
    );
    const before = JSON.stringify(objects);
    expect(JSON.stringify(objects.map(slimForAnalysis))).toBe(before);
  });
});
