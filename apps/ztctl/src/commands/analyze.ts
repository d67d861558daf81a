import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import {
  analyze,
  connectionsToMermaid,
  diffFlows,
  formatConnlist,
  parseFlowGraph,
  type AnalysisFinding,
} from '@ztmesh/policy';
import { EXIT, UsageError } from '../exit-codes';
import { loadManifests } from '../load-manifests';
import { analysisToJson, diffToJson, renderConnectionsTable, renderDiffTable } from '../render';

/** Options of `ztctl analyze`. */
export interface AnalyzeCommandOptions {
  readonly output: 'table' | 'json' | 'mermaid' | 'connlist';
  readonly flows?: string;
  readonly defaultNamespace: string;
  readonly allowUnknownKinds?: boolean;
  /** The flow graph layout to hold the manifests to (default: the one they match). */
  readonly layout?: string;
}

function printFindings(findings: readonly AnalysisFinding[]): void {
  for (const f of findings) {
    const where = f.source ? `${f.source.file}:${f.source.line}: ` : '';
    process.stderr.write(
      `${f.severity === 'unmodelled' ? 'warning: not modelled' : 'note'}: ${where}${f.object} ${f.field}: ${f.message}\n`,
    );
  }
}

/** Nothing to analyze is bad input, whatever the input was: a gate over no workloads must never pass. */
function requireWorkloads(input: string, objects: number, workloads: number): void {
  if (workloads > 0) return;
  throw new UsageError(
    `${input}: nothing to analyze: ${objects === 0 ? 'no Kubernetes objects' : `${objects} objects but no workload (Deployment, StatefulSet, DaemonSet, Pod, ...)`}`,
  );
}

/** Runs the analysis and returns the exit code (0 match, 1 drift, 2 bad input is thrown). */
export async function runAnalyze(input: string, options: AnalyzeCommandOptions): Promise<number> {
  if (options.layout !== undefined && !options.flows)
    throw new UsageError(`--layout ${options.layout}: a layout is of a flow graph; pass --flows too`);
  // Only the analysis reads these objects: it may drop what it never reads (memory of large inputs).
  const objects = await loadManifests(input, undefined, { forAnalysis: true });
  const analyzeOptions = {
    defaultNamespace: options.defaultNamespace,
    allowUnknownKinds: options.allowUnknownKinds,
  };
  // The input's own workloads (the diff adds the flow graph's peers and probes, which prove nothing here).
  const analysis = analyze(objects, analyzeOptions);
  requireWorkloads(input, objects.length, analysis.workloads.length);
  if (!options.flows) {
    printFindings(analysis.findings);
    if (options.output === 'json')
      process.stdout.write(`${JSON.stringify(analysisToJson(analysis), null, 2)}\n`);
    else if (options.output === 'connlist')
      process.stdout.write(`${formatConnlist(analysis.connections())}\n`);
    else if (options.output === 'mermaid')
      process.stdout.write(`${connectionsToMermaid(analysis.connections())}\n`);
    else process.stdout.write(`${renderConnectionsTable(analysis)}\n`);
    return EXIT.ok;
  }
  let text: string;
  try {
    text = readFileSync(options.flows, 'utf8');
  } catch {
    throw new UsageError(`--flows ${options.flows}: cannot read the file`);
  }
  const graph = parseFlowGraph(text, options.flows);
  if (options.layout !== undefined && !graph.placements.some((p) => p.layout === options.layout))
    throw new UsageError(
      `--layout ${options.layout}: not a layout of ${options.flows} (${graph.placements.map((p) => p.layout).join(', ')})`,
    );
  const diff = diffFlows(objects, graph, { ...analyzeOptions, layout: options.layout });
  printFindings(diff.analysis.findings);
  if (options.output === 'json') process.stdout.write(`${JSON.stringify(diffToJson(diff), null, 2)}\n`);
  else if (options.output === 'connlist')
    process.stdout.write(`${formatConnlist(diff.analysis.connections())}\n`);
  else if (options.output === 'mermaid')
    process.stdout.write(`${connectionsToMermaid(diff.analysis.connections())}\n`);
  else process.stdout.write(`${renderDiffTable(diff)}\n`);
  if (options.output === 'connlist' || options.output === 'mermaid') {
    process.stderr.write(
      `${diff.match ? 'MATCH' : 'DRIFT'}: ${diff.blocked.length} blocked, ${diff.overPermissive.length} over-permissive, ${diff.probes.filter((p) => !p.denied).length} probes get through\n`,
    );
  }
  return diff.match ? EXIT.ok : EXIT.failed;
}

/** `ztctl analyze <file|dir|kustomize dir|->`. */
export function createAnalyzeCommand(): Command {
  return new Command('analyze')
    .description(
      'compute what the manifests allow (Kubernetes NetworkPolicy, Calico, Istio); with --flows, diff against the declared flow graph',
    )
    .argument(
      '<input>',
      'a YAML/JSON file, a directory, a kustomize directory (rendered with kubectl kustomize) or - for stdin',
    )
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['table', 'json', 'mermaid', 'connlist'])
        .default('table'),
    )
    .option('-f, --flows <file>', 'declared flow graph to diff against (exit 0 match, 1 drift)')
    .option('--default-namespace <ns>', 'namespace of objects that set none', 'default')
    .option(
      '--layout <name>',
      "with --flows: the flow graph's layout to hold the manifests to (default: the one they match)",
    )
    .option('--allow-unknown-kinds', 'skip unknown kinds with a warning instead of failing')
    .addHelpText(
      'after',
      [
        '',
        'Without --flows the table lists the pairs of workloads in the input that the policies let connect.',
        'The ingress gateway, Prometheus, kube-dns and istiod are not in the app manifests: they are peers the',
        'flow graph declares (k8s/flows.yaml, `peers:`, by namespace, labels and ServiceAccount), so their',
        'flows appear only with --flows.',
        '',
        'The flow graph says where each workload lives (`namespace`, and `layouts` such as one namespace each);',
        'the diff uses the layout the manifests match (or --layout) and prints it first.',
        '',
        'The table fits 100 columns (cells wrap); -o json has every field in full. Input with no workload is',
        'bad input: nothing analyzed must never pass.',
        '',
        'Exit codes: 0 analyzed (with --flows: match), 1 drift, 2 bad input.',
      ].join('\n'),
    )
    .action(async (input: string, options: AnalyzeCommandOptions) => {
      process.exitCode = await runAnalyze(input, options);
    });
}
