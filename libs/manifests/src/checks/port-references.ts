import type { IContainer, IProbe } from 'kubernetes-models/v1';
import { matchesLabelSelector } from '@ztmesh/policy';
import { type CrossCheck, type Finding, findingOf } from './cross-check';
import { findContainerPort, podTemplates } from './pod-templates';

/** The probes of a container by field name, in the order kubelet runs them. */
export const PROBE_FIELDS = ['startupProbe', 'readinessProbe', 'livenessProbe'] as const;

/** The port a probe connects to (httpGet, tcpSocket or grpc), if any. */
export function probePort(probe: IProbe): string | number | undefined {
  return probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
}

/**
 * Every Service targetPort names or numbers a container port of the pods it selects; every probe port and
 * the `prometheus.io/port` annotation name or number a port of their own container.
 */
export const portReferencesCheck: CrossCheck = {
  name: 'port-references',
  description: 'every Service targetPort, probe port and prometheus.io/port is a container port',
  run(context) {
    const findings: Finding[] = [];
    const templates = podTemplates(context.objects);
    for (const service of context.objects.filter((object) => object.kind === 'Service')) {
      const spec = service.spec as
        | {
            selector?: Record<string, string>;
            ports?: { name?: string; port: number; targetPort?: string | number }[];
          }
        | undefined;
      if (!spec?.selector || Object.keys(spec.selector).length === 0) continue;
      const selected = templates.filter(
        (template) =>
          template.namespace === (service.metadata.namespace ?? 'default') &&
          matchesLabelSelector({ matchLabels: spec.selector }, template.labels),
      );
      if (selected.length === 0) continue; // service-selectors reports it
      for (const port of spec.ports ?? []) {
        const target = port.targetPort ?? port.port;
        const missing = selected.filter(
          (template) => !template.spec.containers.some((container) => findContainerPort(container, target)),
        );
        for (const template of missing) {
          findings.push(
            findingOf(
              this.name,
              context,
              service,
              `port ${port.name ?? port.port} targets ${JSON.stringify(target)}, not a container port of ${template.owner.kind} ${template.owner.metadata.name}`,
            ),
          );
        }
      }
    }
    for (const template of templates) {
      for (const container of template.spec.containers) {
        for (const message of probePortFindings(container)) {
          findings.push(findingOf(this.name, context, template.owner, message));
        }
      }
      const scrapePort = template.annotations['prometheus.io/port'];
      if (
        template.annotations['prometheus.io/scrape'] === 'true' &&
        scrapePort !== undefined &&
        !template.spec.containers.some((container) => findContainerPort(container, Number(scrapePort)))
      ) {
        findings.push(
          findingOf(
            this.name,
            context,
            template.owner,
            `prometheus.io/port ${scrapePort} is not a container port`,
          ),
        );
      }
    }
    return findings;
  },
};

function probePortFindings(container: IContainer): string[] {
  return PROBE_FIELDS.flatMap((field) => {
    const probe = container[field];
    const port = probe ? probePort(probe) : undefined;
    if (port === undefined || findContainerPort(container, port)) return [];
    return [
      `container ${container.name}: ${field} port ${JSON.stringify(port)} is not a port of the container`,
    ];
  });
}
