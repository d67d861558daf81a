import { connect, type Socket } from 'node:net';

/** What came back on a raw connection: the first response, parsed, and when the server closed the socket. */
export interface RawExchange {
  /** 0 when nothing (or no status line) came back. */
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Everything received, as text. */
  readonly raw: string;
  /** Milliseconds from connecting to the server closing the connection; null if still open at `waitMs`. */
  readonly closedAfterMs: number | null;
}

/**
 * Writes `bytes` as they are (no client-side normalisation) on a fresh connection to 127.0.0.1:`port`, then
 * waits for the server to close it or `waitMs` to pass, and parses the first response.
 */
export function rawExchange(port: number, bytes: string, waitMs = 2_000): Promise<RawExchange> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    let settled = false;
    const finish = (closedAfterMs: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parseResponse(received), raw: received, closedAfterMs });
    };
    const timer = setTimeout(() => finish(null), waitMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => finish(performance.now() - started));
    socket.on('connect', () => socket.write(bytes, 'latin1'));
  });
}

/** Parses the first HTTP/1.1 response in `text` (Content-Length framed, as every answer of ours is). */
export function parseResponse(text: string): Pick<RawExchange, 'statusCode' | 'headers' | 'body'> {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return { statusCode: 0, headers: {}, body: '' };
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  return {
    statusCode: Number(statusLine.split(' ')[1] ?? 0),
    headers,
    body: text.slice(end + 4, end + 4 + length),
  };
}
