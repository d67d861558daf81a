import { join } from 'node:path';
import { CRD_GROUPS, type RenderedObject } from '@ztmesh/manifests';
import { apiGroup, describeObject } from '@ztmesh/policy';
import { REPO_ROOT } from '@ztmesh/test-support';
import { describe, expect, it } from 'vitest';
import { eventually, renderedObjects, serverUnderTest, TARGETS } from './testing/server';

const server = serverUnderTest();
const api = server.api;

/** The object as the server has it now, or undefined. */
const read = (o: RenderedObject) => api.get(o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace);

/** An object without what a no-op write may still differ in: its write bookkeeping and the controllers' status. */
function comparable(object: { metadata?: object; status?: unknown } | undefined): unknown {
  if (!object) return object;
  const { status: _status, ...rest } = object as Record<string, unknown>;
  const {
    managedFields: _managed,
    resourceVersion: _version,
    ...metadata
  } = (object.metadata ?? {}) as Record<string, unknown>;
  return { ...rest, metadata };
}
const FIELD_MANAGER = 'ztmesh-api-server-checks';
const APPLY = ['apply', '--server-side', '--validate=strict', `--field-manager=${FIELD_MANAGER}`];

interface LiveObject extends RenderedObject {
  readonly metadata: RenderedObject['metadata'] & {
    readonly generation?: number;
    readonly uid: string;
    readonly managedFields?: readonly {
      manager: string;
      operation: string;
      time: string;
      fieldsV1: unknown;
    }[];
    readonly ownerReferences?: readonly { kind: string; name: string; uid: string }[];
  };
  readonly spec?: { readonly replicas?: number };
  readonly status?: { readonly replicas?: number };
}

/** What a no-op apply leaves untouched: each object's generation and this field manager's Apply entry. */
function applyRecord(items: readonly LiveObject[]): Record<string, unknown> {
  return Object.fromEntries(
    items.map((item) => [
      describeObject(item),
      {
        generation: item.metadata.generation,
        applied: item.metadata.managedFields?.find(
          (m) => m.manager === FIELD_MANAGER && m.operation === 'Apply',
        ),
      },
    ]),
  );
}

const KUSTOMIZE_SORT_NOTICE =
  /Warning: Sorting order is set both in 'kustomization\.yaml' \('sortOptions'\) and in a CLI flag \('--reorder'\)\. Using the kustomization file over the CLI flag\.$/;

describe.skipIf(server.skipped)(
  'every kustomization on a real API server (server-side apply, strict fields)',
  () => {
    const kubectl = server.kubectl;

    it.each(TARGETS)(
      '%s: applies first time with no error or warning, re-applies as a no-op, its ReplicaSets create all their pods, delete leaves nothing',
      async (target) => {
        const dir = join(REPO_ROOT, target);
        const objects = await renderedObjects(target);
        const rendered = objects.map(describeObject).sort();
        if (!server.crdFiles && objects.some((o) => CRD_GROUPS.includes(apiGroup(o.apiVersion)))) {
          console.warn(`SKIPPED: ${target}: it holds Istio or Calico objects and no CRDs are installed`);
          return;
        }

        // The platform's namespaces (istio-system for the egress gateway's policies) exist on any cluster that runs
        // Istio; a target only adds objects to them, so they are created here, outside the target, and kept.
        const defined = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
        for (const namespace of new Set(
          objects.map((o) => o.metadata.namespace).filter((ns) => ns !== undefined),
        )) {
          if (defined.has(namespace) || (await api.get('v1', 'Namespace', namespace))) continue;
          await api.apply(
            { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
            { fieldManager: 'ztmesh-test-platform' },
          );
        }

        // The first apply is kubectl's own (`kubectl apply --server-side -k`, what a user runs); every later step
        // talks to the API in-process (no kubectl start, no second kustomize render per step).
        const first = await kubectl.run([...APPLY, '-k', dir]);
        // kubectl's built-in kustomize always passes its own --reorder default, so every overlay with sortOptions
        // gets this one notice (it keeps the kustomization's order, as it says); anything else is a real warning.
        const warnings = first.stderr
          .split('\n')
          .filter((line) => line !== '' && !KUSTOMIZE_SORT_NOTICE.test(line));
        expect(warnings, `first apply of ${target}`).toEqual([]);
        expect(first.code).toBe(0);
        const live = (await Promise.all(objects.map(read))) as LiveObject[];
        expect(live.map((o) => (o ? describeObject(o) : 'missing')).sort()).toEqual(rendered);

        // Second apply: it changes nothing (the server's answer is the object as it was, what `kubectl diff
        // --server-side` would show as no difference) and writes no object again (generation and this manager's
        // Apply entry, with its time, unchanged).
        const before = (await Promise.all(objects.map(read))) as LiveObject[];
        const again = await Promise.all(objects.map((o) => api.apply(o, { fieldManager: FIELD_MANAGER })));
        expect(again.flatMap((a) => a.warnings)).toEqual([]);
        expect(
          again.map(({ object }) => comparable(object)),
          `what re-applying ${target} left`,
        ).toEqual(before.map(comparable));
        expect(applyRecord(again.map((a) => a.object as LiveObject))).toEqual(applyRecord(live));

        // Admission: the controller-manager's ReplicaSets create every pod (Pending: no scheduler, no kubelet).
        const deployments = objects.filter((o) => o.kind === 'Deployment');
        if (server.controllerManager) {
          await Promise.all(
            deployments.map((deployment) => {
              const namespace = deployment.metadata.namespace ?? 'default';
              const want = (deployment as LiveObject).spec?.replicas ?? 1;
              return eventually(
                `Deployment ${namespace}/${deployment.metadata.name} has ${want} pods`,
                async () => {
                  const sets = (await api.list('apps/v1', 'ReplicaSet', namespace)) as LiveObject[];
                  const set = sets.find((rs) =>
                    rs.metadata.ownerReferences?.some(
                      (o) => o.kind === 'Deployment' && o.name === deployment.metadata.name,
                    ),
                  );
                  if (!set || set.status?.replicas !== want) return undefined;
                  const pods = (await api.list('v1', 'Pod', namespace)) as LiveObject[];
                  const owned = pods.filter((pod) =>
                    pod.metadata.ownerReferences?.some((o) => o.uid === set.metadata.uid),
                  );
                  return owned.length === want ? owned : undefined;
                },
              );
            }),
          );
          const namespaces = [...new Set(deployments.map((d) => d.metadata.namespace ?? 'default'))];
          for (const namespace of namespaces) {
            const events = (await api.list('v1', 'Event', namespace)) as unknown as readonly {
              reason?: string;
              message: string;
              involvedObject: { name: string };
            }[];
            expect(
              events
                .filter((e) => e.reason === 'FailedCreate')
                .map((e) => `${e.involvedObject.name}: ${e.message}`),
            ).toEqual([]);
          }
        } else {
          console.warn(`SKIPPED: pod creation of ${target}: no kube-controller-manager in the binaries used`);
        }

        // Delete: every object goes, the namespace too (finalized by the controller-manager's namespace controller);
        // without a controller-manager a namespace stays Terminating, so only namespaces may be left then.
        await Promise.all(
          objects.map((o) => api.delete(o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace)),
        );
        const leftover = async () =>
          ((await Promise.all(objects.map(read))).filter((o) => o !== undefined) as LiveObject[])
            .filter((o) => !(o.kind === 'Namespace' && !server.controllerManager))
            .map(describeObject);
        await eventually(
          `every object of ${target} gone`,
          async () => ((await leftover()).length === 0 ? true : undefined),
          90_000,
        ).catch(async (error: Error) => {
          expect(await leftover(), `left after deleting ${target}`).toEqual([]);
          throw error;
        });
      },
    );
  },
);
