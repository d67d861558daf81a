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
