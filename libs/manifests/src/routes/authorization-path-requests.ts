import { describeObject, matchesLabelSelector } from '@ztmesh/policy';
import { AUTHORIZATION_PATH_USE } from '../checks/authz-paths';
import { findContainerPort } from '../checks/pod-templates';
import { serviceEnvNumber } from '../checks/workload-hygiene';
import { type RenderedObject } from '../rendered-object';
import type { RouteRequestProvider } from './route-requests';

interface AuthorizationPolicySpec {
  action?: string;
  selector?: { matchLabels?: Record<string, string> };
  rules?: { to?: { operation?: { methods?: string[]; paths?: string[]; ports?: string[] } }[] }[];
}

/**
 * Requests for the exact paths that ALLOW AuthorizationPolicies among `objects` grant to GET or HEAD, against
 * the containers of the pods each policy selects (its own namespace), on the policy's ports or, when it names
 * none, on every container port but the metrics port. Wildcard paths and other methods are not requested.
 */
export function authorizationPathRequests(objects: readonly RenderedObject[]): RouteRequestProvider {
  const policies = objects.filter(
    (object) => object.kind === 'AuthorizationPolicy' && object.apiVersion.startsWith('security.istio.io/'),
  );
  return (template, container) =>
    policies.flatMap((policy) => {
      const spec = (policy.spec ?? {}) as AuthorizationPolicySpec;
      if (
        (spec.action ?? 'ALLOW') !== 'ALLOW' ||
        (policy.metadata.namespace ?? 'default') !== template.namespace
      ) {
        return [];
      }
      if (spec.selector && !matchesLabelSelector({ matchLabels: spec.selector.matchLabels }, template.labels))
        return [];
      const metricsPort = serviceEnvNumber(container, 'METRICS_PORT');
      return (spec.rules ?? []).flatMap((rule) =>
        (rule.to ?? []).flatMap(({ operation }) => {
          const methods = operation?.methods;
          if (
            !operation?.paths ||
            (methods && !methods.some((method) => method === 'GET' || method === 'HEAD'))
          ) {
            return [];
          }
          const ports = operation.ports
            ? operation.ports.map(Number).filter((port) => findContainerPort(container, port) !== undefined)
            : (container.ports ?? [])
                .map((port) => port.containerPort)
                .filter((port) => port !== metricsPort);
          return operation.paths
            .filter((path) => !path.includes('*'))
            .flatMap((path) =>
              ports.map((port) => ({
                use: AUTHORIZATION_PATH_USE,
                path,
                port,
                owner: describeObject(policy),
              })),
            );
        }),
      );
    });
}
