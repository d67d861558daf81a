/** One process Prometheus scrapes locally, labelled as the cluster's scrape job labels a pod. */
export interface ScrapeTarget {
  /** The pod's `app` label in the cluster: backend, frontend or loadtest. */
  readonly app: string;
  /** Stands in for the pod name (`pod` label). */
  readonly pod: string;
  /** host:port of its /metrics. */
  readonly address: string;
}

/** Options of {@link createPrometheusArgs}. */
export interface PrometheusArgsOptions {
  /** The configuration file (from {@link createPrometheusConfig}). */
  readonly configFile: string;
  /** A directory for the TSDB; the caller removes it. */
  readonly dataDir: string;
  /** host:port to listen on, e.g. 127.0.0.1:9090. */
  readonly listenAddress: string;
}

/**
 * A Prometheus configuration scraping `targets` every `scrapeSeconds` (1 by default), giving each series the `app`
 * and `pod` labels the cluster's pod scrape job derives from the pod.
 */
export function createPrometheusConfig(targets: readonly ScrapeTarget[], scrapeSeconds?: number): string;

/** The command-line arguments of a loopback Prometheus reading `configFile` and keeping its data in `dataDir`. */
export function createPrometheusArgs(options: PrometheusArgsOptions): string[];
