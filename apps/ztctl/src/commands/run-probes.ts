import { KubeError, type KubeClient, type LiveObject } from '@ztmesh/kube';
import { PROBE_POD_LABEL } from '@ztmesh/policy';
import { SIGNAL_EXIT, type StopSignal } from '../exit-codes';
import { judgeProbe, parseProbeVerdict, probePod, type PlannedProbe, type ProbeRow } from './verify-probes';

/** The probe's own limit for connecting and getting an answer (inside the pod, well below --probe-timeout). */
export const PROBE_CONNECT_TIMEOUT_MS = 5000;

/** The container of a probe pod that carries the verdict (probePod names it). */
const PROBE_CONTAINER = 'probe';

/** Options of runProbes. */
export interface RunProbesOptions {
  readonly client: KubeClient;
  readonly probes: readonly PlannedProbe[];
  /** Unique per run: the value of the probe label on every pod of this run, and part of each pod's name. */
  readonly runId: string;
  readonly image: string;
  /** How long one probe may take from its pod's creation to its verdict; also the pod's activeDeadlineSeconds. */
  readonly probeTimeoutMs: number;
  /** The whole run's end (epoch ms, from --timeout): a probe without a verdict by then fails. */
  readonly deadline: number;
  /** Aborts the run (SIGINT, SIGTERM): runProbes rejects with the signal's reason; the caller cleans up. */
  readonly signal?: AbortSignal;
  /** How often the probe pods are listed; default 500 ms. */
  readonly pollIntervalMs?: number;
  /** Called after each verdict with how many probes are done. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** One row of the probe matrix with the pod that ran it. */
export interface ProbeMatrixRow extends ProbeRow {
  /** `namespace/name` of the probe pod. */
  readonly pod: string;
}

/** The label selector of one run's probe pods. */
export function probeSelector(runId: string): string {
  return `${PROBE_POD_LABEL}=${runId}`;
}

interface ContainerStatus {
  readonly name: string;
  readonly state?: {
    readonly waiting?: { readonly reason?: string; readonly message?: string };
    readonly terminated?: { readonly exitCode?: number; readonly reason?: string; readonly message?: string };
  };
}

interface PodStatus {
  readonly phase?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly containerStatuses?: readonly ContainerStatus[];
}

const statusOf = (pod: LiveObject): PodStatus => (pod['status'] ?? {}) as PodStatus;

/**
 * The row of a probe whose pod is done, or undefined while it is not. Done: the probe container terminated (its
 * verdict in the termination message; a classic sidecar may still run beside it, so the pod's phase is not
 * awaited), or the pod failed without it (activeDeadlineSeconds, eviction).
 */
export function rowOfPod(probe: PlannedProbe, pod: LiveObject): ProbeRow | undefined {
  const status = statusOf(pod);
  const container = status.containerStatuses?.find((c) => c.name === PROBE_CONTAINER);
  const terminated = container?.state?.terminated;
  if (terminated) {
    const verdict = parseProbeVerdict(terminated.message);
    const exit = `exit code ${terminated.exitCode ?? '?'}${terminated.reason ? `, ${terminated.reason}` : ''}`;
    return judgeProbe(probe, typeof verdict === 'string' ? `${verdict} (${exit})` : verdict);
  }
  if (status.phase === 'Failed' || status.phase === 'Succeeded')
    return judgeProbe(
      probe,
      `pod ${status.phase} before the probe finished: ${status.reason ?? ''} ${status.message ?? ''}`.trim(),
    );
  return undefined;
}

/** Why a pod has no verdict yet, for a timeout row: its phase and the probe container's waiting reason. */
function stateOf(pod: LiveObject | undefined): string {
  if (!pod) return 'pod not found';
  const status = statusOf(pod);
  const waiting = status.containerStatuses?.find((c) => c.name === PROBE_CONTAINER)?.state?.waiting;
  return `pod ${status.phase ?? 'Pending'}${waiting?.reason ? `, probe container ${waiting.reason}` : ''}`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Says which Role a refused pod creation needs; admission refusals (Pod Security) keep their own message. */
function creationError(error: unknown, namespace: string): unknown {
  if (!(error instanceof KubeError) || error.kind !== 'forbidden' || /PodSecurity/.test(error.message))
    return error;
  return new KubeError(
    'forbidden',
    `${error.message} (probe pods need the Role ztmesh-verify-probes of k8s/verify in ${namespace}; or pass --no-probes)`,
  );
}

/**
 * Runs every probe at once: creates its pod (probePod), lists the run's pods by label until each probe container
 * has terminated, and judges its termination message against the expectation. A probe without a verdict within
 * probeTimeoutMs of its creation, or by the run's deadline, fails with the pod's state as evidence. The pods are
 * NOT deleted here: the caller calls deleteProbePods in a finally, whatever happened.
 */
export async function runProbes(options: RunProbesOptions): Promise<ProbeMatrixRow[]> {
  const { client, probes, runId, signal } = options;
  const pollMs = options.pollIntervalMs ?? 500;
  const stopped = () => {
    if (signal?.aborted) throw signal.reason;
  };
  const pods = probes.map((probe, index) =>
    probePod(probe, {
      runId,
      index,
      image: options.image,
      probeTimeoutMs: Math.min(PROBE_CONNECT_TIMEOUT_MS, options.probeTimeoutMs),
      deadlineSeconds: Math.max(1, Math.ceil(options.probeTimeoutMs / 1000)),
    }),
  );
  const names = pods.map((pod) => (pod['metadata'] as { name: string }).name);
  const createdAt: number[] = [];
  const created = await Promise.allSettled(
    pods.map(async (pod, i) => {
      await client.create(pod);
      createdAt[i] = Date.now();
    }),
  );
  stopped();
  const refused = created.findIndex((c) => c.status === 'rejected');
  if (refused >= 0)
    throw creationError((created[refused] as PromiseRejectedResult).reason, probes[refused]?.namespace ?? '');

  const rows: Array<ProbeMatrixRow | undefined> = probes.map(() => undefined);
  const finish = (i: number, row: ProbeRow) => {
    const probe = probes[i] as PlannedProbe;
    rows[i] = { ...row, pod: `${probe.namespace}/${names[i]}` };
    options.onProgress?.(rows.filter(Boolean).length, probes.length);
  };
  const namespaces = [...new Set(probes.map((p) => p.namespace))];
  const last = new Map<string, LiveObject>();
  for (;;) {
    const pending = probes.flatMap((p, i) => (rows[i] ? [] : [i]));
    if (pending.length === 0) break;
    let listed = true;
    try {
      const waiting = namespaces.filter((ns) => pending.some((i) => probes[i]?.namespace === ns));
      const lists = await Promise.all(
        waiting.map((ns) => client.list('v1', 'Pod', ns, probeSelector(runId))),
      );
      last.clear();
      for (const pod of lists.flat()) last.set(`${pod.metadata.namespace}/${pod.metadata.name}`, pod);
    } catch (error) {
      stopped();
      // The run's deadline cut a list short: the rows below say so; any other failure is verify's error.
      if (!(error instanceof KubeError && error.kind === 'timeout' && Date.now() >= options.deadline))
        throw error;
      listed = false;
    }
    stopped();
    const now = Date.now();
    for (const i of pending) {
      const probe = probes[i] as PlannedProbe;
      const pod = last.get(`${probe.namespace}/${names[i]}`);
      const done = listed && pod ? rowOfPod(probe, pod) : undefined;
      if (done) finish(i, done);
      else if (listed && !pod) finish(i, judgeProbe(probe, 'the probe pod was deleted before its verdict'));
      else if (now - (createdAt[i] ?? now) >= options.probeTimeoutMs)
        finish(
          i,
          judgeProbe(probe, `no verdict within ${options.probeTimeoutMs / 1000} s (${stateOf(pod)})`),
        );
      else if (now >= options.deadline)
        finish(i, judgeProbe(probe, `no verdict before --timeout ran out (${stateOf(pod)})`));
    }
    if (rows.every(Boolean)) break;
    await sleep(Math.max(0, Math.min(pollMs, options.deadline - Date.now())), signal);
    stopped();
  }
  return rows as ProbeMatrixRow[];
}

/**
 * Deletes every pod of the run (by its label, in each namespace), then lists again to catch a creation that was
 * still on its way; resolves with how many pods it deleted. It uses only list and delete (no deletecollection).
 * Each namespace is cleaned on its own: a failure in one (rejected with the first error) spares no pod elsewhere.
 */
export async function deleteProbePods(
  client: KubeClient,
  namespaces: readonly string[],
  runId: string,
): Promise<number> {
  const clean = async (namespace: string) => {
    let deleted = 0;
    for (let round = 0; round < 2; round++) {
      const pods = (await client.list('v1', 'Pod', namespace, probeSelector(runId))).filter(
        (pod) => !pod.metadata.deletionTimestamp,
      );
      await Promise.all(pods.map((pod) => client.delete('v1', 'Pod', pod.metadata.name, namespace)));
      deleted += pods.length;
      if (pods.length === 0) break;
    }
    return deleted;
  };
  const settled = await Promise.allSettled(namespaces.map(clean));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.reduce((sum, s) => sum + (s.status === 'fulfilled' ? s.value : 0), 0);
}

/** Options of probeCluster. */
export interface ProbeClusterOptions extends Omit<RunProbesOptions, 'client' | 'signal'> {
  /** A client whose requests `signal` aborts (the run) or none does (the cleanup, which must outlive the run). */
  readonly createClient: (signal?: AbortSignal) => KubeClient;
  /** How long the cleanup may take; default 15 000 ms. */
  readonly cleanupTimeoutMs?: number;
}

/** What probeCluster did: the matrix, or the signal that interrupted it; and how many probe pods it deleted. */
export type ProbeClusterOutcome =
  | { readonly rows: ProbeMatrixRow[]; readonly deleted: number }
  | { readonly interrupted: StopSignal; readonly deleted: number };

const SIGNALS = Object.keys(SIGNAL_EXIT) as StopSignal[];

/**
 * runProbes with its pods always deleted: after the matrix, on any error, at the run's deadline, and on SIGINT or
 * SIGTERM (which abort the run's requests; the outcome names the signal). The cleanup runs on its own client,
 * bounded by cleanupTimeoutMs; a failed cleanup rejects with a KubeError naming the label to delete by hand.
 */
export async function probeCluster(options: ProbeClusterOptions): Promise<ProbeClusterOutcome> {
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => interrupt.abort({ signal });
  for (const signal of SIGNALS) process.on(signal, onSignal);
  const namespaces = [...new Set(options.probes.map((p) => p.namespace))];
  let rows: ProbeMatrixRow[] | undefined;
  let failure: unknown;
  try {
    const runSignal = AbortSignal.any([
      interrupt.signal,
      AbortSignal.timeout(Math.max(1, options.deadline - Date.now())),
    ]);
    rows = await runProbes({ ...options, client: options.createClient(runSignal), signal: interrupt.signal });
  } catch (error) {
    failure = error;
  }
  let deleted: number;
  try {
    const cleanup = options.createClient(AbortSignal.timeout(options.cleanupTimeoutMs ?? 15_000));
    deleted = await deleteProbePods(cleanup, namespaces, options.runId);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    // One line still: what stopped the run first (if anything did), then why its pods may be left.
    const first = failure instanceof Error ? `${failure.message}; then ` : '';
    throw new KubeError(
      failure instanceof KubeError ? failure.kind : error instanceof KubeError ? error.kind : 'api',
      `${first}could not delete the probe pods (by hand: kubectl delete pods -l ${probeSelector(options.runId)} in ${namespaces.join(', ')}): ${why}`,
    );
  } finally {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
  const reason = interrupt.signal.reason as { signal?: StopSignal } | undefined;
  if (interrupt.signal.aborted && reason?.signal) return { interrupted: reason.signal, deleted };
  if (rows === undefined) throw failure;
  return { rows, deleted };
}
