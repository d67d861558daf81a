export { asManifestObject } from './as-manifest-object';
export {
  createKubeClient,
  type KubeClient,
  type KubeClientOptions,
  type LiveObject,
} from './create-kube-client';
export { KubeError, type KubeErrorKind } from './kube-error';
export {
  readCluster,
  VERIFY_READS,
  type ClusterSnapshot,
  type ReadClusterOptions,
  type ReadKind,
} from './read-cluster';
