/** What the backend's routes read from the world, injected so tests can pin it. */
export interface RouteDeps {
  readonly hostname: () => string;
  readonly now: () => Date;
}

/**
 * `now()` as ISO 8601 UTC text, formatted once per millisecond: the text has millisecond resolution anyway, and
 * Date#toISOString was the largest cost of the route handlers in the bench/http profile.
 */
export function createIsoTimestamp(now: () => Date): () => string {
  let cachedAtMs = Number.NaN;
  let cached = '';
  return () => {
    const date = now();
    const ms = date.getTime();
    if (ms !== cachedAtMs) {
      cachedAtMs = ms;
      cached = date.toISOString();
    }
    return cached;
  };
}
