import { describe, expect, it } from 'vitest';
import { createIsoTimestamp } from './route-deps';

describe('createIsoTimestamp', () => {
  it('formats the injected clock, once per millisecond', () => {
    const ticks = [0, 0, 1, 1500, 1500].map((ms) => new Date(Date.UTC(2026, 10, 21, 7, 0, 0, 0) + ms));
    let calls = 0;
    const timestamp = createIsoTimestamp(() => ticks[calls++] as Date);
    expect(ticks.map(() => timestamp())).toEqual([
      '2026-11-21T07:00:00.000Z',
      '2026-11-21T07:00:00.000Z',
      '2026-11-21T07:00:00.001Z',
      '2026-11-21T07:00:01.500Z',
      '2026-11-21T07:00:01.500Z',
    ]);
  });
});
