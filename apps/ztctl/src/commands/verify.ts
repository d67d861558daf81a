import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Table from 'cli-table3';
import { Command, Option } from 'commander';
import { parse } from 'yaml';
import { asManifestObject, createKubeClient, readCluster } from '@ztmesh/kube';
import { durationMs, skaffoldDeployments, type SkaffoldManifestsDocument } from '@ztmesh/manifests';
import {
  parseFlowGraph,
  runPosture,
  serviceAccountOf,
  templateOf,
  type FlowGraph,
  type ManifestObject,
  type PostureResult,
} from '@ztmesh/policy';
import { EXIT, SIGNAL_EXIT, UsageError } from '../exit-codes';
import { fitTable, wrapLine } from '../fit-table';
import { loadManifests } from '../load-manifests';
import { probeCluster, type ProbeMatrixRow } from './run-probes';
import { DEFAULT_PROBE_IMAGE, planProbes, type ProbeIdentity, type SkippedProbe } from './verify-probes';

/** Where the "pod from another namespace" probe runs: k8s/verify's namespace, where its Role lets verify create pods. */
export const VERIFY_NAMESPACE = 'ztmesh-verify';

/** Each API request's own limit (the whole run has --timeout). */
const REQUEST_TIMEOUT_MS = 30_000;

/** Options of `ztctl verify`. */
export interface VerifyCommandOptions {
  readonly flows: string;
  readonly overlay?: string;
  readonly namespace?: string;
  readonly context?: string;
  readonly kubeconfig?: string;
  readonly timeout: string;
  readonly json?: boolean;
  readonly probes: boolean;
  readonly probeImage?: string;
  readonly probeTimeout: string;
}

/** The overlay Skaffold deploys by default: the first kustomize path of skaffold.yaml's default pipeline. */
function skaffoldOverlay(): string {
  const file = join(process.cwd(), 'skaffold.yaml');
  if (!existsSync(file))
    throw new UsageError('no --overlay given and no skaffold.yaml here to take the deployed overlay from');
  const [deployment] = skaffoldDeployments(parse(readFileSync(file, 'utf8')) as SkaffoldManifestsDocument);
  const [path] = deployment?.kustomizePaths ?? [];
  if (!path) throw new UsageError(`${file}: manifests.kustomize.paths is empty; pass --overlay DIR`);
  return path;
}

function readGraph(file: string): FlowGraph {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`--flows ${file}: cannot read the file`);
  }
  return parseFlowGraph(text, file);
}

/** The results for people: one row per item, fitting 100 columns (the summary line is separate). */
export function renderPostureTable(results: readonly PostureResult[]): string {
  const table = new Table({
    head: ['CHECK', 'STATUS', 'OBJECT', 'EVIDENCE'],
    colWidths: [19, 8, 30, 38],
    wordWrap: true,
    wrapOnWordBoundary: false,
    style: { head: [], border: [] },
    // No rule between rows: one item per row reads better without.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const r of results) {
    const evidence = [
      r.field && r.value !== undefined ? `${r.field}=${r.value}` : (r.field ?? r.value),
      r.message,
    ]
      .filter(Boolean)
      .join(': ');
    table.push([r.check, r.status === 'pass' ? 'pass' : r.status.toUpperCase(), r.object, evidence]);
  }
  return table.toString();
}

/** The probe matrix for people: one row per probe, fitting 100 columns, then what was not probed. */
export function renderProbeTable(rows: readonly ProbeMatrixRow[], skipped: readonly SkippedProbe[]): string {
  const table = fitTable(
    ['PROBE', 'STATUS', 'EXPECT', 'OBSERVED', 'EVIDENCE'],
    rows.map((r) => [r.probe, r.status === 'pass' ? 'pass' : 'FAIL', r.expect, r.observed, r.evidence]),
  );
  const notProbed = skipped.length
    ? `\n${wrapLine(`not probed: ${skipped.length} flows or probes (a source outside the namespace, not HTTP between app workloads, or not deployed; --json lists each with its reason)`)}`
    : '';
  return `${table}${notProbed}`;
}

function summaryLine(results: readonly PostureResult[], probes: readonly ProbeMatrixRow[]): string {
  const count = (s: string) =>
    results.filter((r) => r.status === s).length + probes.filter((r) => r.status === s).length;
  const failed = count('fail');
  return `${failed ? 'FAIL' : 'PASS'}: ${count('pass')} passed, ${failed} failed, ${count('warn')} warnings`;
}

/** The identity of each app Deployment as it runs: its pod template's labels and ServiceAccount. */
function liveIdentities(objects: readonly ManifestObject[], namespace: string) {
  const deployments = new Map(
    objects
      .filter((o) => o.kind === 'Deployment' && o.metadata.namespace === namespace)
      .map((o) => [o.metadata.name, o]),
  );
  return (workload: string): ProbeIdentity | undefined => {
    const deployment = deployments.get(workload);
    if (!deployment) return undefined;
    const template = templateOf(deployment);
    return { labels: template.metadata?.labels ?? {}, serviceAccount: serviceAccountOf(template.spec) };
  };
}

/** The image the live load generator runs (the tag Skaffold deployed), else the manifests' image name. */
function defaultProbeImage(objects: readonly ManifestObject[], namespace: string): string {
  const loadtest = objects.find(
    (o) => o.kind === 'Deployment' && o.metadata.namespace === namespace && o.metadata.name === 'loadtest',
  );
  const containers = (
    templateOf(loadtest ?? ({} as ManifestObject)).spec as
      { containers?: Array<{ name?: string; image?: string }> } | undefined
  )?.containers;
  return containers?.find((c) => c.name === 'loadtest')?.image ?? DEFAULT_PROBE_IMAGE;
}

function duration(flag: string, value: string): number {
  const ms = durationMs(value) ?? (/^\d+$/.test(value) ? Number(value) * 1000 : undefined);
  if (!ms) throw new UsageError(`${flag} ${value}: not a duration (e.g. 30s, 1m, 500ms)`);
  return ms;
}

/** Shows how far the probes are, on one rewritten stderr line (only for a person at a terminal). */
function progressLine(enabled: boolean) {
  const write = (text: string) => enabled && process.stderr.write(`\r\x1b[K${text}`);
  return {
    update: (done: number, total: number) => write(`probes: ${done}/${total} done`),
    clear: () => write(''),
  };
}

/**
 * Reads the cluster, runs the posture checks and (unless --no-probes) the live probes, and prints them; resolves
 * with the exit code (0 pass, 1 fail, 130/143 interrupted by SIGINT/SIGTERM after deleting the probe pods).
 */
export async function runVerify(options: VerifyCommandOptions): Promise<number> {
  const started = Date.now();
  const timeoutMs = duration('--timeout', options.timeout);
  const probeTimeoutMs = duration('--probe-timeout', options.probeTimeout);
  const graph = readGraph(options.flows);
  const namespace = options.namespace ?? graph.document.namespace;
  const overlay = options.overlay ?? skaffoldOverlay();
  const rendered = await loadManifests(overlay);
  const createClient = (signal?: AbortSignal) =>
    createKubeClient({
      kubeconfig: options.kubeconfig,
      context: options.context,
      timeoutMs: Math.min(timeoutMs, REQUEST_TIMEOUT_MS),
      signal,
    });
  // One deadline for the whole run (every request also carries its own limit).
  const client = createClient(AbortSignal.timeout(timeoutMs));
  const snapshot = await readCluster(client, { namespace });
  const cluster = `cluster ${client.context}`;
  const objects = [...snapshot.namespaces, ...snapshot.objects].map((o) => asManifestObject(o, cluster));
  const results = runPosture({ namespace, graph, rendered, objects });

  let probes: { runId: string; image: string; rows: ProbeMatrixRow[]; skipped: SkippedProbe[] } | undefined;
  if (options.probes) {
    const plan = planProbes(graph, {
      namespace,
      otherNamespace: VERIFY_NAMESPACE,
      identity: liveIdentities(objects, namespace),
    });
    const runId = randomBytes(4).toString('hex');
    const image = options.probeImage ?? defaultProbeImage(objects, namespace);
    const progress = progressLine(process.stderr.isTTY === true && !options.json);
    progress.update(0, plan.probes.length);
    const outcome = await probeCluster({
      createClient,
      probes: plan.probes,
      runId,
      image,
      probeTimeoutMs,
      deadline: started + timeoutMs,
      onProgress: progress.update,
    }).finally(progress.clear);
    if ('interrupted' in outcome) {
      process.stderr.write(
        `ztctl: interrupted by ${outcome.interrupted}: deleted ${outcome.deleted} probe pods (label ztmesh.dev/probe=${runId})\n`,
      );
      return SIGNAL_EXIT[outcome.interrupted];
    }
    probes = { runId, image, rows: outcome.rows, skipped: plan.skipped };
  }
  const rows = probes?.rows ?? [];
  const failed = results.some((r) => r.status === 'fail') || rows.some((r) => r.status === 'fail');
  if (options.json)
    process.stdout.write(
      `${JSON.stringify({ server: client.server, context: client.context, namespace, overlay, pass: !failed, results, ...(probes ? { probes } : {}) }, null, 2)}\n`,
    );
  else
    process.stdout.write(
      `${[renderPostureTable(results), ...(probes ? [renderProbeTable(rows, probes.skipped)] : []), summaryLine(results, rows)].join('\n')}\n`,
    );
  return failed ? EXIT.failed : EXIT.ok;
}

/** `ztctl verify`: is the live cluster zero-trust right now? */
export function createVerifyCommand(): Command {
  return new Command('verify')
    .description(
      'check a live cluster: namespaces, pods and sidecars, STRICT mTLS, default deny, identities, authorization, drift from the overlay, then live probe pods for the declared and the forbidden flows (exit 0 pass, 1 fail, 2 bad input or unreachable)',
    )
    .option('-f, --flows <file>', 'the declared flow graph', 'k8s/flows.yaml')
    .option(
      '--overlay <dir>',
      'the kustomize overlay the cluster must equal (default: the one skaffold.yaml deploys)',
    )
    .option('-n, --namespace <ns>', "the app's namespace (default: the flow graph's)")
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .addOption(
      new Option(
        '--timeout <duration>',
        'limit for the whole run: reading the cluster and the probes',
      ).default('2m'),
    )
    .option('--json', 'print JSON for machines')
    .option('--no-probes', 'posture checks only, no probe pods')
    .option(
      '--probe-image <image>',
      `the load generator image probe pods run (default: the live loadtest's, else ${DEFAULT_PROBE_IMAGE})`,
    )
    .addOption(
      new Option('--probe-timeout <duration>', "one probe's limit, from its pod's creation").default('60s'),
    )
    .action(async (options: VerifyCommandOptions) => {
      process.exitCode = await runVerify(options);
    });
}
