import { connect, type Socket } from 'node:net';
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseResponse, rawExchange, startBundle, type RunningBundle } from '@ztmesh/test-support';
import { startTestUpstream, type TestUpstream } from './support/test-upstream';

// The server's own limits (libs/service-kit, docs/adr/0050-server-timeouts-and-connection-cap.md), set small
// through the config so the test is short: real sockets that trickle their headers or send nothing are closed
// within the bound while ordinary traffic keeps flowing, and the connection cap holds.
const HEADERS_TIMEOUT_MS = 1_000;
let upstream: TestUpstream;
let proxy: RunningBundle;
let capped: RunningBundle;

beforeAll(async () => {
  upstream = await startTestUpstream();
  [proxy, capped] = await Promise.all([
    startBundle('frontend', {
      env: {
        BACKEND_URL: upstream.url,
        REQUEST_LOGGING: 'false',
        HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        REQUEST_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      },
    }),
    startBundle('frontend', {
      env: { BACKEND_URL: upstream.url, REQUEST_LOGGING: 'false', MAX_CONNECTIONS: '8' },
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([proxy?.stop(), capped?.stop()]);
  await upstream?.close();
});

interface Watched {
  readonly closed: Promise<{ afterMs: number; received: string }>;
  readonly socket: Socket;
}

/** A connection that sends a request line and then one header line every 200 ms, forever (or nothing at all). */
function slowClient(port: number, trickle: boolean): Watched {
  const started = performance.now();
  const socket = connect(port, '127.0.0.1');
  let received = '';
  let timer: NodeJS.Timeout | undefined;
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  if (trickle) {
    socket.on('connect', () => {
      socket.write('GET /api/backend/health HTTP/1.1\r\nHost: x\r\n');
      let n = 0;
      timer = setInterval(() => socket.write(`X-Slow-${n++}: y\r\n`), 200);
    });
  }
  const closed = new Promise<{ afterMs: number; received: string }>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ afterMs: performance.now() - started, received });
    }),
  );
  return { closed, socket };
}

function getOn(agent: Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('frontend bundle: slow and silent clients', () => {
  it('closes trickling and silent sockets with a JSON 408 within the bound while normal traffic flows', async () => {
    const slow = [
      ...Array.from({ length: 10 }, () => slowClient(proxy.port, true)),
      ...Array.from({ length: 10 }, () => slowClient(proxy.port, false)),
    ];
    // Ordinary calls every 50 ms on a keep-alive agent for as long as the slow ones are held.
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    const statuses: number[] = [];
    let allClosed = false;
    const closedAll = Promise.all(slow.map((client) => client.closed)).then((results) => {
      allClosed = true;
      return results;
    });
    while (!allClosed) {
      statuses.push(await getOn(agent, proxy.port, '/api/backend/health'));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    agent.destroy();
    const results = await closedAll;
    for (const { afterMs, received } of results) {
      // The timeout plus Node's checking interval (half of it) plus slack for a loaded machine.
      expect(afterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
      expect(afterMs).toBeLessThan(HEADERS_TIMEOUT_MS * 1.5 + 1_000);
      const response = parseResponse(received);
      expect(response.statusCode).toBe(408);
      expect(JSON.parse(response.body)).toMatchObject({ statusCode: 408, error: 'Request Timeout' });
    }
    expect(statuses.length).toBeGreaterThan(5);
    expect(statuses.every((status) => status === 200)).toBe(true);
  }, 15_000);

  it('leaves an idle keep-alive socket between requests to the keep-alive timeout, not the headers timeout', async () => {
    const socket = connect(proxy.port, '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    await new Promise((resolve) => socket.once('connect', resolve));
    const request = 'GET /api/backend/health HTTP/1.1\r\nHost: x\r\n\r\n';
    socket.write(request);
    await expect.poll(() => received.includes('\r\n\r\n')).toBe(true);
    // Idle for more than twice the headers timeout, then a second request on the same socket.
    await new Promise((resolve) => setTimeout(resolve, HEADERS_TIMEOUT_MS * 2.5));
    expect(socket.destroyed).toBe(false);
    received = '';
    socket.write(request);
    await expect.poll(() => parseResponse(received).statusCode).toBe(200);
    socket.destroy();
  }, 10_000);

  it('closes connections beyond MAX_CONNECTIONS at once and serves again when they are gone', async () => {
    const held = Array.from({ length: 8 }, () => slowClient(capped.port, false));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const beyond = await rawExchange(capped.port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', 3_000);
    expect(beyond.statusCode).toBe(0);
    expect(beyond.closedAfterMs).not.toBeNull();
    expect(beyond.closedAfterMs).toBeLessThan(1_000);
    for (const client of held) client.socket.destroy();
    await Promise.all(held.map((client) => client.closed));
    await expect
      .poll(
        async () => (await rawExchange(capped.port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n')).statusCode,
      )
      .toBe(200);
  }, 10_000);
});
