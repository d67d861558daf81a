import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS } from '@ztmesh/service-kit';
import type { ResultObserver } from '../run/create-request-engine';
import { OUTCOMES, RESPONSE_CLASSES } from '../record/response-class';
import type { LoadRun } from '../run/create-load-run';
import type { Scenario } from '../scenarios/scenario';

/** Options for createLoadMetrics. */
export interface LoadMetricsOptions {
  readonly registry: Registry;
  readonly scenarios: readonly Scenario[];
  readonly targetRate: number;
  /** Read at scrape time for the in-flight gauge and the dropped counter. */
  readonly run: () => LoadRun | undefined;
}

/**
 * The load generator's client-side metrics: `loadtest_request_duration_seconds{scenario,outcome}` (from each
 * request's scheduled start), `loadtest_requests_total{scenario,outcome,class}`, the shortfall
 * `loadtest_dropped_requests_total`, `loadtest_in_flight_requests` and `loadtest_target_rate_per_second`.
 * Labels are bounded: scenario names come from configuration, outcomes and classes are fixed sets.
 */
export function createLoadMetrics(options: LoadMetricsOptions): ResultObserver {
  const { registry, scenarios } = options;
  const duration = new Histogram({
    name: 'loadtest_request_duration_seconds',
    help: 'Client-side request latency from the scheduled start, by scenario and outcome',
    labelNames: ['scenario', 'outcome'] as const,
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  const requests = new Counter({
    name: 'loadtest_requests_total',
    help: 'Requests finished, by scenario, outcome (ok, failed, blocked, leaked, inconclusive) and class',
    labelNames: ['scenario', 'outcome', 'class'] as const,
    registers: [registry],
  });
  new Counter({
    name: 'loadtest_dropped_requests_total',
    help: 'Requests not sent because the in-flight bound was reached (the open model shortfall)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(options.run()?.stats.dropped ?? 0);
    },
  });
  new Gauge({
    name: 'loadtest_in_flight_requests',
    help: 'Requests sent and not yet finished',
    registers: [registry],
    collect() {
      this.set(options.run()?.inFlight ?? 0);
    },
  });
  new Gauge({
    name: 'loadtest_target_rate_per_second',
    help: 'Configured request rate',
    registers: [registry],
  }).set(options.targetRate);

  // Children are cached per label set so an observation costs no label hashing.
  const durationChildren = scenarios.map((scenario) =>
    OUTCOMES.map((outcome) => duration.labels(scenario.name, outcome)),
  );
  const requestChildren = scenarios.map((scenario) =>
    OUTCOMES.map((outcome) =>
      RESPONSE_CLASSES.map((klass) => requests.labels(scenario.name, outcome, klass)),
    ),
  );
  // Each scenario's main series exists from the first scrape (ok for the mix; leaked, at 0, for an unauthorized
  // scenario), so dashboards and `increase(...{outcome="leaked"})` alerts have a series before the first event.
  scenarios.forEach((scenario, index) =>
    requestChildren[index]?.[scenario.unauthorized ? 3 : 0]?.[0]?.inc(0),
  );

  return (scenario, klass, outcome, latencyMs) => {
    durationChildren[scenario]?.[outcome]?.observe(latencyMs / 1000);
    requestChildren[scenario]?.[outcome]?.[klass]?.inc();
  };
}
