import { describe, expect, it } from 'vitest';
import type { RenderedObject } from '../rendered-object';
import { appFixture, pick, REPO_PEERS } from '../testing/fixtures';
import type { CheckContext, CrossCheck } from './cross-check';
import { authorizationPrincipalsCheck } from './authz-principals';
import { calicoServiceAccountsCheck } from './calico-service-accounts';
import { durationMs, idleTimeoutCheck } from './idle-timeout';
import { meshHostsCheck } from './mesh-hosts';
import { policyPortsCheck } from './policy-ports';

/** frontend and backend, plus one object of each zero-trust kind the checks read, all consistent. */
function meshFixture(): RenderedObject[] {
  const objects = [
    ...appFixture('backend', 5000),
    ...appFixture('frontend', 8080).filter((object) => object.kind !== 'Namespace'),
  ];
  const policies = [
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'backend', namespace: 'webapp' },
      spec: {
        selector: { matchLabels: { app: 'backend' } },
        rules: [
          {
            from: [{ source: { principals: ['cluster.local/ns/webapp/sa/frontend'] } }],
            to: [{ operation: { methods: ['GET'], ports: ['5000'] } }],
          },
        ],
      },
    },
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'frontend', namespace: 'webapp' },
      spec: {
        selector: { matchLabels: { app: 'frontend' } },
        rules: [
          {
            from: [
              {
                source: {
                  principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'],
                },
              },
            ],
          },
        ],
      },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'backend', namespace: 'webapp' },
      spec: {
        host: 'backend.webapp.svc.cluster.local',
        trafficPolicy: { connectionPool: { http: { idleTimeout: '30s' } } },
      },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'frontend', namespace: 'webapp' },
      spec: {
        hosts: ['*'],
        gateways: ['webapp'],
        http: [{ route: [{ destination: { host: 'frontend', port: { number: 8080 } } }] }],
      },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Sidecar',
      metadata: { name: 'frontend', namespace: 'webapp' },
      spec: {
        workloadSelector: { labels: { app: 'frontend' } },
        egress: [{ hosts: ['./backend.webapp.svc.cluster.local', 'istio-system/*'] }],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'backend', namespace: 'webapp' },
      spec: {
        podSelector: { matchLabels: { app: 'backend' } },
        ingress: [
          {
            from: [{ podSelector: { matchLabels: { app: 'frontend' } } }],
            ports: [{ port: 5000 }, { port: 15020 }],
          },
        ],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'frontend', namespace: 'webapp' },
      spec: {
        podSelector: { matchLabels: { app: 'frontend' } },
        egress: [{ to: [{ podSelector: { matchLabels: { app: 'backend' } } }], ports: [{ port: 'http' }] }],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-dns', namespace: 'webapp' },
      spec: {
        podSelector: {},
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { port: 53, protocol: 'UDP' },
              { port: 53, protocol: 'TCP' },
            ],
          },
        ],
      },
    },
    {
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: { name: 'ztmesh-identity.platform', namespace: 'webapp' },
      spec: {
        selector: 'all()',
        egress: [
          {
            action: 'Pass',
            protocol: 'TCP',
            destination: {
              namespaceSelector: "kubernetes.io/metadata.name == 'istio-system'",
              selector: "app == 'istiod'",
              ports: [15012],
            },
          },
        ],
      },
    },
    {
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: { name: 'ztmesh-identity.backend', namespace: 'webapp' },
      spec: {
        serviceAccountSelector: "projectcalico.org/name == 'backend'",
        ingress: [
          {
            action: 'Pass',
            protocol: 'TCP',
            source: {
              namespaceSelector: "kubernetes.io/metadata.name == 'webapp'",
              serviceAccounts: { names: ['frontend'] },
            },
            destination: { ports: [5000] },
          },
          {
            action: 'Pass',
            protocol: 'TCP',
            source: {
              namespaceSelector: "kubernetes.io/metadata.name == 'istio-system'",
              serviceAccounts: { names: ['prometheus'] },
            },
            destination: { ports: [15090] },
          },
        ],
      },
    },
  ];
  // The frontend's Service port is 8080 in the fixture (its containers' port), so a VirtualService may name it.
  pick(objects, 'Service', 'frontend').spec.ports[0].port = 8080;
  return [...objects, ...(policies as unknown as RenderedObject[])];
}

const EXTERNAL = [
  { namespace: 'istio-system', name: 'istio-ingressgateway-service-account' },
  { namespace: 'istio-system', name: 'prometheus' },
];

const context = (objects: RenderedObject[]): CheckContext => ({
  target: 'fixture',
  objects,
  externalServiceAccounts: EXTERNAL,
  externalWorkloads: REPO_PEERS.workloads,
});

const find = (objects: RenderedObject[], kind: string, name: string, group = '') =>
  pick(
    objects.filter((object) => object.apiVersion.startsWith(group)),
    kind,
    name,
  );

const badCases: [string, CrossCheck, (objects: RenderedObject[]) => void, RegExp][] = [
  [
    'a principal whose ServiceAccount does not exist',
    authorizationPrincipalsCheck,
    (o) =>
      void (find(o, 'AuthorizationPolicy', 'backend').spec.rules[0].from[0].source.principals = [
        'cluster.local/ns/webapp/sa/loadtest',
      ]),
    /principal cluster.local\/ns\/webapp\/sa\/loadtest: ServiceAccount webapp\/loadtest does not exist/,
  ],
  [
    'a principal in the wrong form',
    authorizationPrincipalsCheck,
    (o) =>
      void (find(o, 'AuthorizationPolicy', 'backend').spec.rules[0].from[0].source.principals = ['frontend']),
    /principal frontend is not <trust-domain>\/ns\/<ns>\/sa\/<name>/,
  ],
  [
    'a Calico serviceAccountSelector selecting nothing',
    calicoServiceAccountsCheck,
    (o) =>
      void (find(o, 'NetworkPolicy', 'ztmesh-identity.backend', 'projectcalico').spec.serviceAccountSelector =
        "projectcalico.org/name == 'api'"),
    /serviceAccountSelector "projectcalico.org\/name == 'api'" selects no ServiceAccount/,
  ],
  [
    'a Calico rule naming a missing ServiceAccount',
    calicoServiceAccountsCheck,
    (o) =>
      void (find(
        o,
        'NetworkPolicy',
        'ztmesh-identity.backend',
        'projectcalico',
      ).spec.ingress[0].source.serviceAccounts.names = ['web']),
    /ingress source serviceAccounts name web: no such ServiceAccount in webapp/,
  ],
  [
    'a Calico rule naming a ServiceAccount of another namespace',
    calicoServiceAccountsCheck,
    (o) =>
      void (find(
        o,
        'NetworkPolicy',
        'ztmesh-identity.backend',
        'projectcalico',
      ).spec.ingress[1].source.serviceAccounts.names = ['frontend']),
    /name frontend: no such ServiceAccount in istio-system/,
  ],
  [
    'an unreadable Calico selector',
    calicoServiceAccountsCheck,
    (o) =>
      void (find(o, 'NetworkPolicy', 'ztmesh-identity.backend', 'projectcalico').spec.serviceAccountSelector =
        'name =~ x'),
    /selector "name =~ x"/,
  ],
  [
    'a DestinationRule host that is no Service',
    meshHostsCheck,
    (o) => void (find(o, 'DestinationRule', 'backend').spec.host = 'backend.default.svc.cluster.local'),
    /host backend.default.svc.cluster.local is not a Service/,
  ],
  [
    'a VirtualService destination that is no Service',
    meshHostsCheck,
    (o) => void (find(o, 'VirtualService', 'frontend').spec.http[0].route[0].destination.host = 'web'),
    /destination web is not a Service/,
  ],
  [
    'a VirtualService destination port that is no Service port',
    meshHostsCheck,
    (o) => void (find(o, 'VirtualService', 'frontend').spec.http[0].route[0].destination.port.number = 80),
    /destination frontend port 80 is not a port of Service frontend/,
  ],
  [
    'a mesh VirtualService host that is no Service',
    meshHostsCheck,
    (o) =>
      void Object.assign(find(o, 'VirtualService', 'frontend').spec, {
        gateways: ['mesh'],
        hosts: ['front'],
      }),
    /host front is not a Service/,
  ],
  [
    'a Sidecar egress host that is no Service',
    meshHostsCheck,
    (o) =>
      void (find(o, 'Sidecar', 'frontend').spec.egress[0].hosts = ['./backend-v2.webapp.svc.cluster.local']),
    /egress host .\/backend-v2.webapp.svc.cluster.local is not a Service/,
  ],
  [
    'a NetworkPolicy ingress on the Service port instead of the pod port',
    policyPortsCheck,
    (o) =>
      void (find(o, 'NetworkPolicy', 'backend', 'networking.k8s.io').spec.ingress[0].ports = [{ port: 80 }]),
    /ingress port 80 is not a container port of backend/,
  ],
  [
    "a NetworkPolicy ingress on the sidecar's localhost-only admin port",
    policyPortsCheck,
    (o) =>
      void (find(o, 'NetworkPolicy', 'backend', 'networking.k8s.io').spec.ingress[0].ports = [
        { port: 15006 },
        { port: 15000 },
      ]),
    /^ingress port 15000 is not a container port of backend$/,
  ],
  [
    'a NetworkPolicy egress port the peer does not have',
    policyPortsCheck,
    (o) =>
      void (find(o, 'NetworkPolicy', 'frontend', 'networking.k8s.io').spec.egress[0].ports = [
        { port: 'web' },
      ]),
    /egress port web is not a container port of backend/,
  ],
  [
    'a Calico destination port the selected pods do not have',
    policyPortsCheck,
    (o) =>
      void (find(
        o,
        'NetworkPolicy',
        'ztmesh-identity.backend',
        'projectcalico',
      ).spec.ingress[0].destination.ports = [8080]),
    /ingress destination port 8080 is not a container port of backend/,
  ],
  [
    'a DNS egress on a port kube-dns does not serve',
    policyPortsCheck,
    (o) =>
      void (find(o, 'NetworkPolicy', 'allow-dns', 'networking.k8s.io').spec.egress[0].ports = [
        { port: 5353 },
      ]),
    /egress port 5353 is not a container port of kube-dns/,
  ],
  [
    'a Calico egress to istiod on its plaintext port',
    policyPortsCheck,
    (o) =>
      void (find(
        o,
        'NetworkPolicy',
        'ztmesh-identity.platform',
        'projectcalico',
      ).spec.egress[0].destination.ports = [15010]),
    /egress destination port 15010 is not a container port of istiod/,
  ],
  [
    'a Calico rule with ports but no protocol (the analyzer rejects it)',
    policyPortsCheck,
    (o) =>
      void delete find(o, 'NetworkPolicy', 'ztmesh-identity.backend', 'projectcalico').spec.ingress[0]
        .protocol,
    /spec.ingress\[0\].destination.ports: ports need the rule to set protocol TCP, UDP or SCTP/,
  ],
  [
    'an unreadable Calico selector in a policy whose ports are checked',
    policyPortsCheck,
    (o) =>
      void (find(o, 'NetworkPolicy', 'ztmesh-identity.backend', 'projectcalico').spec.serviceAccountSelector =
        'name =~ x'),
    /^malformed selector "name =~ x" at position 5/,
  ],
  [
    'an AuthorizationPolicy port the selected pods do not have',
    policyPortsCheck,
    (o) => void (find(o, 'AuthorizationPolicy', 'backend').spec.rules[0].to[0].operation.ports = ['80']),
    /operation port 80 is not a container port of backend/,
  ],
  [
    // Istio applies a root-namespace policy with a selector to the matching pods of every namespace.
    'an AuthorizationPolicy in the root namespace whose selector reaches backend in webapp',
    policyPortsCheck,
    (o) =>
      void o.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'mesh-backend', namespace: 'istio-system' },
        spec: {
          selector: { matchLabels: { app: 'backend' } },
          rules: [{ to: [{ operation: { ports: ['81'] } }] }],
        },
      } as unknown as RenderedObject),
    /operation port 81 is not a container port of backend/,
  ],
  [
    'an idle timeout above the keep-alive timeout',
    idleTimeoutCheck,
    (o) =>
      void (find(o, 'DestinationRule', 'backend').spec.trafficPolicy.connectionPool.http.idleTimeout = '90s'),
    /idleTimeout 90s is not below KEEP_ALIVE_TIMEOUT_MS 65000 of backend\/backend/,
  ],
  [
    'no idle timeout (Istio default 1h)',
    idleTimeoutCheck,
    (o) => void delete find(o, 'DestinationRule', 'backend').spec.trafficPolicy,
    /unset: Istio default 1h/,
  ],
  [
    'a keep-alive timeout lowered below the idle timeout in env',
    idleTimeoutCheck,
    (o) =>
      void find(o, 'Deployment', 'backend').spec.template.spec.containers[0].env.push({
        name: 'KEEP_ALIVE_TIMEOUT_MS',
        value: '20000',
      }),
    /idleTimeout 30s is not below KEEP_ALIVE_TIMEOUT_MS 20000/,
  ],
];

describe('zero-trust cross-checks', () => {
  it.each(
    [
      authorizationPrincipalsCheck,
      calicoServiceAccountsCheck,
      meshHostsCheck,
      policyPortsCheck,
      idleTimeoutCheck,
    ].map((check) => [check.name, check] as const),
  )('%s passes the consistent fixture', (_name, check) => {
    expect(check.run(context(meshFixture()))).toEqual([]);
  });

  it.each(badCases)('%s is a finding', (_name, check, breakIt, message) => {
    const objects = meshFixture();
    breakIt(objects);
    const findings = check.run(context(objects));
    expect(findings.map((finding) => finding.message).join('\n')).toMatch(message);
    expect(findings.every((finding) => finding.check === check.name)).toBe(true);
  });
});

describe('durationMs', () => {
  it.each<[string, number | undefined]>([
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['30', undefined],
    ['abc', undefined],
  ])('%s -> %s', (text, expected) => {
    expect(durationMs(text)).toBe(expected);
  });
});

describe('mesh-hosts: external hosts and the egress gateway', () => {
  /** The fixture plus a ServiceEntry for api.example.com (exported as given) and the routes that use it. */
  function withEgress(exportTo?: string[]): RenderedObject[] {
    const objects = meshFixture();
    objects.push(
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'ServiceEntry',
        metadata: { name: 'external-api', namespace: 'webapp' },
        spec: {
          hosts: ['api.example.com'],
          location: 'MESH_EXTERNAL',
          ports: [{ number: 443, name: 'tls', protocol: 'TLS' }],
          ...(exportTo ? { exportTo } : {}),
        },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'external-api', namespace: 'webapp' },
        spec: {
          hosts: ['api.example.com'],
          gateways: ['mesh', 'egress'],
          tls: [
            {
              match: [{ gateways: ['mesh'], port: 443, sniHosts: ['api.example.com'] }],
              route: [
                {
                  destination: {
                    host: 'istio-egressgateway.istio-system.svc.cluster.local',
                    port: { number: 443 },
                  },
                },
              ],
            },
          ],
          tcp: [
            {
              match: [{ gateways: ['egress'], port: 443 }],
              route: [{ destination: { host: 'api.example.com', port: { number: 443 } } }],
            },
          ],
        },
      },
    );
    find(objects, 'Sidecar', 'frontend').spec.egress[0].hosts.push(
      './api.example.com',
      'istio-system/istio-egressgateway.istio-system.svc.cluster.local',
    );
    return objects;
  }

  it('accepts a host a ServiceEntry declares and the egress gateway Service', () => {
    expect(meshHostsCheck.run(context(withEgress(['.', 'istio-system'])))).toEqual([]);
  });

  it('WHEN the ServiceEntry is not exported to the namespace THEN its host is a finding', () => {
    const messages = meshHostsCheck.run(context(withEgress(['istio-system']))).map((f) => f.message);
    expect(messages).toContain('host api.example.com is not a Service in this deploy');
  });

  it('WHEN no ServiceEntry declares the host THEN the route and the Sidecar import are findings', () => {
    const objects = withEgress().filter((o) => o.kind !== 'ServiceEntry');
    const messages = meshHostsCheck.run(context(objects)).map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'host api.example.com is not a Service in this deploy',
        'destination api.example.com is not a Service in this deploy',
        'egress host ./api.example.com is not a Service in this deploy',
      ]),
    );
  });
});
