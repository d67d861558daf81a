import { describe, expect, it } from 'vitest';
import { createScenarioPicker } from './create-scenario-picker';

describe('createScenarioPicker', () => {
  it('gives each scenario exactly its share over every cycle, interleaved rather than in runs', () => {
    const pick = createScenarioPicker([70, 20, 10]);
    const counts = [0, 0, 0];
    const first10: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const index = pick();
      counts[index] = (counts[index] ?? 0) + 1;
      if (i < 10) first10.push(index);
    }
    expect(counts).toEqual([700, 200, 100]);
    expect(first10.filter((index) => index === 0)).toHaveLength(7);
    expect(first10).toContain(1);
    expect(first10).toContain(2);
  });

  it('accepts fractional weights and a single scenario', () => {
    const pick = createScenarioPicker([0.25, 0.75]);
    const counts = [0, 0];
    for (let i = 0; i < 400; i++) {
      const index = pick();
      counts[index] = (counts[index] ?? 0) + 1;
    }
    expect(counts).toEqual([100, 300]);
    const only = createScenarioPicker([3]);
    expect([only(), only()]).toEqual([0, 0]);
  });
});
