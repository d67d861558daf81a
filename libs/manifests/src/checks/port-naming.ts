import { type CrossCheck, type Finding, findingOf } from './cross-check';
import { podTemplates } from './pod-templates';

/**
 * Every Service port has a name and an `appProtocol`, and every container port a name (DESIGN.md): Istio picks
 * the protocol from them (an unnamed port is treated as opaque TCP, so L7 policy and telemetry silently stop
 * applying), and policies and probes refer to pod ports by name.
 */
export const portNamingCheck: CrossCheck = {
  name: 'port-naming',
  description: 'every Service port has a name and appProtocol; every container port has a name',
  run(context) {
    const findings: Finding[] = [];
    for (const service of context.objects.filter((object) => object.kind === 'Service')) {
      const ports = (
        service.spec as { ports?: { name?: string; port: number; appProtocol?: string }[] } | undefined
      )?.ports;
      for (const port of ports ?? []) {
        if (!port.name)
          findings.push(findingOf(this.name, context, service, `port ${port.port} has no name`));
        if (!port.appProtocol) {
          findings.push(
            findingOf(this.name, context, service, `port ${port.name ?? port.port} has no appProtocol`),
          );
        }
      }
    }
    for (const template of podTemplates(context.objects)) {
      for (const container of template.spec.containers) {
        for (const port of container.ports ?? []) {
          if (!port.name) {
            findings.push(
              findingOf(
                this.name,
                context,
                template.owner,
                `container ${container.name}: port ${port.containerPort} has no name`,
              ),
            );
          }
        }
      }
    }
    return findings;
  },
};
