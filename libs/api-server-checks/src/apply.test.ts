import { join } from 'node:path';
import { apiGroup, CRD_GROUPS, type ManifestObject } from '@ztmesh/manifests';
import { REPO_ROOT } from '@ztmesh/test-support';
import { describe, expect, it } from 'vitest';
import { eventually, objectRef, renderedObjects, serverUnderTest, TARGETS } from './testing/server';

const server = serverUnderTest();
const FIELD_MANAGER = 'ztmesh-api-server-checks';
const APPLY = ['apply', '--server-side', '--validate=strict', `--field-manager=${FIELD_MANAGER}`];

interface LiveObject extends ManifestObject {
  readonly metadata: ManifestObject['metadata'] & {
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

interface LiveList<T = LiveObject> {
  readonly items: readonly T[];
}

/** What a no-op apply leaves untouched: each object's generation and this field manager's Apply entry. */
function applyRecord(items: readonly LiveObject[]): Record<string, unknown> {
  return Object.fromEntries(
    items.map((item) => [
      objectRef(item),
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
        const rendered = objects.map(objectRef).sort();
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
          if (defined.has(namespace)) continue;
          const present = await kubectl.run(['get', 'namespace', namespace]);
          if (present.code !== 0) await kubectl.ok(['create', 'namespace', namespace]);
        }

        const first = await kubectl.run([...APPLY, '-k', dir]);
        // kubectl's built-in kustomize always passes its own --reorder default, so every overlay with sortOptions
        // gets this one notice (it keeps the kustomization's order, as it says); anything else is a real warning.
        const warnings = first.stderr
          .split('\n')
          .filter((line) => line !== '' && !KUSTOMIZE_SORT_NOTICE.test(line));
        expect(warnings, `first apply of ${target}`).toEqual([]);
        expect(first.code).toBe(0);
        const live = await kubectl.json<LiveList>(['get', '-k', dir]);
        expect(live.items.map(objectRef).sort()).toEqual(rendered);

        // Second apply: nothing to change (kubectl diff agrees), and no object was written again.
        await kubectl.ok([...APPLY, '-k', dir]);
        const diff = await kubectl.run([
          'diff',
          '--server-side',
          `--field-manager=${FIELD_MANAGER}`,
          '-k',
          dir,
        ]);
        expect(diff.stdout, `kubectl diff after re-applying ${target}`).toBe('');
        expect(diff.code).toBe(0);
        const again = await kubectl.json<LiveList>(['get', '-k', dir]);
        expect(applyRecord(again.items)).toEqual(applyRecord(live.items));

        // Admission: the controller-manager's ReplicaSets create every pod (Pending: no scheduler, no kubelet).
        const deployments = objects.filter((o) => o.kind === 'Deployment');
        if (server.controllerManager) {
          for (const deployment of deployments) {
            const namespace = deployment.metadata.namespace ?? 'default';
            const want = (deployment as LiveObject).spec?.replicas ?? 1;
            await eventually(
              `Deployment ${namespace}/${deployment.metadata.name} has ${want} pods`,
              async () => {
                const sets = await kubectl.json<LiveList>(['get', 'replicasets', '-n', namespace]);
                const set = sets.items.find((rs) =>
                  rs.metadata.ownerReferences?.some(
                    (o) => o.kind === 'Deployment' && o.name === deployment.metadata.name,
                  ),
                );
                if (!set || set.status?.replicas !== want) return undefined;
                const pods = await kubectl.json<LiveList>(['get', 'pods', '-n', namespace]);
                const owned = pods.items.filter((pod) =>
                  pod.metadata.ownerReferences?.some((o) => o.uid === set.metadata.uid),
                );
                return owned.length === want ? owned : undefined;
              },
            );
          }
          const namespaces = [...new Set(deployments.map((d) => d.metadata.namespace ?? 'default'))];
          for (const namespace of namespaces) {
            const failed = await kubectl.json<
              LiveList<{ message: string; involvedObject: { name: string } }>
            >(['get', 'events', '-n', namespace, '--field-selector=reason=FailedCreate']);
            expect(failed.items.map((e) => `${e.involvedObject.name}: ${e.message}`)).toEqual([]);
          }
        } else {
          console.warn(`SKIPPED: pod creation of ${target}: no kube-controller-manager in the binaries used`);
        }

        // Delete: every object goes, the namespace too (finalized by the controller-manager's namespace controller).
        await kubectl.ok(['delete', '-k', dir, `--wait=${server.controllerManager}`, '--timeout=90s']);
        const left = await kubectl.ok(['get', '-k', dir, '--ignore-not-found', '-o', 'name']);
        const leftover = left
          .split('\n')
          .filter((line) => line && !(line.startsWith('namespace/') && !server.controllerManager));
        expect(leftover, `left after deleting ${target}`).toEqual([]);
      },
    );
  },
);
