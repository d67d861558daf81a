import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startLoopbackServer, type LoopbackServer } from '@ztmesh/test-support';
import { summarize } from '../record/create-recorder';
import { CLASS, OUTCOME } from '../record/response-class';
import type { Scenario } from '../scenarios/scenario';
import { createLoadRun } from './create-load-run';

const servers: LoopbackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function server(handler: Parameters<typeof startLoopbackServer>[0]): Promise<LoopbackServer> {
  const started = await startLoopbackServer(handler, { keepAliveTimeoutMs: 10_000 });
  servers.push(started);
  return started;
}

function scenario(url: string, overrides: Partial<Scenario> = {}): Scenario {
  const parsed = new URL(url);
  return {
    name: 'a',
    origin: parsed.origin,
    path: parsed.pathname,
    method: 'GET',
    weight: 1,
    headers: {},
    unauthorized: false,
    blockedStatuses: [403],
    ...overrides,
  };
}

describe('open-model scheduler against a real local server', () => {
  it('achieves the target rate within 2% at 500/s over 3 s, spread over the whole window', async () => {
    const arrivals: number[] = [];
    const ids = new Set<string>();
    const traceparents = new Set<string>();
    const target = await server((req, res) => {
      arrivals.push(performance.now());
      ids.add(String(req.headers['x-request-id']));
      traceparents.add(String(req.headers['traceparent']));
      res.end('ok');
    });
    const run = createLoadRun({
      scenarios: [scenario(`${target.url}/`)],
      ratePerSecond: 500,
      durationMs: 3000,
      connections: 10,
      maxInFlight: 1000,
      timeoutMs: 2000,
    });
    const result = await run.run();
    const achieved = result.stats.sent / (result.windowMs / 1000);
    expect(Math.abs(achieved / 500 - 1)).toBeLessThan(0.02);
    expect(result.stats.dropped).toBe(0);
    expect(run.recorder.completed).toBe(1500);
    // Seen from the server: every request arrived, spread over the three seconds rather than bunched. (Loose
    // bounds per second: server and generator share this process, so a descheduled process delays both.)
    expect(arrivals).toHaveLength(1500);
    const first = arrivals[0] as number;
    for (const second of [0, 1, 2]) {
      const inSecond = arrivals.filter(
        (at) => at - first >= second * 1000 && at - first < (second + 1) * 1000,
      );
      expect(inSecond.length).toBeGreaterThan(350);
      expect(inSecond.length).toBeLessThan(650);
    }
    // A fresh request id and traceparent per request, the traceparent carrying the request id as trace id.
    expect(ids.size).toBe(1500);
    expect(traceparents.size).toBe(1500);
    const [id] = ids;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...traceparents][0]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect([...traceparents][0]?.slice(3, 35)).toBe(id?.replaceAll('-', ''));
  });

  it('shows a 500 ms server stall in the open model p99, where a closed loop at the same rate hides it', async () => {
    // Both servers stall once, for 500 ms, from their 100th request on: everything that arrives meanwhile
    // is answered when the stall ends (like a GC pause or a lock).
    const stallingServer = () => {
      let seen = 0;
      let stalledUntil = 0;
      return server((_req, res) => {
        const now = performance.now();
        if (++seen === 100) stalledUntil = now + 500;
        const wait = stalledUntil - now;
        if (wait > 0) setTimeout(() => res.end('ok'), wait);
        else res.end('ok');
      });
    };
    const [openTarget, closedTarget] = await Promise.all([stallingServer(), stallingServer()]);
    const common = { ratePerSecond: 200, durationMs: 2500, maxInFlight: 1000, timeoutMs: 2000 };
    const open = createLoadRun({ ...common, scenarios: [scenario(`${openTarget.url}/`)], connections: 10 });
    const closed = createLoadRun({
      ...common,
      model: 'closed',
      scenarios: [scenario(`${closedTarget.url}/`)],
      connections: 2,
    });
    await Promise.all([open.run(), closed.run()]);
    const openLatency = summarize(open.recorder.latency);
    const closedLatency = summarize(closed.recorder.latency);
    // Open: the ~100 requests scheduled during the stall each waited up to 500 ms: p99 sits near 500 ms.
    expect(openLatency.p99).toBeGreaterThan(400);
    expect(openLatency.p90).toBeGreaterThan(200);
    // Closed: its 2 workers stood still with the server, so only 2 requests saw the stall; p99 looks healthy
    // and only max gives it away.
    expect(closedLatency.max).toBeGreaterThan(450);
    expect(closedLatency.p99).toBeLessThan(150);
    expect(openLatency.p99 - closedLatency.p99).toBeGreaterThan(300);
    // ...and the closed loop silently sent fewer requests than the schedule asked for.
    expect(closed.stats.sent).toBeLessThan(open.stats.sent - 50);
  });

  it('drops and counts arrivals beyond max-in-flight instead of queueing them forever', async () => {
    const target = await server((_req, res) => setTimeout(() => res.end('slow'), 300));
    const run = createLoadRun({
      scenarios: [scenario(`${target.url}/`)],
      ratePerSecond: 200,
      durationMs: 500,
      connections: 5,
      maxInFlight: 20,
      timeoutMs: 2000,
    });
    const result = await run.run();
    expect(result.stats.scheduled).toBe(100);
    expect(result.stats.dropped).toBeGreaterThan(40);
    expect(result.stats.sent + result.stats.dropped).toBe(100);
    expect(run.recorder.completed).toBe(result.stats.sent);
  });

  it('times requests out at the per-request timeout, counted as timeout from the scheduled start', async () => {
    const target = await server(() => undefined); // never answers
    const run = createLoadRun({
      scenarios: [scenario(`${target.url}/`)],
      ratePerSecond: 50,
      requests: 5,
      connections: 2,
      maxInFlight: 100,
      timeoutMs: 300,
    });
    const started = performance.now();
    await run.run();
    expect(performance.now() - started).toBeLessThan(2000);
    const tally = run.recorder.scenarios[0];
    expect(tally?.classes[CLASS.timeout]).toBe(5);
    const latency = summarize(run.recorder.latency);
    expect(latency.min).toBeGreaterThanOrEqual(299);
    expect(latency.max).toBeLessThan(1000);
  });
});

describe('unauthorized scenario classification against real local servers', () => {
  it('counts a refused connection, a 403 and an Envoy sidecar refusal as blocked, and a 200 as leaked', async () => {
    const forbidden = await server((_req, res) => {
      res.statusCode = 403;
      res.end('RBAC: access denied');
    });
    const open = await server((_req, res) => res.end('{"message":"Hello from Backend!"}'));
    // What an Envoy sidecar answers itself: a connect failure to a denied upstream, its BlackHoleCluster's 502.
    const sidecar = await server((req, res) => {
      res.statusCode = req.url === '/blackhole' ? 502 : 503;
      res.end(
        req.url === '/blackhole'
          ? ''
          : 'upstream connect error or disconnect/reset before headers. reset reason: connection timeout',
      );
    });
    const refusedPort = await freePort();
    const scenarios = [
      scenario(`${sidecar.url}/connect-failure`, { name: 'connect-failure', unauthorized: true }),
      scenario(`${sidecar.url}/blackhole`, { name: 'blackhole', unauthorized: true }),
      scenario(`http://127.0.0.1:${refusedPort}/api/data`, { name: 'refused', unauthorized: true }),
      scenario(`${forbidden.url}/api/data`, { name: 'forbidden', unauthorized: true }),
      scenario(`${open.url}/api/data`, { name: 'open', unauthorized: true }),
    ];
    const run = createLoadRun({
      scenarios,
      ratePerSecond: 250,
      requests: 50,
      connections: 2,
      maxInFlight: 100,
      timeoutMs: 1000,
    });
    await run.run();
    const [connectFailure, blackhole, refused, denied, leaked] = run.recorder.scenarios;
    expect(connectFailure?.outcomes[OUTCOME.blocked]).toBe(10);
    expect(connectFailure?.statuses[503]).toBe(10);
    expect(blackhole?.outcomes[OUTCOME.blocked]).toBe(10);
    expect(blackhole?.statuses[502]).toBe(10);
    expect(refused?.outcomes[OUTCOME.blocked]).toBe(10);
    expect(refused?.classes[CLASS.refused]).toBe(10);
    expect(denied?.outcomes[OUTCOME.blocked]).toBe(10);
    expect(denied?.statuses[403]).toBe(10);
    expect(leaked?.outcomes[OUTCOME.leaked]).toBe(10);
    expect(run.recorder.errors).toBe(10);
  });
});
