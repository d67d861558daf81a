import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { flowGraphToMermaid, parseFlowGraph } from '@ztmesh/policy';
import { EXIT, UsageError } from '../exit-codes';

/** `ztctl graph`: draws the declared flow graph as Mermaid. */
export function createGraphCommand(): Command {
  return new Command('graph')
    .description('draw the declared flow graph (Mermaid flowchart)')
    .option('-f, --flows <file>', 'flow graph file', 'k8s/flows.yaml')
    .action((options: { flows: string }) => {
      let text: string;
      try {
        text = readFileSync(options.flows, 'utf8');
      } catch {
        throw new UsageError(`--flows ${options.flows}: cannot read the file`);
      }
      process.stdout.write(`${flowGraphToMermaid(parseFlowGraph(text, options.flows))}\n`);
      process.exitCode = EXIT.ok;
    });
}
