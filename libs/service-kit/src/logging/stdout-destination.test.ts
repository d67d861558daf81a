import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BatchedDestination, type BatchTarget } from './stdout-destination';

/** A sonic-boom stand-in that records each write it is given. */
function recordingTarget(): BatchTarget & { readonly writes: string[] } {
  const writes: string[] = [];
  return {
    writes,
    write: (chunk: string) => writes.push(chunk),
    flush: (callback) => callback?.(),
    flushSync: () => undefined,
  };
}

describe('BatchedDestination', () => {
  it('writes a line logged after a quiet spell in the next event-loop turn', async () => {
    const target = recordingTarget();
    const destination = new BatchedDestination(target, { minIntervalMs: 60_000 });
    destination.write('first\n');
    expect(target.writes).toEqual([]);
    await nextTurn();
    expect(target.writes).toEqual(['first\n']);
  });

  it('while lines keep coming, writes at most once per interval, every line once and in order', async () => {
    const target = recordingTarget();
    const minIntervalMs = 20;
    const destination = new BatchedDestination(target, { minIntervalMs });
    const lines: string[] = [];
    const startedAt = performance.now();
    // One line per event-loop turn, as a proxy whose turns each serve one request logs them.
    for (let i = 0; i < 200; i++) {
      const line = `line ${i}\n`;
      lines.push(line);
      destination.write(line);
      await nextTurn();
    }
    const elapsedMs = performance.now() - startedAt;
    destination.flushSync();
    expect(target.writes.join('')).toBe(lines.join(''));
    // One write per turn (200) before; now the first line at once, then one write per interval at most.
    expect(target.writes.length).toBeLessThanOrEqual(2 + Math.ceil(elapsedMs / minIntervalMs));
    expect(target.writes.length).toBeLessThan(200);
  });

  it('writes a full batch in the next turn without waiting for the interval', async () => {
    const target = recordingTarget();
    const destination = new BatchedDestination(target, { minIntervalMs: 60_000, maxPendingChars: 100 });
    destination.write('x'.repeat(10));
    await nextTurn();
    expect(target.writes).toHaveLength(1);
    // Within the interval: held...
    destination.write('y'.repeat(50));
    await nextTurn();
    expect(target.writes).toHaveLength(1);
    // ...until the batch is full.
    destination.write('z'.repeat(60));
    await nextTurn();
    expect(target.writes).toEqual(['x'.repeat(10), 'y'.repeat(50) + 'z'.repeat(60)]);
  });

  it('flush and flushSync write what the interval is holding back', async () => {
    const target = recordingTarget();
    const destination = new BatchedDestination(target, { minIntervalMs: 60_000 });
    destination.write('a\n');
    destination.flushSync();
    destination.write('b\n');
    destination.flushSync();
    destination.write('c\n');
    await new Promise<void>((resolve) => destination.flush(() => resolve()));
    expect(target.writes).toEqual(['a\n', 'b\n', 'c\n']);
  });
});
