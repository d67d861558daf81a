import { ServiceConfigProperties } from '@ztmesh/service-kit';
import type { IContainer } from 'kubernetes-models/v1';
import { type CrossCheck, type Finding, findingOf } from './cross-check';
import { renderedServiceAccounts } from './object-queries';
import { envValue, podTemplates } from './pod-templates';
import { PROBE_FIELDS } from './port-references';

/** A number-valued env variable of `container`, or the apps' shared default from service-kit's config schema. */
export function serviceEnvNumber(
  container: IContainer,
  name: 'SHUTDOWN_DELAY_MS' | 'SHUTDOWN_DRAIN_TIMEOUT_MS' | 'KEEP_ALIVE_TIMEOUT_MS' | 'METRICS_PORT',
): number {
  const value = envValue(container, name);
  return value === undefined ? ServiceConfigProperties[name].default : Number(value);
}

/**
 * What DESIGN.md asks of every app container: requests and limits for cpu and memory (requests not above limits,
 * which admission rejects), the three probes and no mounted API token (the grace period: shutdown-budget.ts).
 */
export const workloadHygieneCheck: CrossCheck = {
  name: 'workload-hygiene',
  description: 'requests within limits, startup/readiness/liveness probes, no API token',
  run(context) {
    const accounts = renderedServiceAccounts(context);
    return podTemplates(context.objects).flatMap((template) => {
      const findings: Finding[] = [];
      const add = (message: string) => findings.push(findingOf(this.name, context, template.owner, message));
      const account = `${template.namespace}/${template.spec.serviceAccountName ?? 'default'}`;
      if (
        (template.spec.automountServiceAccountToken ??
          (accounts.get(account) as { automountServiceAccountToken?: boolean } | undefined)
            ?.automountServiceAccountToken) !== false
      ) {
        add('automountServiceAccountToken is not false: the pod would carry an API token it never uses');
      }
      for (const container of template.spec.containers) {
        for (const kind of ['requests', 'limits'] as const) {
          for (const resource of ['cpu', 'memory']) {
            if (container.resources?.[kind]?.[resource] === undefined) {
              add(`container ${container.name}: no ${resource} ${kind}`);
            }
          }
        }
        for (const resource of ['cpu', 'memory']) {
          const request = quantity(container.resources?.requests?.[resource]);
          const limit = quantity(container.resources?.limits?.[resource]);
          if (request !== undefined && limit !== undefined && request > limit) {
            add(
              `container ${container.name}: ${resource} request ${String(container.resources?.requests?.[resource])} is above its limit ${String(container.resources?.limits?.[resource])} (the API server rejects the pod)`,
            );
          }
        }
        for (const field of PROBE_FIELDS) {
          if (!container[field]) add(`container ${container.name}: no ${field}`);
        }
      }
      return findings;
    });
  },
};

const QUANTITY_SUFFIXES: Readonly<Record<string, number>> = {
  m: 1e-3,
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A Kubernetes resource quantity (`500m`, `64Mi`, `1.5`, `2e3`) as a number; undefined when unreadable. */
export function quantity(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const match = /^([0-9.]+(?:e[0-9]+)?)(m|k|K|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * QUANTITY_SUFFIXES[match[2] ?? ''];
}
