import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** An answer with the time it took from the call. */
export interface TimedAnswer {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly elapsedMs: number;
}

/**
 * One GET to 127.0.0.1:`port` over a fresh connection. With `dropAfterMs`, the client destroys its socket after
 * that long and the promise resolves null (if no answer came first).
 */
export function timedGet(
  port: number,
  path: string,
  drop?: number | Promise<unknown>,
): Promise<TimedAnswer | null> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () =>
        resolve({
          statusCode: res.statusCode ?? 0,
          headers: res.headers,
          body,
          elapsedMs: performance.now() - started,
        }),
      );
    });
    req.on('error', (error) => (drop === undefined ? reject(error) : resolve(null)));
    // Dropped by the client after `drop` ms, or when the `drop` promise settles.
    if (typeof drop === 'number') setTimeout(() => req.destroy(), drop);
    else if (drop !== undefined) void drop.finally(() => req.destroy());
    req.end();
  });
}

/** The value of one series (`name{labels}`) in a Prometheus text exposition; NaN when absent. */
export function seriesValue(text: string, series: string): number {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}
