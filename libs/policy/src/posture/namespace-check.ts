import { describeObject } from '../manifest-objects';
import type { PostureCheck, PostureResult } from './posture-check';

/** The app namespace exists, with sidecar injection on and Pod Security `restricted` enforced. */
export const namespaceCheck: PostureCheck = (ctx) => {
  const check = 'namespace';
  const ns = ctx.of('Namespace', null).find((n) => n.metadata.name === ctx.namespace);
  if (!ns)
    return [{ check, status: 'fail', object: `Namespace ${ctx.namespace}`, message: 'does not exist' }];
  const object = describeObject(ns);
  const labels = ns.metadata.labels ?? {};
  const out: PostureResult[] = [];
  const injection = labels['istio-injection'];
  const revision = labels['istio.io/rev'];
  if (injection === 'enabled' || (revision && injection !== 'disabled'))
    out.push({
      check,
      status: 'pass',
      object,
      field: revision && injection !== 'enabled' ? 'labels.istio.io/rev' : 'labels.istio-injection',
      value: revision && injection !== 'enabled' ? revision : 'enabled',
      message: 'sidecar injection on',
    });
  else
    out.push({
      check,
      status: 'fail',
      object,
      field: 'labels.istio-injection',
      value: injection ?? '(unset)',
      message: 'sidecar injection off: new pods get no istio-proxy',
    });
  const enforce = labels['pod-security.kubernetes.io/enforce'];
  out.push({
    check,
    status: enforce === 'restricted' ? 'pass' : 'fail',
    object,
    field: 'labels.pod-security.kubernetes.io/enforce',
    value: enforce ?? '(unset)',
    message:
      enforce === 'restricted'
        ? 'Pod Security restricted enforced'
        : 'Pod Security restricted is not enforced',
  });
  return out;
};
