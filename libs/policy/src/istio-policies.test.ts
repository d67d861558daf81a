import { describe, expect, it } from 'vitest';
import type { Analysis } from './analyze';
import { patternCovers, patternsIntersect, type HttpRequestSet } from './istio-policies';
import { analyzeYaml, endpointNamed, namespace, pod } from './test-helpers';

const mesh = [
  namespace('webapp', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  namespace('other', { 'istio-injection': 'enabled' }),
  pod('webapp', 'frontend', { app: 'frontend' }, [['http', 8080]], 'frontend'),
  pod('webapp', 'backend', { app: 'backend' }, [['http', 5000]], 'backend'),
  pod('webapp', 'loadtest', { app: 'loadtest' }, [], 'loadtest'),
  pod('other', 'stranger', { app: 'stranger' }, [], 'default'),
  pod('istio-system', 'prometheus', { app: 'prometheus' }, [], 'prometheus'),
];
const authz = (name: string, spec: unknown, ns = 'webapp') =>
  JSON.stringify({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace: ns },
    spec,
  });
const peerAuthn = (name: string, spec: unknown, ns = 'webapp') =>
  JSON.stringify({
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name, namespace: ns },
    spec,
  });
const backendOnly = { selector: { matchLabels: { app: 'backend' } } };
const fromFrontend = { from: [{ source: { principals: ['cluster.local/ns/webapp/sa/frontend'] } }] };

function verdict(
  analysis: Analysis,
  src: string,
  dst: string,
  port: number,
  requests?: HttpRequestSet,
): boolean {
  const find = (name: string) => endpointNamed(analysis, name);
  return analysis.istio.evaluate(find(src), find(dst), port, requests).allowed;
}

const GET_DATA = { methods: ['GET'], paths: ['/api/data'] };
const cases: Array<{
  rule: string;
  policies: string[];
  src: string;
  port?: number;
  requests?: HttpRequestSet;
  allowed: boolean;
}> = [
  { rule: 'no policy: allowed', policies: [], src: 'loadtest', requests: GET_DATA, allowed: true },
  {
    rule: 'an empty ALLOW spec denies everything',
    policies: [authz('nothing', {})],
    src: 'frontend',
    requests: GET_DATA,
    allowed: false,
  },
  {
    rule: 'a `{}` rule allows everything',
    policies: [authz('all', { rules: [{}] })],
    src: 'loadtest',
    requests: GET_DATA,
    allowed: true,
  },
  {
    rule: 'ALLOW by principal: the named identity gets through',
    policies: [authz('p', { ...backendOnly, rules: [fromFrontend] })],
    src: 'frontend',
    requests: GET_DATA,
    allowed: true,
  },
  {
    rule: 'ALLOW by principal: another identity does not',
    policies: [authz('p', { ...backendOnly, rules: [fromFrontend] })],
    src: 'loadtest',
    requests: GET_DATA,
    allowed: false,
  },
  {
    rule: 'DENY is evaluated before ALLOW',
    policies: [
      authz('p', { ...backendOnly, rules: [fromFrontend] }),
      authz('d', { ...backendOnly, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/api/*'] } }] }] }),
    ],
    src: 'frontend',
    requests: GET_DATA,
    allowed: false,
  },
  {
    rule: 'methods and exact paths must cover every declared request',
    policies: [
      authz('p', {
        ...backendOnly,
        rules: [{ ...fromFrontend, to: [{ operation: { methods: ['GET'], paths: ['/', '/api/data'] } }] }],
      }),
    ],
    src: 'frontend',
    requests: { methods: ['GET', 'POST'], paths: ['/api/data'] },
    allowed: false,
  },
  {
    rule: 'a prefix path covers an exact path under it',
    policies: [
      authz('p', {
        ...backendOnly,
        rules: [{ ...fromFrontend, to: [{ operation: { paths: ['/api/*'] } }] }],
      }),
    ],
    src: 'frontend',
    requests: GET_DATA,
    allowed: true,
  },
  {
    rule: 'a suffix path matches by ending',
    policies: [
      authz('p', {
        ...backendOnly,
        rules: [{ ...fromFrontend, to: [{ operation: { paths: ['*/data'] } }] }],
      }),
    ],
    src: 'frontend',
    requests: GET_DATA,
    allowed: true,
  },
  {
    rule: 'ports in operations are pod ports',
    policies: [
      authz('p', { ...backendOnly, rules: [{ ...fromFrontend, to: [{ operation: { ports: ['9464'] } }] }] }),
    ],
    src: 'frontend',
    requests: GET_DATA,
    allowed: false,
  },
  {
    rule: 'notMethods excludes a method',
    policies: [
      authz('p', {
        ...backendOnly,
        rules: [{ ...fromFrontend, to: [{ operation: { notMethods: ['GET'] } }] }],
      }),
    ],
    src: 'frontend',
    requests: GET_DATA,
    allowed: false,
  },
  {
    rule: 'notPaths excludes paths',
    policies: [
      authz('p', {
        ...backendOnly,
        rules: [{ ...fromFrontend, to: [{ operation: { notPaths: ['/admin/*'] } }] }],
      }),
    ],
    src: 'frontend',
    requests: GET_DATA,
    allowed: true,
  },
  {
    rule: 'namespaces match the source namespace',
    policies: [authz('p', { ...backendOnly, rules: [{ from: [{ source: { namespaces: ['webapp'] } }] }] })],
    src: 'stranger',
    requests: GET_DATA,
    allowed: false,
  },
  {
    rule: 'notPrincipals excludes identities',
    policies: [
      authz('p', { ...backendOnly, rules: [{ from: [{ source: { notPrincipals: ['*/sa/loadtest'] } }] }] }),
    ],
    src: 'loadtest',
    requests: GET_DATA,
    allowed: false,
  },
  {
    rule: 'a mesh-wide policy in the root namespace applies everywhere',
    policies: [
      authz(
        'deny-loadtest',
        {
          action: 'DENY',
          rules: [{ from: [{ source: { principals: ['cluster.local/ns/webapp/sa/loadtest'] } }] }],
        },
        'istio-system',
      ),
    ],
    src: 'loadtest',
    requests: GET_DATA,
    allowed: false,
  },
  {
    rule: 'STRICT mTLS rejects a source without a sidecar',
    policies: [peerAuthn('strict', { mtls: { mode: 'STRICT' } })],
    src: 'prometheus',
    port: 5000,
    allowed: false,
  },
  {
    rule: 'a mesh-wide PeerAuthentication in the root namespace applies when the namespace sets none',
    policies: [peerAuthn('mesh', { mtls: { mode: 'STRICT' } }, 'istio-system')],
    src: 'prometheus',
    port: 5000,
    allowed: false,
  },
  {
    rule: 'a namespace PeerAuthentication overrides the mesh-wide one',
    policies: [
      peerAuthn('mesh', { mtls: { mode: 'STRICT' } }, 'istio-system'),
      peerAuthn('ns', { mtls: { mode: 'PERMISSIVE' } }),
    ],
    src: 'prometheus',
    port: 5000,
    allowed: true,
  },
  {
    rule: 'the sidecar ports (15020) bypass mTLS and authorization',
    policies: [peerAuthn('strict', { mtls: { mode: 'STRICT' } }), authz('nothing', {})],
    src: 'prometheus',
    port: 15020,
    allowed: true,
  },
  {
    rule: 'PERMISSIVE lets plaintext in, but principals cannot match it',
    policies: [
      peerAuthn('permissive', { mtls: { mode: 'PERMISSIVE' } }),
      authz('p', { ...backendOnly, rules: [{ from: [{ source: { principals: ['*'] } }] }] }),
    ],
    src: 'prometheus',
    port: 5000,
    allowed: false,
  },
  {
    rule: 'a workload PeerAuthentication port setting overrides the namespace mode',
    policies: [
      peerAuthn('strict', { mtls: { mode: 'STRICT' } }),
      peerAuthn('b', { ...backendOnly, portLevelMtls: { 5000: { mode: 'PERMISSIVE' } } }),
    ],
    src: 'prometheus',
    port: 5000,
    allowed: true,
  },
  {
    rule: 'an ALLOW rule with HTTP fields never matches plain TCP',
    policies: [
      authz('p', { ...backendOnly, rules: [{ ...fromFrontend, to: [{ operation: { methods: ['GET'] } }] }] }),
    ],
    src: 'frontend',
    allowed: false,
  },
  {
    rule: 'an ALLOW rule with a `when` condition is not modelled: read as not matching',
    policies: [
      authz('p', {
        ...backendOnly,
        rules: [{ ...fromFrontend, when: [{ key: 'request.headers[x]', values: ['y'] }] }],
      }),
    ],
    src: 'frontend',
    requests: GET_DATA,
    allowed: false,
  },
];

describe('Istio AuthorizationPolicy and PeerAuthentication semantics', () => {
  it.each(cases)('$rule', ({ policies, src, port, requests, allowed }) => {
    expect(verdict(analyzeYaml([...mesh, ...policies]), src, 'backend', port ?? 5000, requests)).toBe(
      allowed,
    );
  });

  it('CUSTOM, when and targetRefs are reported as not modelled', () => {
    const analysis = analyzeYaml([
      ...mesh,
      authz('ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] }),
      authz('w', { rules: [{ when: [{ key: 'source.ip', values: ['1.2.3.4'] }] }] }),
      authz('gw', { targetRefs: [{ kind: 'Gateway', name: 'gw' }] }),
    ]);
    expect(analysis.findings.filter((f) => f.severity === 'unmodelled').map((f) => f.field)).toEqual([
      'spec.provider',
      'spec.rules[0].when',
      'spec.targetRefs',
    ]);
  });

  it('over-grants: wider methods or paths than declared are reported', () => {
    const analysis = analyzeYaml([
      ...mesh,
      authz('p', {
        ...backendOnly,
        rules: [{ ...fromFrontend, to: [{ operation: { methods: ['GET', 'POST'], paths: ['/api/*'] } }] }],
      }),
    ]);
    const find = (name: string) => endpointNamed(analysis, name);
    expect(analysis.istio.overGrants(find('frontend'), find('backend'), 5000, GET_DATA)).toEqual([
      'AuthorizationPolicy webapp/p rules[0] allows method POST',
      'AuthorizationPolicy webapp/p rules[0] allows path /api/*',
    ]);
    expect(
      analysis.istio.overGrants(find('frontend'), find('backend'), 5000, {
        methods: ['GET', 'POST'],
        paths: ['/api/*'],
      }),
    ).toEqual([]);
  });

  it.each([
    ['/api/*', '/api/data', true],
    ['/api/*', '/api/*', true],
    ['/api/*', '/*', false],
    ['*', '/x', true],
    ['/x', '/x/*', false],
    ['*/data', '/api/data', true],
  ])('pattern %s covers %s: %s', (outer, inner, expected) => {
    expect(patternCovers(outer, inner)).toBe(expected);
  });

  it.each([
    ['/api/*', '/ap*', true],
    ['/api/*', '/web/*', false],
    ['/x', '*x', true],
    ['/a*', '*b', true],
  ])('patterns %s and %s intersect: %s', (a, b, expected) => {
    expect(patternsIntersect(a, b)).toBe(expected);
  });
});
