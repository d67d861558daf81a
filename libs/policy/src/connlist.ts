import type { Connection } from './analyze';

/** np-guard netpol-analyzer's connlist format: one `src => dst : conn` line per allowed pair. */
export function formatConnlist(connections: readonly Connection[]): string {
  return connections.map((c) => `${c.src} => ${c.dst} : ${c.conn.toString()}`).join('\n');
}
