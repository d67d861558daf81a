import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServiceApp } from './create-service-app';
import { createReadiness } from './health/readiness';
import { createLogger } from './logging/create-logger';
import { createMetrics } from './metrics/create-metrics';

// Every error a client can provoke, whoever raises it (a route, Fastify's body parsing, its router, Node's HTTP
// parser, a closing server), answers with exactly {statusCode, error, message, requestId} and echoes the id.
const ERROR_FIELDS = ['error', 'message', 'requestId', 'statusCode'];

function setup() {
  const logger = createLogger({ name: 'test', level: 'silent', pretty: false });
  const metrics = createMetrics({ defaultMetrics: false });
  const app = createServiceApp({
    logger,
    readiness: createReadiness(),
    metrics,
    keepAliveTimeoutMs: 65_000,
    fastify: { bodyLimit: 64 },
  });
  app.post('/echo', async (request) => ({ got: request.body }));
  app.get('/items/:id', async (request) => ({ id: (request.params as { id: string }).id }));
  let release: () => void = () => undefined;
  let entered: () => void = () => undefined;
  const slowEntered = new Promise<void>((resolve) => (entered = resolve));
  app.get('/slow', async () => {
    entered();
    await new Promise<void>((resolve) => (release = resolve));
    return { done: true };
  });
  return { app, metrics, slowEntered, release: () => release() };
}

describe('error responses', () => {
  let app: ReturnType<typeof setup>['app'] | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it.each([
    ['415: a body type nobody parses', { 'content-type': 'application/xml' }, '<a/>', 415],
    ['400: malformed JSON', { 'content-type': 'application/json' }, '{"a":', 400],
    [
      '413: a body over the limit',
      { 'content-type': 'application/json' },
      JSON.stringify({ a: 'x'.repeat(100) }),
      413,
    ],
  ])('%s', async (_name, headers, payload, statusCode) => {
    ({ app } = setup());
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { ...headers, 'x-request-id': 'err-1' },
      payload,
    });
    expect(response.statusCode).toBe(statusCode);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['x-request-id']).toBe('err-1');
    const body = response.json();
    expect(Object.keys(body).sort()).toEqual(ERROR_FIELDS);
    expect(body).toMatchObject({ statusCode, requestId: 'err-1' });
    expect(typeof body.error).toBe('string');
    expect(typeof body.message).toBe('string');
  });

  it('answers a URL the router cannot decode with a JSON 400 and counts it as unmatched', async () => {
    const setupResult = setup();
    app = setupResult.app;
    const response = await app.inject({ url: '/items/%E0%A4%A', headers: { 'x-request-id': 'bad-url' } });
    expect(response.statusCode).toBe(400);
    expect(response.headers['x-request-id']).toBe('bad-url');
    expect(Object.keys(response.json()).sort()).toEqual(ERROR_FIELDS);
    expect(response.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', requestId: 'bad-url' });
    const text = await setupResult.metrics.registry.metrics();
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="400"} 1',
    );
    expect(text).not.toContain('%E0');
  });

  it('answers oversized headers with a JSON 431 carrying a fresh request id', async () => {
    ({ app } = setup());
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const raw = await exchange(port, [
      `GET /health HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
    ]);
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    const id = /x-request-id: (\S+)/i.exec(head ?? '')?.[1];
    expect(JSON.parse(body ?? '')).toEqual({
      statusCode: 431,
      error: 'Request Header Fields Too Large',
      message: 'The request headers are too large',
      requestId: id,
    });
  });

  it('while closing, finishes the in-flight request and sheds the next one on that connection with a JSON 503', async () => {
    const setupResult = setup();
    app = setupResult.app;
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    const closedSocket = new Promise((resolve) => socket.on('close', resolve));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\nx-request-id: first\r\n\r\n');
    await setupResult.slowEntered;
    const closing = app.close();
    // preClose has run once the server stops accepting: the listener is gone.
    while (app.server.listening) await new Promise((resolve) => setTimeout(resolve, 5));
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\nx-request-id: late-1\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    setupResult.release();
    await closedSocket;
    await closing;
    app = undefined;
    const responses = received.split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(2);
    expect(responses[0]).toMatch(/^HTTP\/1\.1 200 /);
    expect(responses[0]).toContain('{"done":true}');
    expect(responses[1]).toMatch(/^HTTP\/1\.1 503 /);
    expect(responses[1]).toMatch(/\r\nconnection: close\r\n/i);
    expect(responses[1]).toMatch(/\r\nx-request-id: late-1\r\n/i);
    expect(JSON.parse(responses[1]?.split('\r\n\r\n')[1] ?? '')).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The server is shutting down',
      requestId: 'late-1',
    });
  });
});

/** Writes each request on one TCP connection and returns everything read until the server closes it. */
function exchange(port: number, requests: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => requests.forEach((request) => socket.write(request)));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('close', () => resolve(received));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' ? undefined : reject(error),
    );
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer within 5 s')));
  });
}
