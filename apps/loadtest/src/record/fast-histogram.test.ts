import { describe, expect, it } from 'vitest';
import { createHdrHistogram, FastHistogram } from './fast-histogram';

describe('FastHistogram', () => {
  it('gives exactly the percentiles, min, max and mean bucket values hdr-histogram-js gives for the same values', () => {
    const fast = new FastHistogram();
    const direct = createHdrHistogram();
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const values = [
      0,
      1,
      2,
      2047,
      2048,
      2049,
      4095,
      4096,
      1_000_000,
      2 ** 31 - 1,
      2 ** 31 + 5,
      3_000_000_000,
    ];
    for (let i = 0; i < 20_000; i++) values.push(Math.floor(random() ** 4 * 5_000_000));
    for (const value of values) {
      fast.record(value);
      direct.recordValue(value);
    }
    const hdr = fast.toHdr();
    expect(hdr.totalCount).toBe(direct.totalCount);
    for (const percentile of [0, 1, 50, 90, 99, 99.9, 99.99, 100]) {
      expect(hdr.getValueAtPercentile(percentile)).toBe(direct.getValueAtPercentile(percentile));
    }
    expect(hdr.maxValue).toBe(direct.maxValue);
    expect(hdr.minNonZeroValue).toBe(direct.minNonZeroValue);
    expect(hdr.mean).toBeCloseTo(direct.mean, -1);
    // The exact mean of the (rounded) values, within HDR's 0.1% bucket error of hdr-histogram-js's estimate.
    const exact = values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(fast.meanUs).toBeCloseTo(exact, 6);
    expect(Math.abs(fast.meanUs - direct.mean) / direct.mean).toBeLessThan(0.001);
  });

  it('has a mean of 0 when empty and rounds values as it records them', () => {
    const fast = new FastHistogram();
    expect(fast.meanUs).toBe(0);
    fast.record(1.4);
    fast.record(2.6);
    fast.record(-5);
    expect(fast.meanUs).toBe((1 + 3 + 0) / 3);
  });

  it('rebuilds the HDR histogram only after new values', () => {
    const fast = new FastHistogram();
    fast.record(1500);
    const first = fast.toHdr();
    expect(fast.toHdr()).toBe(first);
    fast.record(-3);
    expect(fast.toHdr()).not.toBe(first);
    expect(fast.toHdr().totalCount).toBe(2);
  });
});
