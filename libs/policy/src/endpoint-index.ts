import type { Endpoint } from './endpoints';

/** Necessary conditions a policy or rule's selectors carry: each one narrows the endpoints worth trying. */
export interface SelectionHints {
  /** Only endpoints of this namespace can match. */
  readonly namespace?: string;
  /** Only endpoints whose pods carry this label (key, value) can match. */
  readonly podLabel?: readonly [string, string];
  /** Only endpoints whose namespace carries this label (key, value) can match. */
  readonly namespaceLabel?: readonly [string, string];
}

/**
 * Endpoints by namespace, by one pod label and by one namespace label, in input order, so that a selection is
 * tried on the shortest list its hints allow instead of on every endpoint (rules x endpoints was the cost of
 * large inputs). Each hint is a necessary condition, so that list still holds every match; the selector decides.
 */
export class EndpointIndex {
  private readonly byNamespace = new Map<string, Endpoint[]>();
  private readonly byPodLabel = new Map<string, Endpoint[]>();
  private readonly byNamespaceLabel = new Map<string, Endpoint[]>();

  constructor(readonly endpoints: readonly Endpoint[]) {
    const add = (map: Map<string, Endpoint[]>, key: string, ep: Endpoint) => {
      const list = map.get(key);
      if (list) list.push(ep);
      else map.set(key, [ep]);
    };
    for (const ep of endpoints) {
      add(this.byNamespace, ep.namespace, ep);
      for (const [key, value] of Object.entries(ep.labels)) add(this.byPodLabel, `${key}\0${value}`, ep);
      for (const [key, value] of Object.entries(ep.namespaceLabels))
        add(this.byNamespaceLabel, `${key}\0${value}`, ep);
    }
  }

  /** The shortest list of endpoints the hints allow, in input order (every endpoint when there is no hint). */
  candidates(hints: SelectionHints): readonly Endpoint[] {
    let candidates: readonly Endpoint[] =
      hints.namespace !== undefined ? (this.byNamespace.get(hints.namespace) ?? []) : this.endpoints;
    for (const [map, label] of [
      [this.byPodLabel, hints.podLabel],
      [this.byNamespaceLabel, hints.namespaceLabel],
    ] as const) {
      if (!label) continue;
      const list = map.get(`${label[0]}\0${label[1]}`) ?? [];
      if (list.length < candidates.length) candidates = list;
    }
    return candidates;
  }
}
