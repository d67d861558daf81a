import { analyze } from '../analyze';
import { peerWorkloads } from '../flow-graph';
import { ISTIO_ROOT_NAMESPACE } from '../istio-match';
import { authorizationCheck } from './authorization-check';
import { calicoDefaultDenyCheck, kubernetesDefaultDenyCheck } from './default-deny-check';
import { driftCheck } from './drift-check';
import { mtlsCheck } from './mtls-check';
import { namespaceCheck } from './namespace-check';
import { podsReadyCheck } from './pods-ready-check';
import { apiGroup } from '../manifest-objects';
import {
  type PostureCheck,
  type PostureContext,
  type PostureInput,
  type PostureResult,
} from './posture-check';
import { serviceAccountsCheck } from './service-accounts-check';

/** The posture checks in the order verify reports them. */
export const POSTURE_CHECKS: readonly PostureCheck[] = [
  namespaceCheck,
  podsReadyCheck,
  mtlsCheck,
  kubernetesDefaultDenyCheck,
  calicoDefaultDenyCheck,
  serviceAccountsCheck,
  authorizationCheck,
  driftCheck,
];

/** The context every check reads: the input plus the analyzer's model of the live objects (pods left out). */
export function postureContext(input: PostureInput): PostureContext {
  const rootNamespace = input.rootNamespace ?? ISTIO_ROOT_NAMESPACE;
  const peers = peerWorkloads(input.graph);
  const analysis = analyze(
    input.objects.filter((o) => o.kind !== 'Pod'),
    {
      defaultNamespace: input.namespace,
      allowUnknownKinds: true,
      extraWorkloads: peers.workloads,
      extraNamespaces: peers.namespaces,
      istio: { rootNamespace, trustDomain: input.graph.document.trustDomain },
    },
  );
  return {
    ...input,
    rootNamespace,
    identityTier: input.identityTier ?? 'ztmesh-identity',
    analysis,
    of: (kind, namespace, group) =>
      input.objects.filter(
        (o) =>
          o.kind === kind &&
          (group === undefined || apiGroup(o.apiVersion) === group) &&
          (namespace === undefined ||
            (namespace === null ? !o.metadata.namespace : o.metadata.namespace === namespace)),
      ),
  };
}

/** Runs every posture check on the live objects. Pure: the caller reads the cluster. */
export function runPosture(
  input: PostureInput,
  checks: readonly PostureCheck[] = POSTURE_CHECKS,
): PostureResult[] {
  const context = postureContext(input);
  return checks.flatMap((check) => check(context));
}
