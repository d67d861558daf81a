/**
 * What happened to one request, as a bounded set of labels (they become Prometheus label values).
 * HTTP answers are classed by status family; failures by how the connection failed.
 */
export const RESPONSE_CLASSES = ['2xx', '3xx', '4xx', '5xx', 'timeout', 'refused', 'reset', 'error'] as const;

/** One of RESPONSE_CLASSES. */
export type ResponseClass = (typeof RESPONSE_CLASSES)[number];

/** Index of each class in RESPONSE_CLASSES (counters are typed arrays indexed by class). */
export const CLASS = {
  '2xx': 0,
  '3xx': 1,
  '4xx': 2,
  '5xx': 3,
  timeout: 4,
  refused: 5,
  reset: 6,
  error: 7,
} as const satisfies Record<ResponseClass, number>;

/**
 * How a request counts: `ok` and `failed` for ordinary scenarios; `blocked`, `leaked` and `inconclusive` for an
 * unauthorized scenario, whose requests must be refused by policy (see docs/adr/0012-unauthorized-outcomes.md).
 */
export const OUTCOMES = ['ok', 'failed', 'blocked', 'leaked', 'inconclusive'] as const;

/** One of OUTCOMES. */
export type Outcome = (typeof OUTCOMES)[number];

/** Index of each outcome in OUTCOMES. */
export const OUTCOME = { ok: 0, failed: 1, blocked: 2, leaked: 3, inconclusive: 4 } as const satisfies Record<
  Outcome,
  number
>;

/** The class of an HTTP status code (1xx never reaches here: undici handles informational responses). */
export function classOfStatus(status: number): number {
  return status < 300
    ? CLASS['2xx']
    : status < 400
      ? CLASS['3xx']
      : status < 500
        ? CLASS['4xx']
        : CLASS['5xx'];
}

const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'LOADTEST_TIMEOUT',
]);
const REFUSED_CODES = new Set(['ECONNREFUSED']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** The class of a failed request, from the error's code (or its cause's: undici wraps socket errors). */
export function classOfError(error: unknown): number {
  for (
    let current = error as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    current && depth < 3;
    depth++
  ) {
    const code = typeof current.code === 'string' ? current.code : '';
    if (TIMEOUT_CODES.has(code)) return CLASS.timeout;
    if (REFUSED_CODES.has(code)) return CLASS.refused;
    if (RESET_CODES.has(code)) return CLASS.reset;
    current = current.cause as typeof current;
  }
  return CLASS.error;
}

// What an Envoy sidecar answers when its own upstream connection was refused, dropped or reset: for a request
// from inside the mesh this is how an L3/L4 deny (NetworkPolicy) looks, so it counts as blocked.
const ENVOY_UPSTREAM_CONNECT_ERROR = /^upstream connect error or disconnect\/reset before headers/;

/**
 * Whether a 502/503 is an Envoy sidecar's own refusal rather than an application's answer: its reply for a
 * refused, dropped or reset upstream connection (an L3/L4 deny seen from inside the mesh), or the empty 502 of
 * its BlackHoleCluster (a destination outside a REGISTRY_ONLY Sidecar's egress). Applications answer 502 with a
 * body (ours with JSON), so an empty 502 is the proxy's.
 */
export function isEnvoyLocalDenial(status: number, body: string): boolean {
  if (status === 502 && body === '') return true;
  return (status === 503 || status === 502) && ENVOY_UPSTREAM_CONNECT_ERROR.test(body);
}

/**
 * The outcome of a request. Ordinary scenarios: 2xx and 3xx are ok, anything else failed. Unauthorized
 * scenarios: any 2xx leaked; refused, reset, timed out, a status in `blockedStatuses` (default 403) or an Envoy
 * local denial is blocked; anything else (a 404, a DNS failure, ...) proves neither and is inconclusive.
 */
export function outcomeOf(
  unauthorized: boolean,
  klass: number,
  status: number,
  blockedStatuses: readonly number[],
  envoyLocalDenial: boolean,
): number {
  if (!unauthorized) return klass <= CLASS['3xx'] ? OUTCOME.ok : OUTCOME.failed;
  if (klass === CLASS['2xx']) return OUTCOME.leaked;
  if (klass === CLASS.timeout || klass === CLASS.refused || klass === CLASS.reset) return OUTCOME.blocked;
  if (status !== 0 && (blockedStatuses.includes(status) || envoyLocalDenial)) return OUTCOME.blocked;
  return OUTCOME.inconclusive;
}
