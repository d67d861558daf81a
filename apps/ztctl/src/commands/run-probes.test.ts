import type { KubeClient, LiveObject } from '@ztmesh/kube';
import { describe, expect, it } from 'vitest';
import { MAX_COLUMNS } from '../fit-table';
import {
  deleteProbePods,
  probeCluster,
  probeSelector,
  rowOfPod,
  runProbes,
  type ProbeMatrixRow,
} from './run-probes';
import { renderProbeTable } from './verify';
import type { PlannedProbe } from './verify-probes';

const probe: PlannedProbe = {
  name: 'unlabeled->backend:5000',
  namespace: 'webapp',
  labels: {},
  url: 'http://backend.webapp.svc.cluster.local:5000/api/data',
  method: 'GET',
  expect: 'denied',
  why: 'an unlabeled pod',
};

function pod(status: Record<string, unknown>): LiveObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'ztctl-probe-r1-0', namespace: 'webapp' },
    status,
  };
}

const denied = '{"target":"x","verdict":"denied","allowed":false,"status":null,"reason":"connection reset"}';
const terminated = (fields: Record<string, unknown>) => ({
  name: 'probe',
  state: { terminated: { exitCode: 0, reason: 'Completed', ...fields } },
});
const running = (name: string) => ({ name, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } });

describe('rowOfPod (GIVEN a probe pod as the API server returns it)', () => {
  it.each([
    [
      'the probe container terminated with its verdict',
      { phase: 'Succeeded', containerStatuses: [terminated({ message: denied })] },
      { observed: 'denied', status: 'pass', evidence: 'connection reset' },
    ],
    [
      'the probe terminated while a classic sidecar still runs (the pod stays Running)',
      { phase: 'Running', containerStatuses: [running('istio-proxy'), terminated({ message: denied })] },
      { observed: 'denied', status: 'pass' },
    ],
    [
      'the probe terminated without a message',
      { phase: 'Failed', containerStatuses: [terminated({ exitCode: 137, reason: 'OOMKilled' })] },
      {
        observed: 'error',
        status: 'fail',
        evidence: 'no termination message (exit code 137, OOMKilled)',
      },
    ],
    [
      'the pod failed before the probe ran (activeDeadlineSeconds)',
      { phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than…' },
      {
        observed: 'error',
        status: 'fail',
        evidence:
          'pod Failed before the probe finished: DeadlineExceeded Pod was active on the node longer than…',
      },
    ],
  ])('WHEN %s THEN the row says so', (_what, status, expected) => {
    expect(rowOfPod(probe, pod(status))).toMatchObject({ probe: probe.name, expect: 'denied', ...expected });
  });

  it.each([
    ['Pending with no container status', { phase: 'Pending' }],
    [
      'Running, the probe container still running',
      { phase: 'Running', containerStatuses: [running('probe'), running('istio-proxy')] },
    ],
    [
      'waiting for its image',
      {
        phase: 'Pending',
        containerStatuses: [{ name: 'probe', state: { waiting: { reason: 'ErrImagePull' } } }],
      },
    ],
  ])('WHEN %s THEN there is no row yet', (_what, status) => {
    expect(rowOfPod(probe, pod(status))).toBeUndefined();
  });
});

describe('renderProbeTable', () => {
  it('one row per probe, the failing one marked, every line within 100 columns', () => {
    const rows: ProbeMatrixRow[] = [
      {
        probe: 'ztmesh-verify->frontend:8080',
        expect: 'denied',
        observed: 'inconclusive',
        status: 'fail',
        evidence: 'getaddrinfo ENOTFOUND frontend.webapp.svc.cluster.local',
        pod: 'ztmesh-verify/ztctl-probe-0123abcd-2',
      },
      {
        probe: 'frontend->backend:5000',
        expect: 'allowed',
        observed: 'allowed',
        status: 'pass',
        evidence: 'HTTP 200',
        pod: 'webapp/ztctl-probe-0123abcd-0',
      },
    ];
    const text = renderProbeTable(rows, [{ name: 'loadtest->backend:5000', reason: 'not deployed' }]);
    const lines = text.split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(MAX_COLUMNS);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^│ ztmesh-verify->frontend:8080 +│ FAIL +│ denied +│ inconclusive +│ getaddrinfo/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^│ frontend->backend:5000 +│ pass +│ allowed +│ allowed +│ HTTP 200 +│$/),
    );
    expect(lines.at(-2)).toMatch(/^not probed: 1 flows or probes \(a source outside the namespace/);
  });

  it('the label selector of a run', () => {
    expect(probeSelector('0123abcd')).toBe('ztmesh.dev/probe=0123abcd');
  });
});

/**
 * The loop's timing and signal paths without a server (the API itself is exercised on the real control plane in
 * libs/api-server-checks): an in-memory pod store with the KubeClient calls runProbes makes, label selector
 * `key=value` included. No kubelet: every pod stays Pending.
 */
function memoryCluster() {
  const pods = new Map<string, LiveObject>();
  const key = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;
  const client: KubeClient = {
    server: 'memory',
    context: 'memory',
    list: async (_apiVersion, _kind, namespace, labelSelector) => {
      const [label, value] = (labelSelector ?? '').split('=');
      return [...pods.values()].filter(
        (p) => p.metadata.namespace === namespace && (!label || p.metadata.labels?.[label] === value),
      );
    },
    get: async (_apiVersion, _kind, name, namespace) => pods.get(key(namespace, name)),
    create: async (object) => {
      const pod = { ...object, status: { phase: 'Pending' } } as LiveObject;
      pods.set(key(pod.metadata.namespace, pod.metadata.name), pod);
      return pod;
    },
    delete: async (_apiVersion, _kind, name, namespace) => {
      pods.delete(key(namespace, name));
    },
  };
  return { pods, client };
}

const other: PlannedProbe = { ...probe, name: 'ztmesh-verify->frontend:8080', namespace: 'ztmesh-verify' };

describe('runProbes and probeCluster (GIVEN pods that never run)', () => {
  it('WHEN the run deadline comes first THEN each probe fails saying so; deleteProbePods removes every pod', async () => {
    const { pods, client } = memoryCluster();
    const rows = await runProbes({
      client,
      probes: [probe, other],
      runId: 'r1',
      image: 'ztmesh/loadtest',
      probeTimeoutMs: 60_000,
      deadline: Date.now() + 300,
      pollIntervalMs: 50,
    });
    expect(rows.map((r) => [r.probe, r.status, r.evidence, r.pod])).toEqual([
      [probe.name, 'fail', 'no verdict before --timeout ran out (pod Pending)', 'webapp/ztctl-probe-r1-0'],
      [
        other.name,
        'fail',
        'no verdict before --timeout ran out (pod Pending)',
        'ztmesh-verify/ztctl-probe-r1-1',
      ],
    ]);
    expect([...pods.keys()]).toEqual(['webapp/ztctl-probe-r1-0', 'ztmesh-verify/ztctl-probe-r1-1']);
    expect(await deleteProbePods(client, ['webapp', 'ztmesh-verify'], 'r1')).toBe(2);
    expect(pods.size).toBe(0);
  });

  it('WHEN SIGTERM arrives mid-run THEN the outcome names it and every pod is deleted', async () => {
    const { pods, client } = memoryCluster();
    const before = process.listenerCount('SIGTERM');
    const outcome = probeCluster({
      createClient: () => client,
      probes: [probe, other],
      runId: 'r2',
      image: 'ztmesh/loadtest',
      probeTimeoutMs: 60_000,
      deadline: Date.now() + 60_000,
      pollIntervalMs: 50,
      onProgress: () => undefined,
    });
    while (pods.size < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    // Only probeCluster's own handler listens beyond what was there: emit reaches it, not a real kill.
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    process.emit('SIGTERM', 'SIGTERM');
    expect(await outcome).toEqual({ interrupted: 'SIGTERM', deleted: 2 });
    expect(pods.size).toBe(0);
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
