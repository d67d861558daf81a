// Plain JavaScript (with prometheus-config.d.mts beside it) so that scripts/start.mjs, which runs on bare Node
// without a build, reads the same scrape configuration as the tests: one source for it.
import { stringify } from 'yaml';

/**
 * A Prometheus configuration scraping `targets` every `scrapeSeconds`, giving each series the `app` and `pod`
 * labels the cluster's pod scrape job derives from the pod (so the dashboard's queries read the same labels).
 * @param {readonly import('./prometheus-config.mjs').ScrapeTarget[]} targets
 * @param {number} [scrapeSeconds]
 * @returns {string}
 */
export function createPrometheusConfig(targets, scrapeSeconds = 1) {
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

/**
 * The command-line arguments of a loopback Prometheus reading `configFile`, keeping its data in `dataDir` and
 * listening on `listenAddress` (host:port), logging warnings only.
 * @param {{ readonly configFile: string, readonly dataDir: string, readonly listenAddress: string }} options
 * @returns {string[]}
 */
export function createPrometheusArgs({ configFile, dataDir, listenAddress }) {
  return [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${dataDir}`,
    `--web.listen-address=${listenAddress}`,
    '--log.level=warn',
  ];
}
