import type { IContainer } from 'kubernetes-models/v1';
import { findContainerPort, type PodTemplate } from '../checks/pod-templates';
import { PROBE_FIELDS } from '../checks/port-references';

/** One GET to make against a container: why (`use`), where, and which object the answer speaks for. */
export interface RouteRequest {
  readonly use: string;
  readonly path: string;
  /** The port as the manifest names it (`http`, 9464). */
  readonly port: string | number;
  /** The object a finding about this request names (default: the pod's workload). */
  readonly owner?: string;
}

/** Derives the requests to make against one container of a pod template. */
export type RouteRequestProvider = (template: PodTemplate, container: IContainer) => RouteRequest[];

/** The container's HTTP probes and, on the container that has the annotated port, the Prometheus scrape path. */
export const probeRequests: RouteRequestProvider = (template, container) => {
  const requests: RouteRequest[] = [];
  for (const field of PROBE_FIELDS) {
    const httpGet = container[field]?.httpGet;
    if (httpGet) requests.push({ use: field, path: httpGet.path ?? '/', port: httpGet.port });
  }
  const scrapePort = Number(template.annotations['prometheus.io/port']);
  if (template.annotations['prometheus.io/scrape'] === 'true' && findContainerPort(container, scrapePort)) {
    requests.push({
      use: 'prometheus.io/path',
      path: template.annotations['prometheus.io/path'] ?? '/metrics',
      port: scrapePort,
    });
  }
  return requests;
};
