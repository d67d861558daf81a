/** A Kubernetes label selector (meta/v1 LabelSelector). */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: string;
    readonly values?: readonly string[];
  }[];
}

/**
 * Whether a Kubernetes LabelSelector (matchLabels and matchExpressions) selects `labels`. An empty selector
 * selects everything, as in NetworkPolicy podSelector and PodDisruptionBudget.
 */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const plain = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return (
    plain &&
    (selector.matchExpressions ?? []).every((expression) => {
      const value = labels[expression.key];
      switch (expression.operator) {
        case 'In':
          return value !== undefined && (expression.values ?? []).includes(value);
        case 'NotIn':
          return value === undefined || !(expression.values ?? []).includes(value);
        case 'Exists':
          return value !== undefined;
        case 'DoesNotExist':
          return value === undefined;
        default:
          return false;
      }
    })
  );
}
