import { stringify } from 'yaml';

/** One process Prometheus scrapes locally, labelled as the cluster's scrape job labels a pod. */
export interface ScrapeTarget {
  /** The pod's `app` label in the cluster: backend, frontend or loadtest. */
  readonly app: string;
  /** Stands in for the pod name (`pod` label). */
  readonly pod: string;
  /** host:port of its /metrics. */
  readonly address: string;
}

/**
 * A Prometheus configuration scraping `targets` every `scrapeSeconds`, giving each series the `app` and `pod`
 * labels the cluster's pod scrape job derives from the pod (so the dashboard's queries read the same labels).
 */
export function createPrometheusConfig(targets: readonly ScrapeTarget[], scrapeSeconds = 1): string {
  return stringify({
    global: { scrape_interval: `${scrapeSeconds}s`, evaluation_interval: `${scrapeSeconds}s` },
    scrape_configs: [
      {
        job_name: 'ztmesh',
        metrics_path: '/metrics',
        static_configs: targets.map((target) => ({
          targets: [target.address],
          labels: { app: target.app, pod: target.pod },
        })),
      },
    ],
  });
}
