import { isCalicoPolicy, matchesCalicoSelector, parseCalicoSelector } from '@ztmesh/policy';
import { type CalicoPolicySpec, calicoRuleSides, ruleNamespaces } from './calico-policy';
import { type CrossCheck, type Finding, findingOf } from './cross-check';
import { existingServiceAccounts, namespaceOf } from './object-queries';

/**
 * Every Calico serviceAccountSelector selects an existing ServiceAccount, and every rule's serviceAccounts
 * names (or selector) an existing one, in the namespaces its namespaceSelector picks.
 */
export const calicoServiceAccountsCheck: CrossCheck = {
  name: 'calico-service-accounts',
  description:
    'every Calico serviceAccountSelector and rule serviceAccounts names an existing ServiceAccount',
  run(context) {
    const accounts = existingServiceAccounts(context);
    const namespaces = new Set([...accounts.keys()].map((key) => key.split('/')[0]));
    const findings: Finding[] = [];
    for (const policy of context.objects.filter(isCalicoPolicy)) {
      const add = (message: string) => findings.push(findingOf(this.name, context, policy, message));
      const spec = (policy.spec ?? {}) as CalicoPolicySpec;
      const global = policy.kind.includes('Global');
      const ownNamespaces = global ? [...namespaces] : [namespaceOf(policy)];
      const matching = (namespacesToSearch: string[], selector: string) => {
        const selects = parseCalicoSelector(selector);
        return [...accounts].filter(
          ([key, labels]) =>
            namespacesToSearch.includes(key.split('/')[0]) && matchesCalicoSelector(selects, labels),
        );
      };
      try {
        if (
          spec.serviceAccountSelector &&
          matching(ownNamespaces, spec.serviceAccountSelector).length === 0
        ) {
          add(`serviceAccountSelector "${spec.serviceAccountSelector}" selects no ServiceAccount`);
        }
        for (const [direction, rule, side] of calicoRuleSides(spec)) {
          const entity = rule[side];
          if (!entity?.serviceAccounts) continue;
          const where = ruleNamespaces(
            entity.namespaceSelector,
            global ? '' : namespaceOf(policy),
            namespaces,
          );
          for (const name of entity.serviceAccounts.names ?? []) {
            if (!where.some((namespace) => accounts.has(`${namespace}/${name}`))) {
              add(
                `${direction} ${side} serviceAccounts name ${name}: no such ServiceAccount in ${where.join(', ') || 'any known namespace'}`,
              );
            }
          }
          if (
            entity.serviceAccounts.selector &&
            matching(where, entity.serviceAccounts.selector).length === 0
          ) {
            add(
              `${direction} ${side} serviceAccounts selector "${entity.serviceAccounts.selector}" selects no ServiceAccount`,
            );
          }
        }
      } catch (error) {
        add((error as Error).message);
      }
    }
    return findings;
  },
};
