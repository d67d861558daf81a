import type { Protocol } from './conn-set';
import type { FindingLog } from './findings';
import { istioStringMatch } from './istio-policies';
import { matchesLabelSelector, type Labels } from './label-selector';
import { describeObject, type ManifestObject } from './manifest-objects';
import { bad, checkPort } from './network-policies';
import { namespaceOf, type Workload } from './workloads';

/** What a source's sidecar does with one outbound connection. */
export interface EgressVerdict {
  readonly allowed: boolean;
  readonly reason: string;
  /** Allowed only as an unknown destination (ALLOW_ANY): sent as it is, without the sidecar's mTLS. */
  readonly passthrough?: boolean;
}

/** Istio's mesh-wide default `outboundTrafficPolicy.mode` when a Sidecar sets none. */
export const MESH_DEFAULT_OUTBOUND_MODE = 'ALLOW_ANY';

interface EgressListener {
  /** Port the listener is bound to; undefined: every port. */
  readonly port?: number;
  readonly hosts: ReadonlyArray<{ readonly namespace: string; readonly dnsName: string }>;
}

interface SidecarConfig {
  readonly id: string;
  readonly namespace: string;
  readonly selector?: Labels;
  /** undefined when the Sidecar omits `egress`: Istio then imports every namespace's services. */
  readonly egress?: readonly EgressListener[];
  readonly mode: 'REGISTRY_ONLY' | 'ALLOW_ANY';
}

interface ServicePort {
  readonly port: number;
  readonly targetPort?: string | number;
}

interface ServiceInfo {
  readonly name: string;
  readonly namespace: string;
  readonly selector?: Labels;
  readonly ports: readonly ServicePort[];
}

/**
 * The Istio Sidecar resources as the source's proxy applies them to outbound TCP: which services it imports
 * (`egress[].hosts`, per listener port) and what happens to any other destination (`outboundTrafficPolicy.mode`:
 * REGISTRY_ONLY sends it to the BlackHole cluster, ALLOW_ANY passes it through). Only outbound TCP is captured
 * (UDP, so DNS over UDP, is not, while Istio's DNS capture is off), and only the application's connections: the
 * proxy's own (to istiod) bypass the capture. The Sidecar of a workload is the one selecting it in its namespace,
 * else the namespace's selector-less one, else the root namespace's selector-less one.
 */
export class SidecarEgress {
  private readonly sidecars: SidecarConfig[] = [];
  private readonly services: ServiceInfo[] = [];

  constructor(
    objects: readonly ManifestObject[],
    defaultNamespace: string,
    findings: FindingLog,
    private readonly rootNamespace: string,
    private readonly clusterDomain: string,
  ) {
    for (const obj of objects) {
      if (obj.kind === 'Service') this.services.push(readService(obj, defaultNamespace));
      if (obj.kind === 'Sidecar' && obj.apiVersion.startsWith('networking.istio.io/'))
        this.sidecars.push(readSidecar(obj, defaultNamespace, findings));
    }
  }

  /** The Sidecar resource that configures a workload's proxy, if any. */
  private sidecarFor(src: Workload): SidecarConfig | undefined {
    return (
      this.sidecars.find(
        (s) =>
          s.namespace === src.namespace &&
          s.selector &&
          matchesLabelSelector({ matchLabels: s.selector }, src.labels),
      ) ??
      this.sidecars.find((s) => s.namespace === src.namespace && !s.selector) ??
      this.sidecars.find((s) => s.namespace === this.rootNamespace && !s.selector)
    );
  }

  /**
   * The service hosts (`name.namespace.svc.<domain>`) that reach a workload on this pod port, each with the
   * Service port the app connects to (a peer's Service is taken to expose its pod ports as they are).
   */
  hostsOf(dst: Workload, port: number, protocol: Protocol): Array<{ host: string; servicePort: number }> {
    if (dst.service !== undefined)
      return [{ host: this.fqdn(dst.service, dst.namespace), servicePort: port }];
    return this.services.flatMap((svc) => {
      if (svc.namespace !== dst.namespace || svc.selector === undefined) return [];
      if (!matchesLabelSelector({ matchLabels: svc.selector }, dst.labels)) return [];
      return svc.ports
        .filter((p) => {
          const target = p.targetPort ?? p.port;
          const resolved =
            typeof target === 'string' && !/^\d+$/.test(target)
              ? dst.ports.find((cp) => cp.name === target && cp.protocol === protocol)?.port
              : Number(target);
          return resolved === port;
        })
        .map((p) => ({ host: this.fqdn(svc.name, svc.namespace), servicePort: p.port }));
    });
  }

  private fqdn(name: string, namespace: string): string {
    return `${name}.${namespace}.svc.${this.clusterDomain}`;
  }

  /**
   * What the source's sidecar does with an outbound connection from the app to `dst` on a pod port; undefined
   * when no Sidecar resource applies or the connection is not captured (UDP, SCTP).
   */
  verdict(src: Workload, dst: Workload, port: number, protocol: Protocol): EgressVerdict | undefined {
    if (protocol !== 'TCP') return undefined;
    const sidecar = this.sidecarFor(src);
    if (!sidecar) return undefined;
    const hosts = this.hostsOf(dst, port, protocol);
    if (sidecar.egress === undefined)
      return { allowed: true, reason: `Sidecar ${sidecar.id} has no egress list: every service is imported` };
    for (const listener of sidecar.egress) {
      for (const { host, servicePort } of hosts) {
        // A listener bound to a port serves connections to that Service port only.
        if (listener.port !== undefined && listener.port !== servicePort) continue;
        const dstNamespace = host.split('.')[1];
        const entry = listener.hosts.find(
          (h) =>
            h.namespace !== '~' &&
            (h.namespace === '*' ||
              (h.namespace === '.' ? sidecar.namespace : h.namespace) === dstNamespace) &&
            istioStringMatch(h.dnsName, host),
        );
        if (entry)
          return {
            allowed: true,
            reason: `${host} is imported by Sidecar ${sidecar.id} (${entry.namespace}/${entry.dnsName})`,
          };
      }
    }
    const names = [...new Set(hosts.map((h) => h.host))];
    const what =
      names.length > 0 ? `imports none of ${names.join(', ')}` : `knows no Service of ${dst.id} on ${port}`;
    if (sidecar.mode === 'REGISTRY_ONLY')
      return {
        allowed: false,
        reason: `Sidecar ${sidecar.id} ${what} and is REGISTRY_ONLY: TCP ${port} goes to the BlackHole cluster`,
      };
    return {
      allowed: true,
      passthrough: true,
      reason: `Sidecar ${sidecar.id} ${what}: ALLOW_ANY passes TCP ${port} through without mTLS`,
    };
  }
}

function readService(obj: ManifestObject, defaultNamespace: string): ServiceInfo {
  const spec = (obj.spec ?? {}) as { selector?: Labels; ports?: ServicePort[] };
  return {
    name: obj.metadata.name ?? '',
    namespace: namespaceOf(obj, defaultNamespace),
    selector: spec.selector,
    ports: Array.isArray(spec.ports) ? spec.ports : [],
  };
}

function readSidecar(obj: ManifestObject, defaultNamespace: string, findings: FindingLog): SidecarConfig {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const unmodelled = (field: string, message: string) =>
    findings.add({ severity: 'unmodelled', object: describeObject(obj), field, message, source: obj.source });
  const selector = (spec.workloadSelector as { labels?: Labels } | undefined)?.labels;
  const policy = (spec.outboundTrafficPolicy ?? {}) as { mode?: unknown; egressProxy?: unknown };
  const mode = policy.mode ?? MESH_DEFAULT_OUTBOUND_MODE;
  if (mode !== 'REGISTRY_ONLY' && mode !== 'ALLOW_ANY')
    bad(obj, 'spec.outboundTrafficPolicy.mode', `must be REGISTRY_ONLY or ALLOW_ANY (got ${String(mode)})`);
  if (policy.egressProxy !== undefined)
    unmodelled(
      'spec.outboundTrafficPolicy.egressProxy',
      'an egress proxy for unknown destinations is not analyzed',
    );
  if (spec.ingress !== undefined)
    unmodelled(
      'spec.ingress',
      'Sidecar ingress listeners are not analyzed (inbound is read from the policies)',
    );
  let egress: EgressListener[] | undefined;
  if (spec.egress !== undefined) {
    if (!Array.isArray(spec.egress)) bad(obj, 'spec.egress', 'must be a list');
    egress = (spec.egress as Array<Record<string, unknown>>).map((listener, i) => {
      const field = `spec.egress[${i}]`;
      const hosts = listener?.hosts;
      if (!Array.isArray(hosts) || hosts.length === 0) bad(obj, `${field}.hosts`, 'must be a non-empty list');
      for (const key of ['bind', 'captureMode'])
        if (listener[key] !== undefined)
          unmodelled(`${field}.${key}`, `egress listener ${key} is not analyzed`);
      const portSpec = listener.port as { number?: unknown } | undefined;
      return {
        port: portSpec === undefined ? undefined : checkPort(obj, `${field}.port.number`, portSpec.number),
        hosts: (hosts as unknown[]).map((host, j) => {
          const text = String(host);
          const slash = text.indexOf('/');
          if (slash <= 0 || slash === text.length - 1)
            bad(obj, `${field}.hosts[${j}]`, `must be namespace/dnsName (got ${JSON.stringify(host)})`);
          return { namespace: text.slice(0, slash), dnsName: text.slice(slash + 1) };
        }),
      };
    });
  }
  return {
    id: describeObject(obj).replace(/^Sidecar /, ''),
    namespace: namespaceOf(obj, defaultNamespace),
    selector,
    egress,
    mode: mode as SidecarConfig['mode'],
  };
}
