export { analyze, IGNORED_KINDS, type Analysis, type AnalyzeOptions, type Connection } from './analyze';
export {
  CalicoSelectorError,
  matchesCalicoSelector,
  parseCalicoSelector,
  type CalicoSelector,
} from './calico-selector';
export { ConnSet, PROTOCOLS, type Protocol } from './conn-set';
export { formatConnlist } from './connlist';
export { calicoNamespaceLabels, calicoServiceAccountLabels, type Endpoint } from './endpoints';
export type { CompiledPolicy, CompiledRule } from './network-policies';
export type { SelectionHints } from './endpoint-index';
export {
  CALICO_POLICY_KINDS,
  createPolicySelection,
  isCalicoPolicy,
  type EndpointMatch,
  type PolicySelection,
  type PolicySelectionOptions,
} from './policy-selection';
export {
  SIDECAR_LISTEN_PORTS,
  SIDECAR_LISTENERS,
  SIDECAR_PORTS,
  type SidecarListener,
} from './sidecar-listeners';
export type { AnalysisFinding } from './findings';
export { formatIpRange, parseCidr, type IpRange } from './ip-set';
export { ISTIO_ROOT_NAMESPACE, istioPolicyApplies } from './istio-match';
export {
  IstioLayer,
  patternCovers,
  patternsIntersect,
  type HttpRequestSet,
  type IstioVerdict,
  type MtlsMode,
} from './istio-policies';
export {
  matchesLabelSelector,
  validateLabelSelector,
  type LabelSelector,
  type Labels,
} from './label-selector';
export {
  apiGroup,
  describeObject,
  ManifestError,
  parseManifests,
  type KubeObject,
  type ManifestObject,
  type ObjectMeta,
  type SourceRef,
} from './manifest-objects';
export { MESH_DEFAULT_OUTBOUND_MODE, SidecarEgress, type EgressVerdict } from './sidecar-egress';
export {
  extractNamespaces,
  extractWorkloads,
  slimForAnalysis,
  type ContainerPort,
  type NamespaceInfo,
  type Workload,
} from './workloads';
export {
  diffFlows,
  PROBE_NAMESPACE,
  type DeclaredFlowStatus,
  type FlowDiff,
  type OverPermission,
  type ProbeResult,
} from './flow-diff';
export {
  FlowGraphSchema,
  FlowSchema,
  choosePlacement,
  PeerSchema,
  ProbeSchema,
  flowPorts,
  parseFlowGraph,
  peerWorkloads,
  resolveRef,
  type FlowGraph,
  type FlowGraphDocument,
  type Placement,
} from './flow-graph';
export { connectionsToMermaid, flowGraphToMermaid } from './mermaid';
export {
  type PostureCheck,
  type PostureContext,
  type PostureInput,
  type PostureResult,
  type PostureStatus,
} from './posture/posture-check';
export { POSTURE_CHECKS, postureContext, runPosture } from './posture/run-posture';
export { DRIFT_KINDS, driftCheck, firstDifference } from './posture/drift-check';
export { ISTIO_PROXY, podsReadyCheck } from './posture/pods-ready-check';
export { PROBE_POD_LABEL, serviceAccountOf, templateOf } from './posture/workload-queries';
