import type { ManifestObject } from '../manifest-object';
import { type CrossCheck, type Finding, findingOf } from './cross-check';
import { namespaceOf, ofKind, serviceForHost, type ServiceSpec } from './object-queries';

interface Destination {
  host: string;
  port?: { number?: number };
}

/**
 * Every VirtualService destination host (and every host of a VirtualService bound to the mesh), every
 * DestinationRule host and every Sidecar egress host is a Service that exists (a Sidecar may also name a well-known
 * workload's Service, e.g. kube-dns); destination ports are its ports.
 */
export const meshHostsCheck: CrossCheck = {
  name: 'mesh-hosts',
  description: 'every VirtualService, DestinationRule and Sidecar host is an existing Service (and port)',
  run(context) {
    const services = ofKind(context, 'Service');
    const findings: Finding[] = [];
    const checkHost = (object: ManifestObject, what: string, host: string, port?: number) => {
      if (host.includes('*')) return;
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
        const [hostName, hostNamespace = namespace, ...suffix] = name.split('.');
        const external = (context.externalWorkloads ?? []).some(
          (workload) =>
            workload.name === hostName &&
            workload.namespace === hostNamespace &&
            ['', 'svc', 'svc.cluster.local'].includes(suffix.join('.')),
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
