import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Table from 'cli-table3';
import { Command, Option } from 'commander';
import { parse } from 'yaml';
import { asManifestObject, createKubeClient, readCluster } from '@ztmesh/kube';
import { durationMs, skaffoldDeployments, type SkaffoldManifestsDocument } from '@ztmesh/manifests';
import { parseFlowGraph, runPosture, type FlowGraph, type PostureResult } from '@ztmesh/policy';
import { EXIT, UsageError } from '../exit-codes';
import { loadManifests } from '../load-manifests';

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

/** The results for people: one row per item, fitting 100 columns, then a one-line summary. */
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
  return `${table.toString()}\n${summaryLine(results)}`;
}

function summaryLine(results: readonly PostureResult[]): string {
  const count = (s: string) => results.filter((r) => r.status === s).length;
  const failed = count('fail');
  return `${failed ? 'FAIL' : 'PASS'}: ${count('pass')} passed, ${failed} failed, ${count('warn')} warnings`;
}

/** Reads the cluster, runs the posture checks and prints them; resolves with the exit code (0 pass, 1 fail). */
export async function runVerify(options: VerifyCommandOptions): Promise<number> {
  const timeoutMs =
    durationMs(options.timeout) ??
    (/^\d+$/.test(options.timeout) ? Number(options.timeout) * 1000 : undefined);
  if (!timeoutMs) throw new UsageError(`--timeout ${options.timeout}: not a duration (e.g. 30s, 1m, 500ms)`);
  const graph = readGraph(options.flows);
  const namespace = options.namespace ?? graph.document.namespace;
  const overlay = options.overlay ?? skaffoldOverlay();
  const rendered = await loadManifests(overlay);
  // One deadline for the whole read (every request also carries it).
  const client = createKubeClient({
    kubeconfig: options.kubeconfig,
    context: options.context,
    timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const snapshot = await readCluster(client, { namespace });
  const cluster = `cluster ${client.context}`;
  const results = runPosture({
    namespace,
    graph,
    rendered,
    objects: [...snapshot.namespaces, ...snapshot.objects].map((o) => asManifestObject(o, cluster)),
  });
  if (options.probes)
    results.push({
      check: 'live probes',
      status: 'warn',
      object: `Namespace ${namespace}`,
      message: 'not run by this build of ztctl: posture only (pass --no-probes to say so)',
    });
  const failed = results.some((r) => r.status === 'fail');
  if (options.json)
    process.stdout.write(
      `${JSON.stringify({ server: client.server, context: client.context, namespace, overlay, pass: !failed, results }, null, 2)}\n`,
    );
  else process.stdout.write(`${renderPostureTable(results)}\n`);
  return failed ? EXIT.drift : EXIT.ok;
}

/** `ztctl verify`: is the live cluster zero-trust right now? */
export function createVerifyCommand(): Command {
  return new Command('verify')
    .description(
      'check a live cluster: namespaces, pods and sidecars, STRICT mTLS, default deny, identities, authorization, drift from the overlay (exit 0 pass, 1 fail, 2 bad input or unreachable)',
    )
    .option('-f, --flows <file>', 'the declared flow graph', 'k8s/flows.yaml')
    .option(
      '--overlay <dir>',
      'the kustomize overlay the cluster must equal (default: the one skaffold.yaml deploys)',
    )
    .option('-n, --namespace <ns>', "the app's namespace (default: the flow graph's)")
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .addOption(new Option('--timeout <duration>', 'limit for talking to the API server').default('30s'))
    .option('--json', 'print JSON for machines')
    .option('--no-probes', 'posture checks only, no probe pods')
    .action(async (options: VerifyCommandOptions) => {
      process.exitCode = await runVerify(options);
    });
}
