import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seriesValue, timedGet, type TimedAnswer } from './support/http-call';
import { startBundle, type RunningBundle } from '@ztmesh/test-support';
import { startTestUpstream, type TestUpstream } from './support/test-upstream';

// The built frontend in its own process in front of a real upstream on loopback: the clients, the upstream and
// the proxy must not share an event loop for a client's leaving (or a queue's wait) to be what is measured.
let upstream: TestUpstream;
const running: RunningBundle[] = [];

beforeAll(async () => {
  upstream = await startTestUpstream();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((bundle) => bundle.stop()));
  upstream.mode = { kind: 'backend' };
  upstream.received.length = 0;
});
afterAll(async () => {
  await upstream?.close();
});

async function frontend(env: Record<string, string> = {}): Promise<RunningBundle> {
  const bundle = await startBundle('frontend', {
    env: {
      BACKEND_URL: upstream.url,
      REQUEST_LOGGING: 'false',
      ...env,
    },
  });
  running.push(bundle);
  return bundle;
}

async function scrape(bundle: RunningBundle): Promise<string> {
  return (await timedGet(bundle.metricsPort, '/metrics'))?.body ?? '';
}

describe('frontend bundle: upstream capacity', () => {
  it('cancels the upstream request of a client that went away, so abandoned calls hold no connection', async () => {
    upstream.mode = { kind: 'slow', delayMs: 30_000, path: '/api/data' };
    // The default pool (128 connections) and timeout (10 s): 256 abandoned calls fill the pool twice over.
    const proxy = await frontend();
    const slowCalls = () => upstream.received.filter((request) => request.url === '/api/data').length;
    // The clients leave once the pool is full upstream (128 calls there), however long a loaded machine takes.
    const poolFull = expect.poll(slowCalls, { timeout: 10_000 }).toBeGreaterThanOrEqual(128);
    const dropped = await Promise.all(
      Array.from({ length: 256 }, () => timedGet(proxy.port, '/api/backend/api/data', poolFull)),
    );
    await poolFull;
    expect(dropped.filter((answer) => answer !== null)).toEqual([]);
    const health = await timedGet(proxy.port, '/api/backend/health');
    expect(health?.statusCode).toBe(200);
    // Without the cancellation it waits for the abandoned calls' 10 s timeout (19.9 s measured); the bound leaves
    // room for a loaded CI machine, the count below is the exact proof.
    expect(health?.elapsedMs).toBeLessThan(5_000);
    // Nothing abandoned is left upstream: every call the upstream got on the slow path was cancelled (the
    // clients that left before their request was read never reached it), and the proxy counted each one.
    await expect.poll(() => upstream.cancelled(), { timeout: 3_000 }).toBe(slowCalls());
    expect(slowCalls()).toBeGreaterThanOrEqual(128);
    await expect
      .poll(async () => seriesValue(await scrape(proxy), 'frontend_proxy_upstream_active_requests'))
      .toBe(0);
    const text = await scrape(proxy);
    expect(seriesValue(text, 'frontend_proxy_upstream_queued_requests')).toBe(0);
    expect(
      seriesValue(text, 'frontend_proxy_upstream_aborted_total{stage="in_flight"}'),
    ).toBeGreaterThanOrEqual(slowCalls());
  }, 30_000);

  it('times out from arrival: calls that waited for a connection get their 504 within the same timeout', async () => {
    upstream.mode = { kind: 'slow', delayMs: 5_000 };
    const proxy = await frontend({ UPSTREAM_CONNECTIONS: '2', UPSTREAM_TIMEOUT_MS: '1000' });
    // Six calls on two connections: when each started its own timer on leaving the queue, the second and third
    // pairs answered at about 2 s and 3 s.
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => timedGet(proxy.port, '/api/backend/api/data')),
    );
    for (const answer of answers) {
      expect(answer?.statusCode).toBe(504);
      expect(JSON.parse(answer?.body ?? '{}')).toMatchObject({
        error: 'Gateway Timeout',
        message: 'The backend did not answer within 1000 ms',
      });
      expect(answer?.elapsedMs).toBeGreaterThanOrEqual(950);
      expect(answer?.elapsedMs).toBeLessThan(1_900);
    }
    // The waiting ones were never sent: their time was up when a connection came free.
    expect(upstream.received).toHaveLength(2);
  }, 20_000);

  it('bounds the wait queue: beyond it a JSON 503 with Retry-After at once, and the admitted calls succeed', async () => {
    upstream.mode = { kind: 'slow', delayMs: 1_000 };
    const proxy = await frontend({
      UPSTREAM_CONNECTIONS: '1',
      UPSTREAM_MAX_QUEUED: '2',
      UPSTREAM_TIMEOUT_MS: '10000',
    });
    const first = timedGet(proxy.port, '/api/backend/api/data');
    // The first call holds the only connection; two more wait, and the next two find the queue full.
    await expect.poll(() => upstream.received.length).toBe(1);
    const rest = await Promise.all(
      Array.from({ length: 4 }, () => timedGet(proxy.port, '/api/backend/api/data')),
    );
    const answers = [await first, ...rest] as TimedAnswer[];
    expect(answers.filter((answer) => answer.statusCode === 200)).toHaveLength(3);
    const refused = answers.filter((answer) => answer.statusCode === 503);
    expect(refused).toHaveLength(2);
    for (const answer of refused) {
      expect(answer.headers['retry-after']).toBe('1');
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(answer.body);
      expect(Object.keys(body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
      expect(body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
      expect(body.requestId).toBe(answer.headers['x-request-id']);
      // At once: well before the 1 s the admitted calls take.
      expect(answer.elapsedMs).toBeLessThan(900);
    }
    expect(upstream.received).toHaveLength(3);
    expect(seriesValue(await scrape(proxy), 'frontend_proxy_queue_full_total')).toBe(2);
  }, 20_000);
});
