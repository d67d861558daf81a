import { type CrossCheck, findingOf } from './cross-check';
import { existingServiceAccounts, ofKind } from './object-queries';

/** `ns/x` for a principal `<trust-domain>/ns/<ns>/sa/<x>`; undefined for wildcards and other forms. */
export function principalServiceAccount(principal: string): string | undefined {
  const match = /(?:^|\/)ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
  return match && !principal.includes('*') ? `${match[1]}/${match[2]}` : undefined;
}

/** Every AuthorizationPolicy principal (and notPrincipal) names a ServiceAccount that exists. */
export const authorizationPrincipalsCheck: CrossCheck = {
  name: 'authz-principals',
  description: 'every AuthorizationPolicy principal names an existing ServiceAccount',
  run(context) {
    const accounts = existingServiceAccounts(context);
    return ofKind(context, 'AuthorizationPolicy', 'security.istio.io').flatMap((policy) => {
      const rules =
        (policy.spec as { rules?: { from?: { source?: Record<string, string[]> }[] }[] })?.rules ?? [];
      return rules.flatMap((rule) =>
        (rule.from ?? []).flatMap((from) =>
          [...(from.source?.principals ?? []), ...(from.source?.notPrincipals ?? [])].flatMap((principal) => {
            const account = principalServiceAccount(principal);
            if (account === undefined && !principal.includes('*')) {
              return [
                findingOf(
                  this.name,
                  context,
                  policy,
                  `principal ${principal} is not <trust-domain>/ns/<ns>/sa/<name>`,
                ),
              ];
            }
            if (account === undefined || accounts.has(account)) return [];
            return [
              findingOf(
                this.name,
                context,
                policy,
                `principal ${principal}: ServiceAccount ${account} does not exist`,
              ),
            ];
          }),
        ),
      );
    });
  },
};
