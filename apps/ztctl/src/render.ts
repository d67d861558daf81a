import { SIDECAR_PORTS, type Analysis, type Connection, type FlowDiff } from '@ztmesh/policy';
import { fitTable, wrapLine } from './fit-table';

/** What Istio does on the destination's TCP ports that L4 lets through: which admit the source, which deny it. */
export function l7Summary(analysis: Analysis, c: Connection): string {
  const dst = analysis.workloads.find((w) => w.id === c.dst);
  if (!dst) return 'n/a (outside)';
  const dstEp = analysis.endpointOf(dst);
  if (!dstEp.mesh) return 'no sidecar';
  const srcWorkload = analysis.workloads.find((w) => w.id === c.src);
  const src = srcWorkload ? analysis.endpointOf(srcWorkload) : undefined;
  const ports = dst.ports.filter(
    (p) => p.protocol === 'TCP' && c.conn.has('TCP', p.port) && !SIDECAR_PORTS.includes(p.port),
  );
  if (ports.length === 0) return 'no intercepted port';
  const allowed = ports.filter((p) =>
    analysis.istio.allowsAny(src, dstEp, p.port, analysis.isHttpPort(dst, p.port)),
  );
  const denied = ports.filter((p) => !allowed.includes(p));
  return [
    allowed.length ? `allows ${allowed.map((p) => p.port).join(',')}` : '',
    denied.length ? `denies ${denied.map((p) => p.port).join(',')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/** The connectivity matrix for people: one row per pair L4 allows, with what Istio does on those ports. */
export function renderConnectionsTable(analysis: Analysis): string {
  const rows = analysis.connections().map((c) => [c.src, c.dst, c.conn.toString(), l7Summary(analysis, c)]);
  const t = fitTable(['FROM', 'TO', 'ALLOWED (L3/L4)', 'L7 (Istio)'], rows);
  return `${t}\n${analysis.workloads.length} workloads (${analysis.endpoints.length} distinct label sets), ${analysis.policyCount} network policies`;
}

/** The diff against the flow graph for people: declared flows, drift and probes. */
export function renderDiffTable(diff: FlowDiff): string {
  const out: string[] = [];
  const placed = [...diff.placement.namespaceOf].map(([w, ns]) => `${w} in ${ns}`).join(', ');
  out.push(wrapLine(`Layout ${diff.placement.layout}: ${placed}`), '');
  const declared: string[][] = [];
  for (const d of diff.declared) {
    const http = d.http ? `${d.http.methods?.join(',') ?? '*'} ${d.http.paths?.join(' ') ?? '*'}` : '';
    declared.push([
      d.from,
      d.to,
      `${d.protocol} ${d.port}`,
      http,
      d.l4 ? 'allow' : 'BLOCKED',
      d.l7 ? (d.l7.allowed ? 'allow' : `BLOCKED: ${d.l7.reason}`) : 'n/a',
    ]);
  }
  out.push('Declared flows', fitTable(['FROM', 'TO', 'PORT', 'HTTP', 'L4', 'L7'], declared));
  out.push(`\nDeclared but blocked (the app would break): ${diff.blocked.length}`);
  for (const b of diff.blocked)
    out.push(
      wrapLine(
        `  ${b.from} -> ${b.to} ${b.protocol} ${b.port}: ${!b.l4 ? 'L4 blocks it' : `L7: ${b.l7?.reason}`}`,
      ),
    );
  out.push(`\nAllowed but not declared (over-permissive): ${diff.overPermissive.length}`);
  for (const o of diff.overPermissive) out.push(wrapLine(`  [${o.layer}] ${o.from} -> ${o.to}: ${o.detail}`));
  const probes: string[][] = [];
  for (const p of diff.probes) {
    probes.push([
      p.probe,
      p.from,
      p.to,
      `${p.protocol} ${p.port}`,
      p.l4Allowed ? 'allow' : 'deny',
      p.l7Allowed === undefined ? 'n/a' : p.l7Allowed ? 'allow' : 'deny',
      p.denied ? 'denied' : 'GETS THROUGH',
    ]);
  }
  out.push(
    `\nProbes that must be denied: ${diff.probes.filter((p) => p.denied).length}/${diff.probes.length} denied`,
    fitTable(['PROBE', 'FROM', 'TO', 'PORT', 'L4', 'L7', 'RESULT'], probes),
  );
  if (diff.missing.length > 0)
    out.push(
      '',
      wrapLine(
        `DRIFT: declared workloads missing from these manifests (their flows cannot hold): ${diff.missing.join(', ')}`,
      ),
    );
  if (diff.absent.length > 0)
    out.push(
      '',
      wrapLine(`Optional, not in these manifests (their flows are skipped): ${diff.absent.join(', ')}`),
    );
  if (diff.unresolved.length > 0)
    out.push('\nUnresolved references:', ...diff.unresolved.map((u) => wrapLine(`  ${u}`)));
  out.push(
    `\n${diff.match ? 'MATCH: the manifests allow exactly the declared flows' : 'DRIFT: the manifests differ from the declared flow graph'}`,
  );
  return out.join('\n');
}

/** The diff for machines. */
export function diffToJson(diff: FlowDiff): unknown {
  return {
    match: diff.match,
    layout: {
      name: diff.placement.layout,
      namespaces: Object.fromEntries(diff.placement.namespaceOf),
    },
    declared: diff.declared,
    blocked: diff.blocked,
    overPermissive: diff.overPermissive,
    probes: diff.probes,
    unresolved: diff.unresolved,
    absent: diff.absent,
    missing: diff.missing,
    findings: diff.analysis.findings,
  };
}

/** The analysis for machines. */
export function analysisToJson(analysis: Analysis): unknown {
  return {
    workloads: analysis.workloads.map((w) => ({
      id: w.id,
      namespace: w.namespace,
      name: w.name,
      kind: w.kind,
      labels: w.labels,
      serviceAccount: w.serviceAccount,
      ports: w.ports,
      mesh: analysis.endpointOf(w).mesh,
    })),
    connections: analysis
      .connections()
      .map((c) => ({ from: c.src, to: c.dst, conn: c.conn.toString(), l7: l7Summary(analysis, c) })),
    findings: analysis.findings,
  };
}
