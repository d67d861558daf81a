import { describeObject } from '../manifest-objects';
import type { PostureCheck, PostureResult } from './posture-check';
import { deploymentsOf, serviceAccountOf, templateOf } from './workload-queries';

/** Each Deployment runs under its own, existing ServiceAccount (the identity both layers allow by). */
export const serviceAccountsCheck: PostureCheck = (ctx) => {
  const check = 'own ServiceAccount';
  const deployments = deploymentsOf(ctx);
  const accounts = new Set(ctx.of('ServiceAccount', ctx.namespace, '').map((sa) => sa.metadata.name));
  const users = new Map<string, string[]>();
  for (const d of deployments) {
    const sa = serviceAccountOf(templateOf(d).spec);
    users.set(sa, [...(users.get(sa) ?? []), d.metadata.name ?? '']);
  }
  return deployments.map((d): PostureResult => {
    const sa = serviceAccountOf(templateOf(d).spec);
    const base = {
      check,
      object: describeObject(d),
      field: 'spec.template.spec.serviceAccountName',
      value: sa,
    };
    const others = (users.get(sa) ?? []).filter((name) => name !== d.metadata.name);
    if (sa === 'default')
      return { ...base, status: 'fail', message: "runs as the namespace's default ServiceAccount" };
    if (others.length)
      return { ...base, status: 'fail', message: `shares its ServiceAccount with ${others.join(', ')}` };
    if (!accounts.has(sa)) return { ...base, status: 'fail', message: 'the ServiceAccount does not exist' };
    return { ...base, status: 'pass', message: 'its own ServiceAccount' };
  });
};
