import { calicoServiceAccountLabels } from '@ztmesh/policy';
import type { RenderedObject } from '../rendered-object';
import type { CheckContext } from './cross-check';

/** The spec fields of a Service the checks read. */
export interface ServiceSpec {
  selector?: Record<string, string>;
  ports?: { name?: string; port: number; targetPort?: string | number }[];
}

/** The objects of `kind` (and API `group`, when given) in the context. */
export function ofKind(
  context: Pick<CheckContext, 'objects'>,
  kind: string,
  group?: string,
): RenderedObject[] {
  return context.objects.filter(
    (object) => object.kind === kind && (group === undefined || object.apiVersion.startsWith(`${group}/`)),
  );
}

/** The object's namespace (`default` when it sets none). */
export function namespaceOf(object: RenderedObject): string {
  return object.metadata.namespace ?? 'default';
}

/** The rendered ServiceAccounts by `namespace/name` (the context's external ones left out). */
export function renderedServiceAccounts(context: Pick<CheckContext, 'objects'>): Map<string, RenderedObject> {
  return new Map(
    ofKind(context, 'ServiceAccount').map((account) => [
      `${namespaceOf(account)}/${account.metadata.name}`,
      account,
    ]),
  );
}

/**
 * ServiceAccounts that exist, as `namespace/name` -> labels (with Calico's `projectcalico.org/name`): the
 * rendered ones plus the context's external ones.
 */
export function existingServiceAccounts(
  context: Pick<CheckContext, 'objects' | 'externalServiceAccounts'>,
): Map<string, Readonly<Record<string, string>>> {
  const accounts = new Map<string, Readonly<Record<string, string>>>();
  for (const account of ofKind(context, 'ServiceAccount')) {
    accounts.set(
      `${namespaceOf(account)}/${account.metadata.name}`,
      calicoServiceAccountLabels(account.metadata.name, account.metadata.labels ?? {}),
    );
  }
  for (const account of context.externalServiceAccounts) {
    accounts.set(`${account.namespace}/${account.name}`, calicoServiceAccountLabels(account.name, {}));
  }
  return accounts;
}

/** The Service a mesh host names (`x`, `x.ns`, `x.ns.svc`, `x.ns.svc.cluster.local`), seen from `namespace`. */
export function serviceForHost(
  host: string,
  namespace: string,
  services: readonly RenderedObject[],
): RenderedObject | undefined {
  const parts = host.split('.');
  const [name, hostNamespace] = [parts[0], parts[1] ?? namespace];
  if (
    parts.length > 2 &&
    parts.slice(2).join('.') !== 'svc' &&
    parts.slice(2).join('.') !== 'svc.cluster.local'
  )
    return undefined;
  return services.find((service) => service.metadata.name === name && namespaceOf(service) === hostNamespace);
}
