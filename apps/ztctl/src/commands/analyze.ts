import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import {
  analyze,
  connectionsToMermaid,
  diffFlows,
  formatConnlist,
  parseFlowGraph,
  type Finding,
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
}

function printFindings(findings: readonly Finding[]): void {
  for (const f of findings) {
    const where = f.source ? `${f.source.file}:${f.source.line}: ` : '';
    process.stderr.write(
      `${f.severity === 'unmodelled' ? 'warning: not modelled' : 'note'}: ${where}${f.object} ${f.field}: ${f.message}\n`,
    );
  }
}

/** Runs the analysis and returns the exit code (0 match, 1 drift, 2 bad input is thrown). */
export async function runAnalyze(input: string, options: AnalyzeCommandOptions): Promise<number> {
  const objects = await loadManifests(input);
  const analyzeOptions = {
    defaultNamespace: options.defaultNamespace,
    allowUnknownKinds: options.allowUnknownKinds,
  };
  if (!options.flows) {
    const analysis = analyze(objects, analyzeOptions);
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
  const diff = diffFlows(objects, graph, analyzeOptions);
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
  return diff.match ? EXIT.ok : EXIT.drift;
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
    .option('--allow-unknown-kinds', 'skip unknown kinds with a warning instead of failing')
    .action(async (input: string, options: AnalyzeCommandOptions) => {
      process.exitCode = await runAnalyze(input, options);
    });
}
