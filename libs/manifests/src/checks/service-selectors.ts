import { matchesLabelSelector, type LabelSelector } from '@ztmesh/policy';
import { type CrossCheck, findingOf } from './cross-check';
import { podTemplates } from './pod-templates';

/** Every Service selector and PodDisruptionBudget selector matches the pods of some workload in its namespace. */
export const serviceSelectorsCheck: CrossCheck = {
  name: 'service-selectors',
  description: 'every Service and PodDisruptionBudget selector matches a pod template in its namespace',
  run(context) {
    const templates = podTemplates(context.objects);
    return context.objects.flatMap((object) => {
      const namespace = object.metadata.namespace ?? 'default';
      const inNamespace = templates.filter((template) => template.namespace === namespace);
      if (object.kind === 'Service') {
        const selector = (object.spec as { selector?: Record<string, string> } | undefined)?.selector;
        // A Service without a selector has hand-made endpoints (or is an ExternalName): nothing to match.
        if (!selector || Object.keys(selector).length === 0) return [];
        if (inNamespace.some((template) => matchesLabelSelector({ matchLabels: selector }, template.labels)))
          return [];
        return [
          findingOf(this.name, context, object, `selector ${formatLabels(selector)} matches no pod template`),
        ];
      }
      if (object.kind === 'PodDisruptionBudget') {
        const selector = (object.spec as { selector?: LabelSelector } | undefined)?.selector ?? {};
        if (inNamespace.some((template) => matchesLabelSelector(selector, template.labels))) return [];
        return [
          findingOf(
            this.name,
            context,
            object,
            `selector ${formatLabels(selector.matchLabels ?? {})} matches no pod`,
          ),
        ];
      }
      return [];
    });
  },
};

/** `{a=b, c=d}` for messages. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  return `{${Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ')}}`;
}
