import { describe, expect, it } from 'vitest';
import { createArrivalSchedule } from './arrival-schedule';

describe('createArrivalSchedule', () => {
  it.each([
    { given: { ratePerSecond: 500, durationMs: 3000 }, total: 1500, windowMs: 3000 },
    { given: { ratePerSecond: 10, durationMs: 1050 }, total: 11, windowMs: 1050 },
    { given: { ratePerSecond: 100, requests: 50 }, total: 50, windowMs: 500 },
    { given: { ratePerSecond: 100, durationMs: 1000, requests: 20 }, total: 20, windowMs: 1000 },
    { given: { ratePerSecond: 5 }, total: Infinity, windowMs: Infinity },
  ])('GIVEN $given THEN $total arrivals over $windowMs ms', ({ given, total, windowMs }) => {
    const schedule = createArrivalSchedule(given);
    expect(schedule.total).toBe(total);
    expect(schedule.windowMs).toBe(windowMs);
  });

  it('spaces arrivals evenly at a constant rate and counts what is due by the clock', () => {
    const schedule = createArrivalSchedule({ ratePerSecond: 200, durationMs: 1000 });
    expect([0, 1, 2, 199].map((index) => schedule.offsetOf(index))).toEqual([0, 5, 10, 995]);
    expect(schedule.dueBy(0)).toBe(1);
    expect(schedule.dueBy(4.99)).toBe(1);
    expect(schedule.dueBy(5)).toBe(2);
    expect(schedule.dueBy(500)).toBe(101);
    expect(schedule.dueBy(10_000)).toBe(200);
  });

  it('ramps up linearly: a quarter of the arrivals in the first half of the ramp, then the full rate', () => {
    const schedule = createArrivalSchedule({ ratePerSecond: 1000, rampUpMs: 1000, durationMs: 2000 });
    // Area under the rate line: 500 arrivals during the ramp, then 1000 per second.
    expect(schedule.total).toBe(1500);
    expect(schedule.dueBy(500)).toBe(126);
    expect(schedule.dueBy(1000)).toBe(501);
    expect(schedule.dueBy(1500)).toBe(1001);
    // offsetOf inverts dueBy: arrival i is due exactly when the cumulative curve reaches i.
    for (const index of [1, 10, 125, 499, 500, 501, 1200]) {
      const offset = schedule.offsetOf(index);
      expect(schedule.dueBy(offset + 1e-6)).toBe(index + 1);
      expect(schedule.dueBy(offset - 1e-3)).toBe(index);
    }
  });
});
