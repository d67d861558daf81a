import { summarize } from '../record/create-recorder';
import { CLASS, OUTCOME, RESPONSE_CLASSES, type ResponseClass } from '../record/response-class';
import { createLoadRun } from '../run/create-load-run';

/** Options for runProbe. */
export interface ProbeOptions {
  readonly url: URL;
  readonly timeoutMs: number;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Statuses that mean "denied by policy"; default [403] (Istio's AuthorizationPolicy answer). */
  readonly blockedStatuses?: readonly number[];
}

/**
 * What one probe found. `allowed` is true when an HTTP answer came back that is not a denial (even a 404 proves
 * the connection went through). `outcome`: allowed; blocked (refused, reset, timed out, a blocked status, or an
 * Envoy sidecar's connect-failure reply); inconclusive (anything else, e.g. a DNS failure).
 */
export interface ProbeResult {
  readonly url: string;
  readonly allowed: boolean;
  readonly outcome: 'allowed' | 'blocked' | 'inconclusive';
  readonly class: ResponseClass;
  readonly status: number | null;
  readonly durationMs: number;
  readonly error?: string;
}

/**
 * One request on one fresh connection (no retry), bounded by `timeoutMs`. It is a one-request run of the same
 * engine as load runs, as an unauthorized scenario, so a probe and the load generator judge "blocked" alike.
 */
export async function runProbe(options: ProbeOptions): Promise<ProbeResult> {
  const { url } = options;
  const run = createLoadRun({
    scenarios: [
      {
        name: 'probe',
        origin: url.origin,
        path: url.pathname + url.search,
        method: options.method ?? 'GET',
        weight: 1,
        headers: options.headers ?? {},
        unauthorized: true,
        blockedStatuses: options.blockedStatuses ?? [403],
      },
    ],
    ratePerSecond: 1,
    requests: 1,
    connections: 1,
    maxInFlight: 1,
    timeoutMs: options.timeoutMs,
  });
  await run.run();
  const tally = run.recorder.scenarios[0];
  const klass = tally ? tally.classes.findIndex((count) => count > 0) : CLASS.error;
  const statusIndex = tally ? tally.statuses.findIndex((count) => count > 0) : -1;
  const status = statusIndex > 0 ? statusIndex : null;
  const blocked = (tally?.outcomes[OUTCOME.blocked] ?? 0) > 0;
  // Any HTTP answer that is not a denial proves the connection was allowed, whatever its status.
  const outcome = blocked ? 'blocked' : status !== null ? 'allowed' : 'inconclusive';
  const error =
    klass === CLASS.timeout
      ? `no answer within ${options.timeoutMs} ms`
      : klass === CLASS.refused
        ? 'connection refused'
        : klass === CLASS.reset
          ? 'connection reset'
          : run.recorder.errorSamples[0]?.replace(/^probe: /, '');
  return {
    url: url.href,
    allowed: outcome === 'allowed',
    outcome,
    class: RESPONSE_CLASSES[klass < 0 ? CLASS.error : klass] as ResponseClass,
    status,
    durationMs: summarize(run.recorder.latency).max,
    ...(status === null && error ? { error } : {}),
  };
}
