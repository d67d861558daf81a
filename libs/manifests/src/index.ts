export { authorizationPathRequests } from './routes/authorization-path-requests';
export { type RouteObserver } from './routes/route-observer';
export { probeRequests, type RouteRequest, type RouteRequestProvider } from './routes/route-requests';
export { applyOrderCheck, policyTier } from './checks/apply-order';
export { AUTHORIZATION_PATH_USE, authorizationPathsCheck } from './checks/authz-paths';
export {
  findingOf,
  type CheckContext,
  type CrossCheck,
  type ExternalServiceAccount,
  type ExternalWorkload,
  type Finding,
  type RouteObservation,
  type SkaffoldArtifact,
} from './checks/cross-check';
export { CROSS_CHECKS } from './checks/cross-checks';
export { authorizationPrincipalsCheck, principalServiceAccount } from './checks/authz-principals';
export { calicoServiceAccountsCheck } from './checks/calico-service-accounts';
export { durationMs, idleTimeoutCheck, ISTIO_DEFAULT_IDLE_TIMEOUT_MS } from './checks/idle-timeout';
export { imageName, imagesCheck } from './checks/images';
export { gatewayHostsCheck } from './checks/gateway-hosts';
export { meshHostsCheck } from './checks/mesh-hosts';
export { serviceForHost } from './checks/object-queries';
export { policyPortsCheck } from './checks/policy-ports';
export { ISTIO_PROXY_UID, podSecurityCheck, podSecurityViolations } from './checks/pod-security';
export {
  allContainers,
  envValue,
  findContainerPort,
  podTemplates,
  type PodTemplate,
} from './checks/pod-templates';
export { portNamingCheck } from './checks/port-naming';
export { portReferencesCheck, PROBE_FIELDS, probePort } from './checks/port-references';
export { probeRoutesCheck } from './checks/probe-routes';
export {
  DEPRECATED_KUSTOMIZE_FIELDS,
  kustomizationFindings,
  type KustomizationFile,
} from './checks/kustomizations';
export { serviceAccountsCheck } from './checks/service-accounts';
export { CALICO_DEFAULT_TIER_ORDER, CALICO_KUBE_ADMIN_TIER_ORDER, tierOrderCheck } from './checks/tier-order';
export {
  ISTIO_DEFAULT_TERMINATION_DRAIN_MS,
  SHUTDOWN_MARGIN_MS,
  shutdownBudget,
  shutdownBudgetCheck,
  type ShutdownBudget,
} from './checks/shutdown-budget';
export {
  skaffoldDeployments,
  skaffoldReferenceFindings,
  type SkaffoldDeployment,
  type SkaffoldManifestsDocument,
} from './checks/skaffold-references';
export { formatLabels, serviceSelectorsCheck } from './checks/service-selectors';
export { quantity, serviceEnvNumber, workloadHygieneCheck } from './checks/workload-hygiene';
export { envoyFilterOrderCheck, ISTIO_AUTHORIZATION_FILTER } from './checks/envoyfilter-order';
export { filesUnder } from './files-under';
export { strictManifestObjects } from './strict-manifest-objects';
export {
  manifestFilesUnder,
  MAX_INPUT_BYTES,
  readManifestFile,
  tooLarge,
  type ReadManifestOptions,
} from './read/read-manifest-files';
export { type RenderedObject, type SourcedObject } from './rendered-object';
export {
  findKubectl,
  isKustomizationDir,
  renderKustomization,
  type RenderOptions,
} from './render/render-kustomization';
export { createCoreSchemaValidator, type CoreSchemaValidator } from './schemas/core-schema-validator';
export {
  createCrdSchemaValidator,
  loadCrdSchemas,
  type CrdSchemaValidator,
} from './schemas/crd-schema-validator';
export { makeStrictSchema, type JsonSchema } from './schemas/make-strict-schema';
export {
  fetchUpstreamSchemas,
  SchemaFetchError,
  type FetchUpstreamSchemasOptions,
} from './schemas/fetch-upstream-schemas';
export {
  findUpstreamSchemas,
  sha256Of,
  UPSTREAM_SCHEMA_FILES,
  upstreamSchemasCacheDir,
  type FindUpstreamSchemasOptions,
  type SchemasLookup,
  type SchemasSource,
  type UpstreamSchemaFile,
} from './schemas/upstream-schemas';
export {
  createSkaffoldSchemaValidator,
  type SkaffoldSchemaValidator,
} from './schemas/skaffold-schema-validator';
export {
  CRD_GROUPS,
  artifactDockerfile,
  collectKustomizations,
  discoverTargets,
  SKAFFOLD_API_VERSION,
  SKAFFOLD_SCHEMA_FILE,
  type RawArtifact,
  validateRepo,
  type TargetSummary,
  type ValidateRepoOptions,
  type ValidationReport,
} from './validate-repo';
export {
  DEFAULT_FLOWS_FILE,
  readWellKnownPeers,
  wellKnownPeers,
  type WellKnownPeers,
} from './well-known-peers';
export { formatReport, reportPassed, type ReportOptions } from './format-report';
