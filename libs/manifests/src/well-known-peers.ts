import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFlowGraph, type FlowGraph } from '@ztmesh/policy';
import type { ExternalServiceAccount, ExternalWorkload } from './checks/cross-check';

/** Where a repository declares its flow graph, and with it its well-known peers (repo-relative). */
export const DEFAULT_FLOWS_FILE = 'k8s/flows.yaml';

/** The identities and workloads outside the rendered objects that the checks accept as existing. */
export interface WellKnownPeers {
  readonly serviceAccounts: readonly ExternalServiceAccount[];
  readonly workloads: readonly ExternalWorkload[];
}

/**
 * The well-known peers of a flow graph (`peers:` of k8s/flows.yaml, the one statement of them: ADR 0058), as the
 * validator's checks read them: each peer's ServiceAccount exists, and its workload is reachable on its declared
 * ports plus the `viaPort` of every external host reached through it (the egress gateway's 8443). A peer is named by
 * its Service (the host a Sidecar or route names), or by its own name when the graph gives it none.
 */
export function wellKnownPeers(graph: FlowGraph): WellKnownPeers {
  const peers = Object.entries(graph.document.peers ?? {});
  const externals = Object.values(graph.document.externals ?? {});
  return {
    serviceAccounts: peers.map(([, peer]) => ({ namespace: peer.namespace, name: peer.serviceAccount })),
    workloads: peers.map(([name, peer]) => ({
      namespace: peer.namespace,
      name: peer.service ?? name,
      labels: peer.labels,
      serviceAccount: peer.serviceAccount,
      ports: [
        ...new Set([
          ...(peer.ports ?? []).map((port) => port.port),
          ...externals.filter((external) => external.via === name).map((external) => external.viaPort),
        ]),
      ],
    })),
  };
}

/**
 * The well-known peers of the repository's flow graph (`flows`, repo-relative, default DEFAULT_FLOWS_FILE); none when
 * the file does not exist. A flow graph that does not parse is bad input naming its file and line.
 */
export function readWellKnownPeers(repoRoot: string, flows: string = DEFAULT_FLOWS_FILE): WellKnownPeers {
  const path = join(repoRoot, flows);
  if (!existsSync(path)) return { serviceAccounts: [], workloads: [] };
  // parseFlowGraph's ManifestError already names `flows` and the line: bad input as it stands.
  return wellKnownPeers(parseFlowGraph(readFileSync(path, 'utf8'), flows));
}
