import { describeObject } from '../manifest-objects';
import type { PostureCheck, PostureResult } from './posture-check';
import { deploymentsOf, podsOf } from './workload-queries';

interface ContainerStatus {
  readonly name: string;
  readonly ready?: boolean;
}
interface PodBody {
  readonly spec?: { readonly initContainers?: ReadonlyArray<{ name: string; restartPolicy?: string }> };
  readonly status?: {
    readonly phase?: string;
    readonly conditions?: ReadonlyArray<{ type: string; status: string }>;
    readonly containerStatuses?: readonly ContainerStatus[];
    readonly initContainerStatuses?: readonly ContainerStatus[];
  };
}

/** The sidecar's container name, classic (a container) or native (an init container that keeps running). */
export const ISTIO_PROXY = 'istio-proxy';

/** Every pod of every Deployment is Ready, with its istio-proxy ready; a Deployment with no pod fails. */
export const podsReadyCheck: PostureCheck = (ctx) => {
  const check = 'pods ready';
  const out: PostureResult[] = [];
  for (const deployment of deploymentsOf(ctx)) {
    const replicas = (deployment.spec as { replicas?: number } | undefined)?.replicas ?? 1;
    const pods = podsOf(ctx, deployment);
    if (pods.length === 0 && replicas > 0) {
      out.push({
        check,
        status: 'fail',
        object: describeObject(deployment),
        field: 'spec.replicas',
        value: String(replicas),
        message: 'no pod is running',
      });
      continue;
    }
    for (const pod of pods) {
      const body = pod as unknown as PodBody;
      const statuses = body.status?.containerStatuses ?? [];
      const ready = body.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      const nativeSidecar = body.spec?.initContainers?.some(
        (c) => c.name === ISTIO_PROXY && c.restartPolicy === 'Always',
      );
      const proxy = [...statuses, ...(nativeSidecar ? (body.status?.initContainerStatuses ?? []) : [])].find(
        (c) => c.name === ISTIO_PROXY,
      );
      const total = statuses.length + (nativeSidecar ? 1 : 0);
      const readyCount = statuses.filter((c) => c.ready).length + (nativeSidecar && proxy?.ready ? 1 : 0);
      const value = `${readyCount}/${total} ready, phase ${body.status?.phase ?? '(none)'}`;
      const object = describeObject(pod);
      if (!proxy)
        out.push({
          check,
          status: 'fail',
          object,
          field: 'status.containerStatuses',
          value,
          message: 'no istio-proxy: the sidecar was not injected',
        });
      else if (!proxy.ready)
        out.push({
          check,
          status: 'fail',
          object,
          field: `status.containerStatuses[${ISTIO_PROXY}].ready`,
          value,
          message: 'istio-proxy is not ready',
        });
      else if (!ready)
        out.push({
          check,
          status: 'fail',
          object,
          field: 'status.conditions[Ready]',
          value,
          message: 'pod is not Ready',
        });
      else
        out.push({
          check,
          status: 'pass',
          object,
          field: 'status.conditions[Ready]',
          value,
          message: 'Ready, istio-proxy ready',
        });
    }
  }
  return out;
};
