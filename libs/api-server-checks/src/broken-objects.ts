/**
 * Deliberately broken objects, each a valid object and one break: what a real API server must refuse (strict field
 * validation, OpenAPI enums, the CRDs' CEL rules) and what `ztctl validate` should refuse offline.
 */
export interface BrokenObject {
  /** kebab-case: also the file the offline run reads. */
  readonly name: string;
  /** The valid object (the server accepts it: the break alone is refused). */
  readonly valid: Record<string, unknown>;
  /** The same object, broken. */
  readonly broken: Record<string, unknown>;
  /** What the server's refusal says. */
  readonly server: RegExp;
  /** What the offline refusal (`ztctl validate`: schema or CEL check) says. */
  readonly offline: RegExp;
}

const meta = (name: string) => ({ name, namespace: 'NAMESPACE' });

const peerAuthentication = {
  apiVersion: 'security.istio.io/v1',
  kind: 'PeerAuthentication',
  metadata: meta('broken-check'),
  spec: { selector: { matchLabels: { app: 'backend' } }, mtls: { mode: 'STRICT' } },
};
const authorizationPolicy = {
  apiVersion: 'security.istio.io/v1',
  kind: 'AuthorizationPolicy',
  metadata: meta('broken-check'),
  spec: {
    selector: { matchLabels: { app: 'backend' } },
    action: 'ALLOW',
    rules: [{ from: [{ source: { principals: ['cluster.local/ns/webapp/sa/frontend'] } }] }],
  },
};
const destinationRule = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: meta('broken-check'),
  spec: {
    host: 'backend.webapp.svc.cluster.local',
    trafficPolicy: { connectionPool: { tcp: { connectTimeout: '5s' } } },
  },
};
const calicoPolicy = {
  apiVersion: 'projectcalico.org/v3',
  kind: 'NetworkPolicy',
  metadata: meta('default.broken-check'),
  spec: {
    tier: 'default',
    selector: "app == 'backend'",
    types: ['Ingress'],
    ingress: [{ action: 'Allow', protocol: 'ICMP', icmp: { type: 8, code: 0 } }],
  },
};
const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: meta('broken-check'),
  spec: {
    type: 'ClusterIP',
    selector: { app: 'backend' },
    ports: [{ name: 'http', port: 80, targetPort: 'http' }],
  },
};
const networkPolicy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: meta('broken-check'),
  spec: { podSelector: {}, policyTypes: ['Ingress'] },
};
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: meta('broken-check'),
  spec: {
    selector: { matchLabels: { app: 'broken-check' } },
    template: {
      metadata: { labels: { app: 'broken-check' } },
      spec: {
        containers: [
          { name: 'app', image: 'registry.invalid/app:1', securityContext: { runAsNonRoot: true } },
        ],
      },
    },
  },
};

/** `object` with the value at `path` set (undefined: removed); a deep copy. */
function withField(object: Record<string, unknown>, path: readonly (string | number)[], value: unknown) {
  const copy = structuredClone(object);
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

export const BROKEN_OBJECTS: readonly BrokenObject[] = [
  {
    name: 'istio-unknown-field',
    valid: authorizationPolicy,
    broken: withField(authorizationPolicy, ['spec', 'rulez'], []),
    server: /\.spec\.rulez: field not declared in schema/,
    offline: /rulez/,
  },
  {
    name: 'istio-wrong-enum',
    valid: peerAuthentication,
    broken: withField(peerAuthentication, ['spec', 'mtls', 'mode'], 'STRICTT'),
    server: /spec\.mtls\.mode: Unsupported value: "STRICTT"/,
    offline: /STRICTT|allowed values|must be equal to one of/,
  },
  {
    name: 'istio-cel-port-level-mtls-without-selector',
    valid: withField(peerAuthentication, ['spec', 'portLevelMtls'], { 8080: { mode: 'DISABLE' } }),
    broken: withField(
      withField(peerAuthentication, ['spec', 'portLevelMtls'], { 8080: { mode: 'DISABLE' } }),
      ['spec', 'selector'],
      undefined,
    ),
    server: /portLevelMtls requires selector/,
    offline: /^\.spec: portLevelMtls requires selector/,
  },
  {
    name: 'istio-cel-selector-and-target-refs',
    valid: authorizationPolicy,
    broken: withField(
      authorizationPolicy,
      ['spec', 'targetRefs'],
      [{ kind: 'Service', group: '', name: 'backend' }],
    ),
    server: /only one of targetRefs or selector can be set/,
    offline: /^\.spec: only one of targetRefs or selector can be set/,
  },
  {
    name: 'istio-cel-duration',
    valid: destinationRule,
    broken: withField(
      destinationRule,
      ['spec', 'trafficPolicy', 'connectionPool', 'tcp', 'connectTimeout'],
      '500us',
    ),
    server: /must be a valid duration greater than 1ms/,
    offline:
      /^\.spec\.trafficPolicy\.connectionPool\.tcp\.connectTimeout: must be a valid duration greater than 1ms/,
  },
  {
    name: 'calico-unknown-field',
    valid: calicoPolicy,
    broken: withField(calicoPolicy, ['spec', 'orderr'], 10),
    server: /\.spec\.orderr: field not declared in schema/,
    offline: /orderr/,
  },
  {
    name: 'calico-wrong-enum',
    valid: calicoPolicy,
    broken: withField(calicoPolicy, ['spec', 'ingress', 0, 'action'], 'Permit'),
    server: /Unsupported value: "Permit"/,
    offline: /Permit|allowed values|must be equal to one of/,
  },
  {
    name: 'calico-cel-icmp-code-without-type',
    valid: calicoPolicy,
    broken: withField(calicoPolicy, ['spec', 'ingress', 0, 'icmp', 'type'], undefined),
    server: /ICMP code specified without an ICMP type/,
    offline: /^\.spec\.ingress\[0\]\.icmp: ICMP code specified without an ICMP type/,
  },
  {
    name: 'core-unknown-field',
    valid: deployment,
    broken: withField(
      deployment,
      ['spec', 'template', 'spec', 'containers', 0, 'securityContext', 'privilegd'],
      true,
    ),
    server:
      /\.spec\.template\.spec\.containers\[name="app"\]\.securityContext\.privilegd: field not declared in schema/,
    offline: /privilegd/,
  },
  {
    name: 'core-wrong-enum-service-type',
    valid: service,
    broken: withField(service, ['spec', 'type'], 'Loadbalancer'),
    server: /spec\.type: Unsupported value: "Loadbalancer"/,
    offline: /\/spec\/type: must be equal to one of the allowed values/,
  },
  {
    name: 'core-wrong-enum-policy-type',
    valid: networkPolicy,
    broken: withField(networkPolicy, ['spec', 'policyTypes'], ['Ingres']),
    server: /Unsupported value: "Ingres"/,
    offline: /Ingres/,
  },
];

/** `object` placed in `namespace` (the table's objects name the placeholder NAMESPACE). */
export function inNamespace(object: Record<string, unknown>, namespace: string): Record<string, unknown> {
  return withField(object, ['metadata', 'namespace'], namespace);
}
