import { describe, expect, it } from 'vitest';
import { formatCount } from './format-summary';

describe('formatCount', () => {
  it('groups thousands as en-US does', () => {
    for (const value of [0, 7, 999, 1000, 12_345, 1_234_567, 100_000_000, 9_007_199_254_740_991]) {
      expect(formatCount(value)).toBe(value.toLocaleString('en-US'));
    }
  });
});
