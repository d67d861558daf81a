import { flowPorts, PROBE_POD_LABEL, type FlowGraph, type Labels } from '@ztmesh/policy';

/** The image the manifests run the load generator from (k8s/loadtest/workload-loadtest.yaml). */
export const DEFAULT_PROBE_IMAGE = 'ztmesh/loadtest';

/** Where the probe container writes its verdict (the kubelet's default path, read with policy File). */
export const PROBE_TERMINATION_MESSAGE_PATH = '/dev/termination-log';

/** A readiness gate nobody sets: a probe pod under an app's labels never becomes an endpoint of its Service. */
export const PROBE_READINESS_GATE = 'ztmesh.dev/probe-never-ready';

/** The identity a probe pod borrows: the source workload's pod labels and ServiceAccount. */
export interface ProbeIdentity {
  readonly labels: Labels;
  readonly serviceAccount: string;
}

/** One planned probe: who connects (namespace, labels, ServiceAccount), to what, and the expected verdict. */
export interface PlannedProbe {
  /** Short and unique within a run, e.g. `frontend->backend:5000`. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Labels;
  /** Absent: the namespace's `default` ServiceAccount (an unlabeled stranger). */
  readonly serviceAccount?: string;
  readonly url: string;
  readonly method: string;
  readonly expect: 'allowed' | 'denied';
  readonly why: string;
}

/** A declared flow verify cannot probe from a pod it may create, with the reason (reported, never hidden). */
export interface SkippedProbe {
  readonly name: string;
  readonly reason: string;
}

/** Options for planProbes. */
export interface PlanProbesOptions {
  /** The app's namespace, where the probes run and their targets live (verify's --namespace); default the graph's. */
  readonly namespace?: string;
  /** Where the "pod from another namespace" probe runs (verify's own namespace, which it may create pods in). */
  readonly otherNamespace: string;
  /** The live identity of an app workload (from its Deployment), or undefined when it is not deployed. */
  readonly identity: (workload: string) => ProbeIdentity | undefined;
}

function serviceUrl(namespace: string, name: string, port: number, path: string): string {
  // Ports in the flow graph are pod ports; the app's Services expose each on the same number.
  return `http://${name}.${namespace}.svc.cluster.local:${port}${path}`;
}

/**
 * The probes of one run: one per declared HTTP flow between app workloads (expected allowed, its first method and
 * path), then the canonical forbidden ones (an unlabeled pod to the backend, the load generator to the backend, a
 * pod from another namespace to the frontend; expected denied). Flows from peers outside the app namespace, or
 * without HTTP, are skipped with a reason: verify only creates pods in the app namespace and its own.
 */
export function planProbes(
  graph: FlowGraph,
  options: PlanProbesOptions,
): { probes: PlannedProbe[]; skipped: SkippedProbe[] } {
  const doc = graph.document;
  const ns = options.namespace ?? doc.namespace;
  const apps = new Set(doc.workloads);
  const probes: PlannedProbe[] = [];
  const skipped: SkippedProbe[] = [];
  const list = (refs: string | readonly string[]): readonly string[] =>
    typeof refs === 'string' ? [refs] : refs;
  for (const flow of doc.flows) {
    for (const from of list(flow.from)) {
      for (const to of list(flow.to)) {
        for (const { port, protocol } of flowPorts(flow)) {
          // Unique within a run: DNS is declared twice on port 53 (UDP and TCP).
          const name = `${from}->${to}:${port}${protocol === 'TCP' ? '' : `/${protocol}`}`;
          if (!apps.has(from)) {
            skipped.push({ name, reason: `source ${from} runs outside ${ns}; probe pods run only in ${ns}` });
          } else if (!apps.has(to) || protocol !== 'TCP' || !flow.http) {
            skipped.push({ name, reason: 'not an HTTP flow between app workloads' });
          } else {
            const identity = options.identity(from);
            if (!identity) {
              skipped.push({ name, reason: `${from} is not deployed in ${ns}` });
              continue;
            }
            probes.push({
              name,
              namespace: ns,
              labels: identity.labels,
              serviceAccount: identity.serviceAccount,
              url: serviceUrl(ns, to, port, flow.http.paths?.[0] ?? '/'),
              method: flow.http.methods?.[0] ?? 'GET',
              expect: 'allowed',
              why: 'declared flow',
            });
          }
        }
      }
    }
  }
  const backend = doc.flows.find((f) => list(f.to).includes('backend') && list(f.from).includes('frontend'));
  const frontend = doc.flows.find((f) => list(f.to).includes('frontend') && f.http);
  const backendPort = backend ? (flowPorts(backend)[0]?.port ?? 5000) : 5000;
  const frontendPort = frontend ? (flowPorts(frontend)[0]?.port ?? 8080) : 8080;
  probes.push({
    name: `unlabeled->backend:${backendPort}`,
    namespace: ns,
    labels: {},
    url: serviceUrl(ns, 'backend', backendPort, '/api/data'),
    method: 'GET',
    expect: 'denied',
    why: `an unlabeled pod in ${ns} under the default ServiceAccount`,
  });
  const loadtest = options.identity('loadtest');
  if (loadtest) {
    probes.push({
      name: `loadtest->backend:${backendPort}`,
      namespace: ns,
      labels: loadtest.labels,
      serviceAccount: loadtest.serviceAccount,
      url: serviceUrl(ns, 'backend', backendPort, '/api/data'),
      method: 'GET',
      expect: 'denied',
      why: 'the load generator may reach the frontend only',
    });
  } else {
    skipped.push({ name: `loadtest->backend:${backendPort}`, reason: `loadtest is not deployed in ${ns}` });
  }
  probes.push({
    name: `${options.otherNamespace}->frontend:${frontendPort}`,
    namespace: options.otherNamespace,
    labels: {},
    url: serviceUrl(ns, 'frontend', frontendPort, '/'),
    method: 'GET',
    expect: 'denied',
    why: `a pod in another namespace (${options.otherNamespace})`,
  });
  return { probes, skipped };
}

/** Options for probePod. */
export interface ProbePodOptions {
  readonly runId: string;
  readonly index: number;
  readonly image: string;
  /** The probe's own connect-and-answer timeout. */
  readonly probeTimeoutMs: number;
  /** The pod's activeDeadlineSeconds: the kubelet kills it after this long, whatever happens. */
  readonly deadlineSeconds: number;
}

/**
 * The probe pod: the load generator in probe mode, under the source's labels and ServiceAccount plus the run's
 * probe label, restricted-PSS compliant, never restarted, bounded by activeDeadlineSeconds, its verdict in the
 * termination message (policy File, so verify needs no log access).
 */
export function probePod(probe: PlannedProbe, options: ProbePodOptions): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `ztctl-probe-${options.runId}-${options.index}`,
      namespace: probe.namespace,
      labels: { ...probe.labels, [PROBE_POD_LABEL]: options.runId },
      annotations: {
        'ztmesh.dev/probe-name': probe.name,
        'ztmesh.dev/probe-expect': probe.expect,
        // In an injected namespace: a native sidecar (an init container) lets the pod complete when the probe
        // exits; where only a classic sidecar is possible, the probe starts once the proxy is ready, so its
        // request is not refused by a proxy that is still starting. Both are ignored where nothing is injected.
        'sidecar.istio.io/nativeSidecar': 'true',
        'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts": true}',
      },
    },
    spec: {
      restartPolicy: 'Never',
      activeDeadlineSeconds: options.deadlineSeconds,
      terminationGracePeriodSeconds: 5,
      // Never Ready, so never an endpoint of the Service whose labels it borrows (the real pods serve alone).
      readinessGates: [{ conditionType: PROBE_READINESS_GATE }],
      ...(probe.serviceAccount ? { serviceAccountName: probe.serviceAccount } : {}),
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'probe',
          image: options.image,
          args: [
            'probe',
            probe.url,
            '--method',
            probe.method,
            '--timeout',
            `${options.probeTimeoutMs}ms`,
            '--termination-message',
            PROBE_TERMINATION_MESSAGE_PATH,
          ],
          terminationMessagePath: PROBE_TERMINATION_MESSAGE_PATH,
          terminationMessagePolicy: 'File',
          resources: {
            requests: { cpu: '10m', memory: '32Mi' },
            limits: { cpu: '200m', memory: '128Mi' },
          },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
        },
      ],
    },
  };
}

/** A probe's verdict as read from its termination message. */
export interface ObservedVerdict {
  readonly verdict: 'allowed' | 'denied' | 'inconclusive';
  readonly status: number | null;
  readonly reason: string;
}

/** Parses a termination message; anything but the probe's JSON verdict is an error string naming what is wrong. */
export function parseProbeVerdict(message: string | undefined): ObservedVerdict | string {
  if (message === undefined || message.trim() === '') return 'no termination message';
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return `termination message is not JSON: ${message.slice(0, 60)}`;
  }
  const v = value as Partial<Record<string, unknown>>;
  if (v['verdict'] !== 'allowed' && v['verdict'] !== 'denied' && v['verdict'] !== 'inconclusive')
    return `termination message has no verdict (allowed, denied or inconclusive)`;
  const status = typeof v['status'] === 'number' ? v['status'] : null;
  return { verdict: v['verdict'], status, reason: typeof v['reason'] === 'string' ? v['reason'] : '' };
}

/** One row of the probe matrix. */
export interface ProbeRow {
  readonly probe: string;
  readonly expect: 'allowed' | 'denied';
  readonly observed: 'allowed' | 'denied' | 'inconclusive' | 'error';
  readonly status: 'pass' | 'fail';
  readonly evidence: string;
}

/** Compares what a probe observed with what the flow graph expects: pass only on an exact match. */
export function judgeProbe(probe: PlannedProbe, observed: ObservedVerdict | string): ProbeRow {
  if (typeof observed === 'string')
    return { probe: probe.name, expect: probe.expect, observed: 'error', status: 'fail', evidence: observed };
  return {
    probe: probe.name,
    expect: probe.expect,
    observed: observed.verdict,
    status: observed.verdict === probe.expect ? 'pass' : 'fail',
    evidence: observed.reason,
  };
}
