import { randomBytes } from 'node:crypto';
import type { RenderedObject } from '@ztmesh/manifests';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, renderedObjects, serverUnderTest } from './testing/server';

const server = serverUnderTest();

interface PodTemplateSpec {
  metadata: { labels: Record<string, string> };
  spec: {
    serviceAccountName?: string;
    containers: { name: string; securityContext?: Record<string, unknown> }[];
  };
}

interface DeploymentLike extends RenderedObject {
  readonly spec: { readonly selector: unknown; readonly template: PodTemplateSpec };
}

interface EventList {
  readonly items: readonly {
    reason: string;
    message: string;
    involvedObject: { kind: string; name: string };
  }[];
}

describe.skipIf(server.skipped || !server.controllerManager)(
  'Pod Security admission is on: the shipped namespace labels enforce "restricted" on what ReplicaSets create',
  () => {
    const kubectl = server.kubectl;
    const namespace = `psa-check-${randomBytes(3).toString('hex')}`;

    const api = server.api;
    const events = async () => ({
      items: (await api.list('v1', 'Event', namespace)) as unknown as EventList['items'],
    });

    afterAll(async () => {
      // Its own namespace, named at random: no later suite waits for it to go.
      await api.delete('v1', 'Namespace', namespace);
    });

    it('the backend template creates its pod; the same template made privileged gets FailedCreate naming the rule', async () => {
      const objects = await renderedObjects('k8s/overlays/zero-trust');
      const shipped = objects.find((o) => o.kind === 'Namespace');
      const backend = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'backend') as
        DeploymentLike | undefined;
      const account = objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'backend');
      expect(shipped?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
      if (!shipped || !backend || !account)
        throw new Error('the zero-trust overlay lost its namespace, backend or account');

      // A fresh namespace carrying exactly the shipped namespace's labels, and the backend's ServiceAccount.
      const ns = {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: namespace, labels: shipped.metadata.labels },
      };
      const sa = { ...account, metadata: { ...account.metadata, namespace } };
      await kubectl.ok(
        ['apply', '--server-side', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [ns, sa] }),
      );

      const replicaSet = (name: string, template: PodTemplateSpec) => ({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name, namespace },
        spec: { replicas: 1, selector: backend.spec.selector, template },
      });
      const template = backend.spec.template;
      const privileged: PodTemplateSpec = structuredClone(template);
      const container = privileged.spec.containers[0];
      // The API itself refuses privileged with allowPrivilegeEscalation false, so that one goes.
      const { allowPrivilegeEscalation: _dropped, ...securityContext } = container.securityContext ?? {};
      container.securityContext = { ...securityContext, privileged: true };

      // The API warns at the ReplicaSet already (Pod Security checks pod templates in workloads: warn mode).
      const applied = await kubectl.run(
        ['apply', '--server-side', '-f', '-'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: [replicaSet('as-shipped', template), replicaSet('privileged', privileged)],
        }),
      );
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stderr).toContain('would violate PodSecurity "restricted:latest"');
      expect(applied.stderr).toContain(
        `privileged (container "${container.name}" must not set securityContext.privileged=true)`,
      );

      const failed = await eventually('a FailedCreate event for ReplicaSet privileged', async () => {
        return (await events()).items.find(
          (e) => e.reason === 'FailedCreate' && e.involvedObject.name === 'privileged',
        );
      });
      expect(failed.message).toContain('violates PodSecurity "restricted:latest"');
      expect(failed.message).toContain(
        `privileged (container "${container.name}" must not set securityContext.privileged=true)`,
      );

      // The template as shipped is admitted in the same namespace: it is the privilege that is refused.
      await eventually('ReplicaSet as-shipped created its pod', async () => {
        const pods = await api.list('v1', 'Pod', namespace);
        return pods.find((p) => p.metadata.name.startsWith('as-shipped-'));
      });
      expect(
        (await events()).items.filter(
          (e) => e.reason === 'FailedCreate' && e.involvedObject.name === 'as-shipped',
        ),
      ).toEqual([]);
    });
  },
);
