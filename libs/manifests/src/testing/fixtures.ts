import { join } from 'node:path';
import type { RenderedObject } from '../rendered-object';
import { readWellKnownPeers } from '../well-known-peers';

/** The well-known peers of this repository's k8s/flows.yaml: what `ztctl validate` gives the checks here. */
export const REPO_PEERS = readWellKnownPeers(join(__dirname, '..', '..', '..', '..'));

/** A fixture object as tests mutate it: any field, any depth (fixtures are broken on purpose). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = Record<string, any>;

/** A container as the base writes them: restricted security, requests and limits, probes on named ports. */
function appContainer(name: string, port: number): Record<string, unknown> {
  return {
    name,
    image: `ztmesh/${name}`,
    ports: [
      { name: 'http', containerPort: port },
      { name: 'http-metrics', containerPort: 9464 },
    ],
    env: [
      { name: 'PORT', value: String(port) },
      { name: 'METRICS_PORT', value: '9464' },
    ],
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    startupProbe: { httpGet: { path: '/ready', port: 'http' } },
    readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
    livenessProbe: { httpGet: { path: '/health', port: 'http' } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
  };
}

/**
 * A small, valid app for table-driven check tests: namespace, ServiceAccount, Service, Deployment and
 * PodDisruptionBudget of `name`. Each call returns fresh objects, so a test may mutate them.
 */
export function appFixture(name = 'backend', port = 5000): RenderedObject[] {
  const labels = { app: name, version: 'v1' };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'webapp' } },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, namespace: 'webapp' },
      automountServiceAccountToken: false,
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'webapp' },
      spec: {
        selector: { app: name },
        ports: [{ name: 'http', port, targetPort: 'http', appProtocol: 'http' }],
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'webapp', labels },
      spec: {
        selector: { matchLabels: { app: name } },
        template: {
          metadata: {
            labels,
            annotations: {
              'prometheus.io/scrape': 'true',
              'prometheus.io/port': '9464',
              'prometheus.io/path': '/metrics',
            },
          },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 30,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 10001,
              runAsGroup: 10001,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [appContainer(name, port)],
          },
        },
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name, namespace: 'webapp' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: name } } },
    },
  ] as unknown as RenderedObject[];
}

/** The object of `kind` (and `name`, when given) in `objects`, typed loosely so tests can mutate it. */
export function pick(objects: readonly RenderedObject[], kind: string, name?: string): Loose {
  const found = objects.find(
    (object) => object.kind === kind && (name === undefined || object.metadata.name === name),
  );
  if (!found) throw new Error(`fixture has no ${kind}${name ? ` ${name}` : ''}`);
  return found as Loose;
}

/** The first container of the first Deployment in `objects`. */
export function firstContainer(objects: readonly RenderedObject[]): Loose {
  return pick(objects, 'Deployment').spec.template.spec.containers[0];
}

/** The pod spec of the first Deployment in `objects`. */
export function podSpec(objects: readonly RenderedObject[]): Loose {
  return pick(objects, 'Deployment').spec.template.spec;
}

/** An AuthorizationPolicy letting anyone `GET` `paths` of the backend fixture on its port 5000. */
export function backendGetPolicy(paths: readonly string[]): RenderedObject {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: 'backend', namespace: 'webapp' },
    spec: {
      selector: { matchLabels: { app: 'backend' } },
      rules: [{ to: [{ operation: { methods: ['GET'], paths: [...paths], ports: ['5000'] } }] }],
    },
  };
}
