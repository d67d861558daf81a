import { type CrossCheck, type Finding, findingOf } from './cross-check';
import { namespaceOf, ofKind } from './object-queries';

/** A Gateway or VirtualService host without its `namespace/` prefix. */
function hostName(host: string): string {
  return host.includes('/') ? host.slice(host.indexOf('/') + 1) : host;
}

/**
 * The app claims only its own host names on a shared ingress gateway: no Gateway server and no gateway-bound
 * VirtualService claims `*` (which would take every other app's traffic, or conflict with it), and each such
 * VirtualService host is one its Gateway serves.
 */
export const gatewayHostsCheck: CrossCheck = {
  name: 'gateway-hosts',
  description: 'Gateways and gateway-bound VirtualServices name their hosts, never `*`',
  run(context) {
    const findings: Finding[] = [];
    const gateways = ofKind(context, 'Gateway', 'networking.istio.io');
    const served = new Map<string, string[]>();
    for (const gateway of gateways) {
      const servers = (gateway.spec as { servers?: { hosts?: string[] }[] } | undefined)?.servers ?? [];
      const hosts = servers.flatMap((server) => (server.hosts ?? []).map(hostName));
      served.set(`${namespaceOf(gateway)}/${gateway.metadata.name}`, hosts);
      if (hosts.some((host) => host === '*'))
        findings.push(
          findingOf(this.name, context, gateway, 'a server claims every host (`*`) on the gateway'),
        );
    }
    for (const service of ofKind(context, 'VirtualService', 'networking.istio.io')) {
      const spec = (service.spec ?? {}) as { hosts?: string[]; gateways?: string[] };
      const bound = (spec.gateways ?? []).filter((gateway) => gateway !== 'mesh');
      if (bound.length === 0) continue;
      const hosts = spec.hosts ?? [];
      if (hosts.length === 0 || hosts.includes('*'))
        findings.push(
          findingOf(this.name, context, service, 'hosts must name the app (not `*`) on a shared gateway'),
        );
      for (const gateway of bound) {
        const ref = gateway.includes('/') ? gateway : `${namespaceOf(service)}/${gateway}`;
        const accepted = served.get(ref);
        if (accepted === undefined) continue; // a gateway outside the render is not judged
        for (const host of hosts.filter((h) => h !== '*' && !accepted.includes(h) && !accepted.includes('*')))
          findings.push(
            findingOf(this.name, context, service, `host ${host} is not served by Gateway ${ref}`),
          );
      }
    }
    return findings;
  },
};
