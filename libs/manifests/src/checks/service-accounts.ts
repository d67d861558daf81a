import { type CrossCheck, findingOf } from './cross-check';
import { renderedServiceAccounts } from './object-queries';
import { podTemplates } from './pod-templates';

/** Every ServiceAccount a pod names exists in its namespace; no pod runs as the namespace's `default` account. */
export const serviceAccountsCheck: CrossCheck = {
  name: 'service-accounts',
  description: 'every ServiceAccount a pod names exists; no workload shares the default identity',
  run(context) {
    const accounts = renderedServiceAccounts(context);
    return podTemplates(context.objects).flatMap((template) => {
      const name = template.spec.serviceAccountName ?? template.spec.serviceAccount;
      if (!name || name === 'default') {
        return [
          findingOf(
            this.name,
            context,
            template.owner,
            'runs as the default ServiceAccount: give each workload its own identity (mesh and Calico policies key on it)',
          ),
        ];
      }
      if (accounts.has(`${template.namespace}/${name}`)) return [];
      return [
        findingOf(
          this.name,
          context,
          template.owner,
          `ServiceAccount ${template.namespace}/${name} does not exist`,
        ),
      ];
    });
  },
};
