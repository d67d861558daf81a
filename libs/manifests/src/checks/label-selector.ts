import { matchesLabelSelector, type LabelSelector } from '@ztmesh/policy';

/** A Kubernetes label selector (meta/v1 LabelSelector), as libs/policy models it. */
export type { LabelSelector };

/**
 * Whether a Kubernetes LabelSelector (matchLabels and matchExpressions) selects `labels`, with the analyzer's
 * semantics (libs/policy). An empty selector selects everything, as in NetworkPolicy podSelector and
 * PodDisruptionBudget.
 */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  return matchesLabelSelector(selector, labels);
}
