/**
 * Picks scenario indexes in proportion to `weights` with smooth weighted round-robin (nginx's upstream
 * algorithm): deterministic, evenly interleaved, and exact over every cycle, so even a 5-per-second service run
 * shows the configured mix within seconds, where a random draw would wander.
 */
export function createScenarioPicker(weights: readonly number[]): () => number {
  if (weights.length === 0) throw new Error('at least one scenario is needed');
  if (weights.length === 1) return () => 0;
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const current = new Float64Array(weights.length);
  return () => {
    let best = 0;
    for (let index = 0; index < weights.length; index++) {
      current[index] = (current[index] as number) + (weights[index] as number);
      if ((current[index] as number) > (current[best] as number)) best = index;
    }
    current[best] = (current[best] as number) - total;
    return best;
  };
}
