import { matchesLabelSelector } from './label-selector';
import type { ManifestObject } from './manifest-objects';
import { namespaceOf, type Workload } from './workloads';

/** The container ports of each workload that a Service selecting it declares as HTTP (appProtocol or port name). */
export function httpPortsOf(
  relevant: readonly ManifestObject[],
  workloads: readonly Workload[],
  defaultNamespace: string,
): Map<Workload, Set<number>> {
  const httpPorts = new Map<Workload, Set<number>>();
  // Services select workloads of their own namespace carrying every selector label: look only at those with the
  // first one, not at every workload (services x workloads was the cost of large inputs).
  const workloadsBy = new Map<string, Workload[]>();
  for (const w of workloads) {
    for (const [key, value] of Object.entries(w.labels)) {
      const at = `${w.namespace}\0${key}\0${value}`;
      const list = workloadsBy.get(at);
      if (list) list.push(w);
      else workloadsBy.set(at, [w]);
    }
  }
  for (const svc of relevant.filter((o) => o.kind === 'Service')) {
    const spec = (svc.spec ?? {}) as {
      selector?: Record<string, string>;
      ports?: Array<Record<string, unknown>>;
    };
    if (!spec.selector) continue;
    const ns = namespaceOf(svc, defaultNamespace);
    const first = Object.entries(spec.selector)[0];
    const candidates = first
      ? (workloadsBy.get(`${ns}\0${first[0]}\0${first[1]}`) ?? [])
      : workloads.filter((w) => w.namespace === ns);
    for (const w of candidates) {
      if (!matchesLabelSelector({ matchLabels: spec.selector }, w.labels)) continue;
      for (const port of servicePortsAsHttp(spec.ports ?? [], w)) {
        const set = httpPorts.get(w) ?? new Set<number>();
        set.add(port);
        httpPorts.set(w, set);
      }
    }
  }
  return httpPorts;
}

/** The workload's container ports that these Service ports declare as HTTP, in the Service's order. */
function servicePortsAsHttp(ports: ReadonlyArray<Record<string, unknown>>, w: Workload): number[] {
  const out: number[] = [];
  for (const p of ports) {
    const proto = String(p.appProtocol ?? p.name ?? '').toLowerCase();
    if (!/^(http|http2|grpc|grpc-web)($|-)/.test(proto)) continue;
    const target = p.targetPort ?? p.port;
    const port =
      typeof target === 'string' && !/^\d+$/.test(target)
        ? w.ports.find((cp) => cp.name === target)?.port
        : Number(target);
    if (port !== undefined) out.push(port);
  }
  return out;
}
