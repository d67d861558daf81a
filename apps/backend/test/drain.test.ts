import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startBundle, type RunningBundle } from '@ztmesh/test-support';

// Short shutdown windows, so the test is quick; the logic is the production one (5 s + 15 s by default).
const SHUTDOWN_DELAY_MS = 1_000;
const SHUTDOWN_DRAIN_TIMEOUT_MS = 2_000;
const RATE_PER_SECOND = 200;
const LOAD_MS = 3_000;
const SIGTERM_AT_MS = 1_200;

interface Outcome {
  readonly sentAt: number;
  readonly status?: number;
  readonly error?: string;
}

describe('graceful shutdown under load', () => {
  let bundle: RunningBundle | undefined;
  afterEach(() => bundle?.kill());

  it('fails no request sent before readiness turned false, closes idle keep-alive sockets, exits 0 in the window', async () => {
    bundle = await startBundle('backend', {
      env: {
        SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
        SHUTDOWN_DRAIN_TIMEOUT_MS: String(SHUTDOWN_DRAIN_TIMEOUT_MS),
      },
    });
    const running = bundle;
    // A keep-alive pool that would hold its sockets open far longer than the test: only the server can close
    // them in time, and the process can only exit 0 once they are closed.
    const pool = new Pool(`http://127.0.0.1:${running.port}`, {
      connections: 16,
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 60_000,
    });
    let disconnects = 0;
    pool.on('disconnect', () => disconnects++);

    const outcomes: Promise<Outcome>[] = [];
    const send = (): Promise<Outcome> => {
      const sentAt = Date.now();
      return pool
        .request({ path: '/api/data', method: 'GET' })
        .then(async ({ statusCode, body }) => {
          await body.text();
          return { sentAt, status: statusCode };
        })
        .catch((error: Error & { code?: string }) => ({ sentAt, error: error.code ?? error.message }));
    };

    // Open-model load: requests go out on a fixed schedule whatever the responses do. Under CPU contention the
    // timer may fire late; the schedule then catches up rather than silently lowering the total.
    const startedAt = Date.now();
    const total = (RATE_PER_SECOND * LOAD_MS) / 1000;
    let sigtermSentAt = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((Date.now() - startedAt) * RATE_PER_SECOND) / 1000));
        while (outcomes.length < due) outcomes.push(send());
        if (!sigtermSentAt && Date.now() - startedAt >= SIGTERM_AT_MS) {
          sigtermSentAt = Date.now();
          running.child.kill('SIGTERM');
        }
        if (outcomes.length >= total) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    const results = await Promise.all(outcomes);
    const exit = await running.exited;
    const connectedAfterExit = pool.stats.connected;
    await pool.destroy();

    const draining = running.logs.find(
      (line) => line.msg === 'shutting down: readiness now reports not-ready, draining',
    );
    expect(draining, 'the process logs when readiness turns false').toBeDefined();
    const readinessFalseAt = Date.parse(String(draining?.time));
    const before = results.filter((result) => result.sentAt < readinessFalseAt);
    const failedBefore = before.filter((result) => result.status !== 200);
    // Enough traffic before the signal that a broken drain would show.
    expect(before.length).toBeGreaterThanOrEqual(100);
    expect(failedBefore, 'requests sent before readiness turned false that failed').toEqual([]);

    expect(exit.code).toBe(0);
    expect(exit.at - sigtermSentAt).toBeLessThanOrEqual(SHUTDOWN_DELAY_MS + SHUTDOWN_DRAIN_TIMEOUT_MS);
    // The listener closed only after the delay: the process kept serving while endpoints were being updated.
    const closedAfterMs = exit.at - readinessFalseAt;
    expect(closedAfterMs).toBeGreaterThanOrEqual(SHUTDOWN_DELAY_MS);
    // `shutdown complete` is logged once the server has closed every connection, idle keep-alive ones included
    // (the pool above never closes them itself), and the process was still running when it did.
    expect(running.logs.at(-1)).toMatchObject({ msg: 'shutdown complete' });
    expect(disconnects).toBeGreaterThan(0);
    expect(connectedAfterExit).toBe(0);
  }, 30_000);
});
