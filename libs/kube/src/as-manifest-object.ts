import type { ManifestObject } from '@ztmesh/policy';
import type { LiveObject } from './create-kube-client';

/**
 * A live object as the analyzer and the posture checks read objects: what the owner wrote (metadata name,
 * namespace, labels, annotations, owners; spec and the rest) plus status, without what the server keeps for
 * itself (uid, resourceVersion, managedFields, timestamps). Its source names the cluster, not a file.
 */
export function asManifestObject(live: LiveObject, cluster: string): ManifestObject {
  const { metadata, ...rest } = live;
  const { name, namespace, labels, annotations, ownerReferences } = metadata;
  return {
    ...rest,
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
      ...(ownerReferences ? { ownerReferences } : {}),
    },
    source: { file: cluster, line: 0 },
  };
}
