import type { RenderedObject } from '../rendered-object';
import { type CheckContext, type CrossCheck, type Finding, findingOf } from './cross-check';
import { namespaceOf, ofKind, serviceForHost, type ServiceSpec } from './object-queries';

interface Destination {
  host: string;
  port?: { number?: number };
}

/** Whether a host names a well-known workload's Service (`name.namespace[.svc[.cluster.local]]`). */
function isExternalWorkloadHost(
  host: string,
  namespace: string,
  workloads: NonNullable<CheckContext['externalWorkloads']>,
): boolean {
  const [hostName, hostNamespace = namespace, ...suffix] = host.split('.');
  return workloads.some(
    (workload) =>
      workload.name === hostName &&
      workload.namespace === hostNamespace &&
      ['', 'svc', 'svc.cluster.local'].includes(suffix.join('.')),
  );
}

/**
 * Every VirtualService destination host (and every host of a VirtualService bound to the mesh), every
 * DestinationRule host and every Sidecar egress host is a Service that exists, a host a ServiceEntry of the deploy
 * declares, or a well-known workload's Service (kube-dns, the egress gateway); destination ports are a Service's.
 */
export const meshHostsCheck: CrossCheck = {
  name: 'mesh-hosts',
  description: 'every VirtualService, DestinationRule and Sidecar host is an existing Service (and port)',
  run(context) {
    const services = ofKind(context, 'Service');
    const findings: Finding[] = [];
    const externalWorkloads = context.externalWorkloads ?? [];
    // Hosts a ServiceEntry declares, with the namespaces it is visible in (exportTo; default everywhere).
    const entries = ofKind(context, 'ServiceEntry', 'networking.istio.io').map((entry) => {
      const spec = (entry.spec ?? {}) as { hosts?: string[]; exportTo?: string[] };
      const exportTo = spec.exportTo ?? ['*'];
      return {
        namespace: namespaceOf(entry),
        hosts: spec.hosts ?? [],
        visibleIn: (ns: string) =>
          exportTo.includes('*') ||
          exportTo.includes(ns) ||
          (exportTo.includes('.') && ns === namespaceOf(entry)),
      };
    });
    const declaredByEntry = (host: string, ns: string) =>
      entries.some((entry) => entry.visibleIn(ns) && entry.hosts.includes(host));
    const checkHost = (object: RenderedObject, what: string, host: string, port?: number) => {
      if (host.includes('*')) return;
      if (declaredByEntry(host, namespaceOf(object))) return;
      if (isExternalWorkloadHost(host, namespaceOf(object), externalWorkloads)) return;
      const service = serviceForHost(host, namespaceOf(object), services);
      if (!service) {
        findings.push(
          findingOf(this.name, context, object, `${what} ${host} is not a Service in this deploy`),
        );
      } else if (
        port !== undefined &&
        !((service.spec as ServiceSpec).ports ?? []).some((candidate) => candidate.port === port)
      ) {
        findings.push(
          findingOf(
            this.name,
            context,
            object,
            `${what} ${host} port ${port} is not a port of Service ${service.metadata.name}`,
          ),
        );
      }
    };
    for (const service of ofKind(context, 'VirtualService', 'networking.istio.io')) {
      const spec = (service.spec ?? {}) as {
        hosts?: string[];
        gateways?: string[];
        http?: { route?: { destination?: Destination }[]; mirror?: Destination }[];
        tcp?: { route?: { destination?: Destination }[] }[];
        tls?: { route?: { destination?: Destination }[] }[];
      };
      if (!spec.gateways || spec.gateways.length === 0 || spec.gateways.includes('mesh')) {
        for (const host of spec.hosts ?? []) checkHost(service, 'host', host);
      }
      for (const route of [...(spec.http ?? []), ...(spec.tcp ?? []), ...(spec.tls ?? [])]) {
        for (const destination of (route.route ?? []).map((entry) => entry.destination)) {
          if (destination) checkHost(service, 'destination', destination.host, destination.port?.number);
        }
      }
    }
    for (const rule of ofKind(context, 'DestinationRule', 'networking.istio.io')) {
      const host = (rule.spec as { host?: string } | undefined)?.host;
      if (host) checkHost(rule, 'host', host);
    }
    for (const sidecar of ofKind(context, 'Sidecar', 'networking.istio.io')) {
      const egress = (sidecar.spec as { egress?: { hosts?: string[] }[] } | undefined)?.egress ?? [];
      for (const host of egress.flatMap((listener) => listener.hosts ?? [])) {
        const [scope, name] = host.includes('/') ? host.split('/', 2) : ['*', host];
        if (name.includes('*') || scope === '~') continue;
        const namespace = scope === '.' || scope === '*' ? namespaceOf(sidecar) : scope;
        const external =
          isExternalWorkloadHost(name, namespace, externalWorkloads) ||
          // `<ns>/<host>` imports the host from that namespace; `*/<host>` from any.
          entries.some(
            (entry) => (scope === '*' || entry.namespace === namespace) && entry.hosts.includes(name),
          );
        if (!external && !serviceForHost(name, namespace, services)) {
          findings.push(
            findingOf(this.name, context, sidecar, `egress host ${host} is not a Service in this deploy`),
          );
        }
      }
    }
    return findings;
  },
};
