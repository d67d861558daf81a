// Test helpers (only imported by *.test.ts): build clusters from YAML and read the connectivity matrix.
import { analyze, type Analysis, type AnalyzeOptions } from './analyze';
import { parseManifests } from './manifest-objects';

/** Parses YAML test manifests. */
export function objectsOf(...yamlDocs: string[]) {
  return yamlDocs.flatMap((doc, i) => parseManifests(doc, `given-${i}.yaml`));
}

/** Analyzes YAML test manifests. */
export function analyzeYaml(yamlDocs: string[], options?: AnalyzeOptions): Analysis {
  return analyze(objectsOf(...yamlDocs), options);
}

/** The L4 matrix between workloads, keyed `src->dst` by workload name, `none` for no connection. */
export function matrix(analysis: Analysis): Record<string, string> {
  const out: Record<string, string> = {};
  const ws = analysis.workloads.filter((w) => w.origin === 'manifest');
  for (const s of ws) {
    for (const d of ws) {
      if (s === d) continue;
      const c = analysis.l4(s, d);
      out[`${s.name}->${d.name}`] = c.isEmpty() ? 'none' : c.toString();
    }
  }
  return out;
}

/** The endpoint class of the workload with this name (fails the test when there is none). */
export function endpointNamed(analysis: Analysis, name: string) {
  const w = analysis.workloads.find((x) => x.name === name);
  if (!w) throw new Error(`no workload named ${name}`);
  return analysis.endpointOf(w);
}

/** A Pod manifest. */
export function pod(
  ns: string,
  name: string,
  labels: Record<string, string>,
  ports: Array<[string, number, string?]> = [],
  sa = 'default',
): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: {
      serviceAccountName: sa,
      containers: [
        {
          name: 'c',
          image: 'x',
          ports: ports.map(([n, p, proto]) => ({ name: n, containerPort: p, protocol: proto ?? 'TCP' })),
        },
      ],
    },
  });
}

/** A Namespace manifest. */
export function namespace(name: string, labels: Record<string, string> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
}

/** A Kubernetes NetworkPolicy manifest from its spec. */
export function netpol(ns: string, name: string, spec: unknown): string {
  return JSON.stringify({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: ns },
    spec,
  });
}

/** A Calico policy manifest from its spec (GlobalNetworkPolicy when ns is undefined). */
export function calico(ns: string | undefined, name: string, spec: unknown): string {
  return JSON.stringify({
    apiVersion: 'projectcalico.org/v3',
    kind: ns ? 'NetworkPolicy' : 'GlobalNetworkPolicy',
    metadata: ns ? { name, namespace: ns } : { name },
    spec,
  });
}
