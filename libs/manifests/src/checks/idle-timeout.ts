import type { IContainer } from 'kubernetes-models/v1';
import { matchesLabelSelector } from '@ztmesh/policy';
import { type CrossCheck, findingOf } from './cross-check';
import { namespaceOf, ofKind, serviceForHost, type ServiceSpec } from './object-queries';
import { podTemplates } from './pod-templates';
import { serviceEnvNumber } from './workload-hygiene';

/** `30s`, `1m`, `1.5h`, `500ms` (Istio durations) in milliseconds; undefined when unreadable. */
export function durationMs(text: string): number | undefined {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) return undefined;
  return parts.reduce((total, part) => total + Number(part[1]) * units[part[2]], 0);
}

/** Istio's default HTTP idle timeout for upstream connections (1 h), used when a DestinationRule sets none. */
export const ISTIO_DEFAULT_IDLE_TIMEOUT_MS = 3_600_000;

/**
 * The sidecar closes idle upstream connections before the app does: every DestinationRule's HTTP idleTimeout
 * (Istio's 1 h default when unset) is below the KEEP_ALIVE_TIMEOUT_MS of the pods behind its host, or the proxy
 * may reuse a socket the app has just closed (sporadic 503 UC).
 */
export const idleTimeoutCheck: CrossCheck = {
  name: 'idle-timeout',
  description:
    'every DestinationRule idleTimeout is below the KEEP_ALIVE_TIMEOUT_MS of the pods behind its host',
  run(context) {
    const services = ofKind(context, 'Service');
    const pods = podTemplates(context.objects);
    return ofKind(context, 'DestinationRule', 'networking.istio.io').flatMap((rule) => {
      const spec = (rule.spec ?? {}) as {
        host?: string;
        trafficPolicy?: { connectionPool?: { http?: { idleTimeout?: string } } };
      };
      const service = spec.host ? serviceForHost(spec.host, namespaceOf(rule), services) : undefined;
      const selector = (service?.spec as ServiceSpec | undefined)?.selector;
      if (!service || !selector) return []; // mesh-hosts reports unknown hosts
      const configured = spec.trafficPolicy?.connectionPool?.http?.idleTimeout;
      const idleMs = configured === undefined ? ISTIO_DEFAULT_IDLE_TIMEOUT_MS : durationMs(configured);
      if (idleMs === undefined)
        return [findingOf(this.name, context, rule, `idleTimeout ${configured} is not a duration`)];
      const behind = pods.filter(
        (pod) =>
          pod.namespace === namespaceOf(service) &&
          matchesLabelSelector({ matchLabels: selector }, pod.labels),
      );
      return behind.flatMap((pod) =>
        pod.spec.containers
          .filter((container: IContainer) => serviceEnvNumber(container, 'KEEP_ALIVE_TIMEOUT_MS') <= idleMs)
          .map((container) =>
            findingOf(
              this.name,
              context,
              rule,
              `idleTimeout ${configured ?? '(unset: Istio default 1h)'} is not below KEEP_ALIVE_TIMEOUT_MS ${serviceEnvNumber(container, 'KEEP_ALIVE_TIMEOUT_MS')} of ${pod.owner.metadata.name}/${container.name}`,
            ),
          ),
      );
    });
  },
};
