import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFlowGraph, PROBE_POD_LABEL } from '@ztmesh/policy';
import {
  DEFAULT_PROBE_IMAGE,
  judgeProbe,
  parseProbeVerdict,
  planProbes,
  PROBE_READINESS_GATE,
  probePod,
  type ProbeIdentity,
} from './verify-probes';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const FLOWS = join(REPO_ROOT, 'k8s', 'flows.yaml');
const graph = parseFlowGraph(readFileSync(FLOWS, 'utf8'), FLOWS);

function at<T>(list: readonly T[], index: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
}

const identities: Record<string, ProbeIdentity> = {
  frontend: { labels: { app: 'frontend', version: 'v1' }, serviceAccount: 'frontend' },
  backend: { labels: { app: 'backend', version: 'v1' }, serviceAccount: 'backend' },
  loadtest: { labels: { app: 'loadtest', version: 'v1' }, serviceAccount: 'loadtest' },
};

describe('planProbes (GIVEN k8s/flows.yaml)', () => {
  it('WHEN verify runs with --namespace THEN the probes run in that namespace and target its Services', () => {
    const { probes } = planProbes(graph, {
      namespace: 'shop',
      otherNamespace: 'ztmesh-verify',
      identity: (name) => identities[name],
    });
    expect(probes.map((p) => [p.name, p.namespace, p.url])).toEqual([
      ['loadtest->frontend:8080', 'shop', 'http://frontend.shop.svc.cluster.local:8080/'],
      ['frontend->backend:5000', 'shop', 'http://backend.shop.svc.cluster.local:5000/'],
      ['unlabeled->backend:5000', 'shop', 'http://backend.shop.svc.cluster.local:5000/api/data'],
      ['loadtest->backend:5000', 'shop', 'http://backend.shop.svc.cluster.local:5000/api/data'],
      ['ztmesh-verify->frontend:8080', 'ztmesh-verify', 'http://frontend.shop.svc.cluster.local:8080/'],
    ]);
  });

  it('WHEN every app workload is deployed THEN probes each HTTP app flow and the three canonical denials', () => {
    const { probes, skipped } = planProbes(graph, {
      otherNamespace: 'ztmesh-verify',
      identity: (name) => identities[name],
    });
    expect(probes.map((p) => [p.name, p.namespace, p.serviceAccount ?? '-', p.expect])).toEqual([
      ['loadtest->frontend:8080', 'webapp', 'loadtest', 'allowed'],
      ['frontend->backend:5000', 'webapp', 'frontend', 'allowed'],
      ['unlabeled->backend:5000', 'webapp', '-', 'denied'],
      ['loadtest->backend:5000', 'webapp', 'loadtest', 'denied'],
      ['ztmesh-verify->frontend:8080', 'ztmesh-verify', '-', 'denied'],
    ]);
    expect(probes[1]).toMatchObject({
      labels: { app: 'frontend', version: 'v1' },
      url: 'http://backend.webapp.svc.cluster.local:5000/',
      method: 'GET',
    });
    // The gateway lives in istio-system, where verify creates no pods: said so, not silently dropped.
    expect(skipped).toContainEqual({
      name: 'ingress-gateway->frontend:8080',
      reason: 'source ingress-gateway runs outside webapp; probe pods run only in webapp',
    });
    for (const name of ['backend->kube-dns:53/UDP', 'backend->kube-dns:53'])
      expect(skipped).toContainEqual({ name, reason: 'not an HTTP flow between app workloads' });
    // Every name is unique within a run.
    const names = [...probes, ...skipped].map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('WHEN the load generator is not deployed THEN its probes are skipped with that reason', () => {
    const { probes, skipped } = planProbes(graph, {
      otherNamespace: 'ztmesh-verify',
      identity: (name) => (name === 'loadtest' ? undefined : identities[name]),
    });
    expect(probes.map((p) => p.name)).toEqual([
      'frontend->backend:5000',
      'unlabeled->backend:5000',
      'ztmesh-verify->frontend:8080',
    ]);
    expect(skipped).toContainEqual({
      name: 'loadtest->backend:5000',
      reason: 'loadtest is not deployed in webapp',
    });
  });
});

describe('probePod', () => {
  const { probes } = planProbes(graph, { otherNamespace: 'ztmesh-verify', identity: (n) => identities[n] });
  const pod = probePod(at(probes, 1), {
    runId: 'r1',
    index: 1,
    image: DEFAULT_PROBE_IMAGE,
    probeTimeoutMs: 3000,
    deadlineSeconds: 30,
  }) as {
    metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
    spec: Record<string, unknown> & { containers: Array<Record<string, unknown>> };
  };

  it('borrows the source identity, carries the run label and runs the image in probe mode', () => {
    expect(pod.metadata.name).toBe('ztctl-probe-r1-1');
    expect(pod.metadata.labels).toEqual({ app: 'frontend', version: 'v1', [PROBE_POD_LABEL]: 'r1' });
    expect(pod.spec['serviceAccountName']).toBe('frontend');
    const [container] = pod.spec.containers;
    expect(container?.['image']).toBe('ztmesh/loadtest');
    expect(container?.['args']).toEqual([
      'probe',
      'http://backend.webapp.svc.cluster.local:5000/',
      '--method',
      'GET',
      '--timeout',
      '3000ms',
      '--termination-message',
      '/dev/termination-log',
    ]);
  });

  it('is bounded, never restarted, restricted-PSS compliant, its verdict in the termination message', () => {
    expect(pod.spec).toMatchObject({
      restartPolicy: 'Never',
      activeDeadlineSeconds: 30,
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    });
    // Never an endpoint of the Service whose labels it borrows; completes under a native sidecar.
    expect(pod.spec['readinessGates']).toEqual([{ conditionType: PROBE_READINESS_GATE }]);
    expect(pod.metadata.annotations).toMatchObject({
      'sidecar.istio.io/nativeSidecar': 'true',
      'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts": true}',
    });
    expect(pod.spec.containers[0]).toMatchObject({
      terminationMessagePolicy: 'File',
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    });
  });
});

describe('parseProbeVerdict and judgeProbe', () => {
  const probe = at(
    planProbes(graph, { otherNamespace: 'ztmesh-verify', identity: (n) => identities[n] }).probes,
    2,
  ); // unlabeled->backend, expected denied
  it.each([
    [
      'a denial, as expected',
      '{"target":"x","verdict":"denied","allowed":false,"status":403,"reason":"HTTP 403 (a blocked status)"}',
      { observed: 'denied', status: 'pass', evidence: 'HTTP 403 (a blocked status)' },
    ],
    [
      'an answer where a denial was expected',
      '{"target":"x","verdict":"allowed","allowed":true,"status":200,"reason":"HTTP 200"}',
      { observed: 'allowed', status: 'fail', evidence: 'HTTP 200' },
    ],
    [
      'an inconclusive probe',
      '{"verdict":"inconclusive","status":null,"reason":"getaddrinfo ENOTFOUND backend"}',
      { observed: 'inconclusive', status: 'fail' },
    ],
    ['no message', undefined, { observed: 'error', status: 'fail', evidence: 'no termination message' }],
    [
      'not JSON',
      'Killed',
      { observed: 'error', status: 'fail', evidence: 'termination message is not JSON: Killed' },
    ],
    [
      'JSON without a verdict',
      '{"allowed":true}',
      {
        observed: 'error',
        status: 'fail',
        evidence: 'termination message has no verdict (allowed, denied or inconclusive)',
      },
    ],
  ])('GIVEN %s THEN the row says so', (_what, message, expected) => {
    expect(judgeProbe(probe, parseProbeVerdict(message))).toMatchObject({
      probe: 'unlabeled->backend:5000',
      expect: 'denied',
      ...expected,
    });
  });
});
