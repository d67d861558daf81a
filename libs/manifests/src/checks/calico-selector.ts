import { matchesCalicoSelector, parseCalicoSelector as parseSelector } from '@ztmesh/policy';

/** A parsed Calico selector: a predicate over a label set. */
export type CalicoSelector = (labels: Readonly<Record<string, string>>) => boolean;

/**
 * Parses a Calico selector with the analyzer's parser (libs/policy: the whole selector language, errors with their
 * position) and returns it as a predicate. Throws on a selector it cannot read: the caller reports it, so a selector
 * nobody understood is never silently treated as a match.
 */
export function parseCalicoSelector(text: string): CalicoSelector {
  const selector = parseSelector(text);
  return (labels) => matchesCalicoSelector(selector, labels);
}
