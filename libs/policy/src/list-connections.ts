import type { Connection } from './analyze';
import type { Endpoint } from './endpoints';
import { formatIpRange, type IpRange } from './ip-set';
import type { L4Engine, PeerRef } from './l4-engine';
import type { Workload } from './workloads';

/** Every allowed connection between distinct peers (workloads and outside blocks), sorted as np-guard prints them. */
export function listConnections(
  workloads: readonly Workload[],
  endpointOf: (w: Workload) => Endpoint,
  engine: L4Engine,
): Connection[] {
  const { endpoints, externalBlocks } = engine;
  const pods = workloads
    .filter((w) => w.origin !== 'probe')
    .map((w) => ({ name: w.id, ref: { pod: endpointOf(w).idx } as PeerRef }));
  const ext = (blocks: readonly IpRange[]) =>
    blocks.map((b, i) => ({ name: `${formatIpRange(b)}[External]`, ref: { external: i } as PeerRef }));
  const sources = [...pods, ...ext(externalBlocks.ingress)];
  const externalDestinations = ext(externalBlocks.egress);
  const destinations = [...pods, ...externalDestinations];
  // A pod whose egress allows nothing by default reaches only the pods its verdict lists: ask only those
  // (every pair of a large input was the cost of listing).
  const podsOf = new Map<number, typeof pods>();
  for (const p of pods) {
    const idx = (p.ref as { pod: number }).pod;
    const list = podsOf.get(idx);
    if (list) list.push(p);
    else podsOf.set(idx, [p]);
  }
  const destinationsOf = (s: (typeof sources)[number]) => {
    if (!('pod' in s.ref)) return destinations;
    const verdict = engine.egress(endpoints[s.ref.pod]);
    if (!verdict.defaultPod.isEmpty()) return destinations;
    const listed = [...verdict.pods.keys()].sort((a, b) => a - b).flatMap((idx) => podsOf.get(idx) ?? []);
    return [...listed, ...externalDestinations];
  };
  const byPair = new Map<string, Connection>();
  for (const s of sources) {
    for (const d of destinationsOf(s)) {
      if (s.name === d.name) continue;
      const conn = engine.connection(s.ref, d.ref);
      if (conn.isEmpty()) continue;
      const key = `${s.name} => ${d.name}`;
      const prev = byPair.get(key);
      byPair.set(key, { src: s.name, dst: d.name, conn: prev ? prev.conn.union(conn) : conn });
    }
  }
  return [...byPair.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
}
