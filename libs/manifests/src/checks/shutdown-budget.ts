import { LOG_FLUSH_LIMIT_MS } from '@ztmesh/service-kit';
import { parse } from 'yaml';
import type { RenderedObject } from '../rendered-object';
import { type CrossCheck, type Finding, findingOf } from './cross-check';
import { durationMs } from './idle-timeout';
import { podTemplates, type PodTemplate } from './pod-templates';
import { serviceEnvNumber } from './workload-hygiene';

/** Istio's default `terminationDrainDuration` (ProxyConfig), when the pod's proxy config sets none. */
export const ISTIO_DEFAULT_TERMINATION_DRAIN_MS = 5_000;

/** Room left in the grace period for the kubelet stopping containers and the proxy's own exit. */
export const SHUTDOWN_MARGIN_MS = 5_000;

/** What one pod's shutdown takes, from its manifests. */
export interface ShutdownBudget {
  /** terminationGracePeriodSeconds, in ms (30 s when unset). */
  readonly graceMs: number;
  /** The longest app container's SHUTDOWN_DELAY_MS + SHUTDOWN_DRAIN_TIMEOUT_MS: how long it may still serve. */
  readonly appDrainMs: number;
  /** appDrainMs plus the last log flush: when the app container has exited at the latest. */
  readonly appExitMs: number;
  /** The sidecar's terminationDrainDuration; undefined when the pod gets no sidecar. */
  readonly proxyDrainMs?: number;
}

/**
 * The shutdown arithmetic of a pod template. The pod gets a sidecar when its namespace (in `objects`) is labelled
 * for injection and the template does not opt out; the proxy's drain is `terminationDrainDuration` in the
 * `proxy.istio.io/config` annotation (Istio's 5 s default when unset).
 */
export function shutdownBudget(template: PodTemplate, objects: readonly RenderedObject[]): ShutdownBudget {
  const appDrainMs = Math.max(
    0,
    ...template.spec.containers.map(
      (container) =>
        serviceEnvNumber(container, 'SHUTDOWN_DELAY_MS') +
        serviceEnvNumber(container, 'SHUTDOWN_DRAIN_TIMEOUT_MS'),
    ),
  );
  return {
    graceMs: (template.spec.terminationGracePeriodSeconds ?? 30) * 1000,
    appDrainMs,
    appExitMs: appDrainMs + LOG_FLUSH_LIMIT_MS,
    proxyDrainMs: injectsSidecar(template, objects) ? proxyDrainMs(template) : undefined,
  };
}

function injectsSidecar(template: PodTemplate, objects: readonly RenderedObject[]): boolean {
  const setting =
    template.labels['sidecar.istio.io/inject'] ?? template.annotations['sidecar.istio.io/inject'];
  if (setting !== undefined) return setting === 'true';
  const namespace = objects.find(
    (object) => object.kind === 'Namespace' && object.metadata.name === template.namespace,
  );
  const labels = namespace?.metadata.labels ?? {};
  return labels['istio-injection'] === 'enabled' || labels['istio.io/rev'] !== undefined;
}

function proxyDrainMs(template: PodTemplate): number {
  const text = template.annotations['proxy.istio.io/config'];
  const config = (text === undefined ? undefined : parse(text)) as
    { terminationDrainDuration?: unknown } | undefined;
  const value = config?.terminationDrainDuration;
  return (typeof value === 'string' ? durationMs(value) : undefined) ?? ISTIO_DEFAULT_TERMINATION_DRAIN_MS;
}

/**
 * The pod's shutdown fits its grace period whichever way the sidecar runs (docs/adr/0003-*). Without a sidecar:
 * app exit + margin <= grace. With a classic sidecar (a container stopped together with the app) the proxy must
 * outlive the app's drain: proxy drain >= app drain. With a native sidecar (Istio 1.30 on Kubernetes >= 1.33: a
 * restartable init container, stopped only after the app has exited) the two run one after the other:
 * app exit + proxy drain + margin <= grace. Past the grace period the kubelet sends SIGKILL.
 */
export const shutdownBudgetCheck: CrossCheck = {
  name: 'shutdown-budget',
  description:
    'app drain, sidecar drain (classic or native) and a margin fit in terminationGracePeriodSeconds',
  run(context) {
    const findings: Finding[] = [];
    for (const template of podTemplates(context.objects)) {
      const budget = shutdownBudget(template, context.objects);
      const add = (message: string) => findings.push(findingOf(this.name, context, template.owner, message));
      const grace = `terminationGracePeriodSeconds ${budget.graceMs / 1000}`;
      const app = `app exit ${budget.appExitMs} ms (SHUTDOWN_DELAY_MS + SHUTDOWN_DRAIN_TIMEOUT_MS + log flush)`;
      if (budget.proxyDrainMs === undefined) {
        if (budget.appExitMs + SHUTDOWN_MARGIN_MS > budget.graceMs)
          add(`${app} + margin ${SHUTDOWN_MARGIN_MS} ms is above ${grace}: SIGKILL mid-drain`);
        continue;
      }
      const proxy = `terminationDrainDuration ${budget.proxyDrainMs} ms`;
      if (budget.proxyDrainMs < budget.appDrainMs)
        add(
          `${proxy} is shorter than the app's drain (${budget.appDrainMs} ms): a classic sidecar leaves while requests are in flight`,
        );
      if (budget.appExitMs + budget.proxyDrainMs + SHUTDOWN_MARGIN_MS > budget.graceMs)
        add(
          `${app} + ${proxy} + margin ${SHUTDOWN_MARGIN_MS} ms is above ${grace}: a native sidecar drains only after the app exits, so the kubelet sends SIGKILL`,
        );
    }
    return findings;
  },
};
