import type { IncomingMessage } from 'node:http';

/**
 * Why Node's parser let through a request that no ztmesh service should act on, or undefined for a sound one
 * (docs/adr/0050-server-timeouts-and-connection-cap.md). Checked in the onRequest hook, so the answer is the JSON
 * 400 of every other error:
 * - a target that is not a path (absolute-form `http://host/p`, asterisk-form `*`): nothing here is a forward
 *   proxy and no route is server-wide; the sidecar in front always sends a path;
 * - an HTTP/1.1 request without `Host` (RFC 9112 3.2 makes it a 400; Node's own check sends a bare 400 with no
 *   body, so it is switched off in favour of this one);
 * - a `Transfer-Encoding` whose last coding is not `chunked` (`xchunked`, `gzip`): the body's length cannot be
 *   known, which RFC 9112 6.3 makes a 400 followed by closing the connection.
 * Costs two character tests on a sound request.
 */
export function malformedRequestMessage(raw: IncomingMessage): string | undefined {
  const url = raw.url ?? '';
  if (url.charCodeAt(0) !== 47 /* '/' */) return 'The request target must be a path starting with "/"';
  const headers = raw.headers;
  if (headers.host === undefined && raw.httpVersionMajor === 1 && raw.httpVersionMinor >= 1) {
    return 'The request has no Host header';
  }
  const transferEncoding = headers['transfer-encoding'];
  if (transferEncoding !== undefined && !endsWithChunked(transferEncoding)) {
    return 'Transfer-Encoding must end with "chunked"';
  }
  return undefined;
}

function endsWithChunked(value: string): boolean {
  const last = value
    .slice(value.lastIndexOf(',') + 1)
    .trim()
    .toLowerCase();
  return last === 'chunked';
}
