/** One kind of request in a run's weighted mix, resolved to an absolute URL. */
export interface Scenario {
  readonly name: string;
  /** `scheme://host:port` of the target; requests to one origin share a keep-alive pool. */
  readonly origin: string;
  /** Path and query string. */
  readonly path: string;
  readonly method: string;
  /** Relative share of requests (any positive number; 70/20/10 and 0.7/0.2/0.1 mean the same). */
  readonly weight: number;
  /** Sent with every request of this scenario (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Requests that zero-trust policy must refuse: counted as blocked or leaked instead of ok or failed. */
  readonly unauthorized: boolean;
  /** HTTP statuses that count as blocked for an unauthorized scenario; default [403]. */
  readonly blockedStatuses: readonly number[];
}

/** The URL a scenario requests. */
export function scenarioUrl(scenario: Scenario): string {
  return scenario.origin + scenario.path;
}
