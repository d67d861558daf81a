import { Counter, Gauge, type Registry } from 'prom-client';
import type { Forwarder, ForwarderMetrics } from './create-forwarder';

/** Names of the proxy's own series (documented in apps/frontend/README.md). */
export const PROXY_METRICS = {
  aborted: 'frontend_proxy_upstream_aborted_total',
  rejected: 'frontend_proxy_queue_full_total',
  queued: 'frontend_proxy_upstream_queued_requests',
  active: 'frontend_proxy_upstream_active_requests',
} as const;

/**
 * Registers the proxy's series in `registry`: requests abandoned by their client (`stage="in_flight"`: an upstream
 * request was cancelled; `stage="queued"`: it never left the wait queue), requests refused because the queue was
 * full, and, read at scrape time, the requests upstream and waiting. Returns what the forwarder calls.
 */
export function createProxyMetrics(registry: Registry, load: Forwarder['load']): ForwarderMetrics {
  const aborted = new Counter({
    name: PROXY_METRICS.aborted,
    help: 'Proxied requests whose client went away before the answer, by where they were (in_flight: the upstream request was cancelled)',
    labelNames: ['stage'],
    registers: [registry],
  });
  const rejected = new Counter({
    name: PROXY_METRICS.rejected,
    help: 'Proxied requests answered 503 at once because the wait queue for an upstream connection was full',
    registers: [registry],
  });
  new Gauge({
    name: PROXY_METRICS.queued,
    help: 'Proxied requests waiting for an upstream connection',
    registers: [registry],
    collect() {
      this.set(load().queued);
    },
  });
  new Gauge({
    name: PROXY_METRICS.active,
    help: 'Proxied requests sent upstream and not finished',
    registers: [registry],
    collect() {
      this.set(load().active);
    },
  });
  const inFlight = aborted.labels('in_flight');
  const queued = aborted.labels('queued');
  // Present from the start, so a rate() over them works before the first abort.
  inFlight.inc(0);
  queued.inc(0);
  rejected.inc(0);
  return {
    clientGone: (wasInFlight) => (wasInFlight ? inFlight : queued).inc(),
    queueFull: () => rejected.inc(),
  };
}
