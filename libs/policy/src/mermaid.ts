import type { Connection } from './analyze';
import { flowPorts, type FlowGraph } from './flow-graph';

const nodeId = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_');
const quote = (text: string) => `"${text.replace(/"/g, '#quot;')}"`;

/** Draws the declared flow graph as a Mermaid flowchart: one arrow per flow, labelled with ports and HTTP requests. */
export function flowGraphToMermaid(graph: FlowGraph): string {
  const doc = graph.document;
  const lines = ['flowchart LR'];
  const nodes = new Map<string, string>();
  const node = (ref: string) => {
    const peer = doc.peers?.[ref];
    const external = doc.externals?.[ref];
    const label = peer
      ? `${ref}<br/>(${peer.namespace})`
      : external
        ? `${ref}<br/>(${external.host}:${external.port}, outside)`
        : ref.includes('/')
          ? ref
          : `${ref}<br/>(${doc.namespace})`;
    nodes.set(ref, `  ${nodeId(ref)}[${quote(label)}]`);
    return nodeId(ref);
  };
  const edges: string[] = [];
  for (const flow of doc.flows) {
    const ports = flowPorts(flow)
      .map((p) => `${p.protocol} ${p.port}`)
      .join(', ');
    const http = flow.http
      ? ` ${flow.http.methods?.join('/') ?? 'any method'} ${flow.http.paths ? `${flow.http.paths.length} path${flow.http.paths.length > 1 ? 's' : ''}` : ''}`.trimEnd()
      : '';
    for (const from of [flow.from].flat())
      for (const to of [flow.to].flat()) {
        const external = doc.externals?.[to];
        // A flow to an external host is drawn as it runs: through its gateway.
        if (external)
          edges.push(
            `  ${node(from)} -->|${quote(`TCP ${external.viaPort}`)}| ${node(external.via)} -->|${quote(`TCP ${external.port}`)}| ${node(to)}`,
          );
        else edges.push(`  ${node(from)} -->|${quote(ports + http)}| ${node(to)}`);
      }
  }
  for (const probe of doc.probes ?? []) {
    for (const from of [probe.from].flat())
      for (const to of [probe.to].flat())
        edges.push(
          `  ${node(from)} -. ${quote(`denied: ${probe.protocol ?? 'TCP'} ${probe.port}`)} .-x ${node(to)}`,
        );
  }
  lines.push(...[...nodes.values()].sort(), ...edges);
  return lines.join('\n');
}

/** Draws analyzed connections (as listed by connlist) as a Mermaid flowchart. */
export function connectionsToMermaid(connections: readonly Connection[]): string {
  const lines = ['flowchart LR'];
  const nodes = new Set<string>();
  for (const c of connections) nodes.add(c.src).add(c.dst);
  for (const n of [...nodes].sort()) lines.push(`  ${nodeId(n)}[${quote(n)}]`);
  for (const c of connections)
    lines.push(`  ${nodeId(c.src)} -->|${quote(c.conn.toString())}| ${nodeId(c.dst)}`);
  return lines.join('\n');
}
