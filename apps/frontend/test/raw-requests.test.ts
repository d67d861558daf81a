import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange, startBundle, type RawExchange, type RunningBundle } from '@ztmesh/test-support';
import { startTestUpstream, type TestUpstream } from './support/test-upstream';

// Requests no browser sends, written byte for byte on raw sockets to the built frontend (in front of a real
// upstream on loopback): each gets the project's JSON 400, reaches nothing upstream, and the server keeps serving.
let upstream: TestUpstream;
let proxy: RunningBundle;

beforeAll(async () => {
  upstream = await startTestUpstream();
  proxy = await startBundle('frontend', { env: { BACKEND_URL: upstream.url } });
});
afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});

function expectJson400(exchange: RawExchange) {
  expect(exchange.statusCode, exchange.raw).toBe(400);
  expect(exchange.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(exchange.body);
  expect(Object.keys(body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
  expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  expect(body.requestId).toBe(exchange.headers['x-request-id']);
  expect(exchange.headers['connection']).toBe('close');
  return body as { message: string };
}

describe('frontend bundle: requests over raw sockets', () => {
  it('sets its own x-forwarded-proto and -host when the client names them in Connection', async () => {
    upstream.received.length = 0;
    const exchange = await rawExchange(
      proxy.port,
      'GET /api/backend/api/data HTTP/1.1\r\nHost: ztmesh.test:8080\r\n' +
        'Connection: close, x-forwarded-proto, x-forwarded-host\r\n' +
        'X-Forwarded-Proto: https\r\nX-Forwarded-Host: forged.example\r\n\r\n',
    );
    expect(exchange.statusCode).toBe(200);
    expect(upstream.received).toHaveLength(1);
    const seen = upstream.received[0]?.headers ?? {};
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe('ztmesh.test:8080');
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
  });

  it.each([
    ['HTTP/1.1 without Host', 'GET /api/backend/health HTTP/1.1\r\n\r\n', /no Host header/],
    [
      'an absolute-form target to the proxy',
      'GET http://127.0.0.1:5000/api/backend/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      /must be a path/,
    ],
    ['an absolute-form target to the page', 'GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n', /must be a path/],
    ['GET *', 'GET * HTTP/1.1\r\nHost: x\r\n\r\n', /must be a path/],
    ['OPTIONS *', 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n', /must be a path/],
    [
      'Transfer-Encoding: xchunked on a GET',
      'GET /api/backend/health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n',
      /./,
    ],
    [
      'Transfer-Encoding: xchunked on a POST (read to the end of the connection before)',
      'POST /api/backend/api/data HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\nGET / HTTP/1.1\r\n',
      /Transfer-Encoding/,
    ],
    [
      'Transfer-Encoding: gzip',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n',
      /Transfer-Encoding/,
    ],
    [
      'CONNECT',
      'CONNECT 127.0.0.1:5000 HTTP/1.1\r\nHost: 127.0.0.1:5000\r\n\r\n',
      /CONNECT is not supported/,
    ],
  ])(
    '%s is the JSON 400, the connection closes, and nothing goes upstream',
    async (_name, bytes, message) => {
      upstream.received.length = 0;
      const exchange = await rawExchange(proxy.port, bytes);
      expect(expectJson400(exchange).message).toMatch(message);
      expect(exchange.body).not.toContain('<html');
      expect(exchange.closedAfterMs).not.toBeNull();
      expect(upstream.received).toEqual([]);
    },
  );

  it('still serves the page and the proxy after all of that', async () => {
    const page = await rawExchange(proxy.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<html');
    const proxied = await rawExchange(
      proxy.port,
      'GET /api/backend/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(proxied.statusCode).toBe(200);
    // HTTP/1.0 may leave Host out.
    const old = await rawExchange(proxy.port, 'GET /health HTTP/1.0\r\n\r\n');
    expect(old.statusCode).toBe(200);
  });
});
