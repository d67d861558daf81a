import { describe, expect, it } from 'vitest';
import { CalicoSelectorError, matchesCalicoSelector, parseCalicoSelector } from './calico-selector';
import { analyzeYaml, calico, matrix, namespace, netpol, pod } from './test-helpers';

describe('Calico selector language', () => {
  const labels = { app: 'web', tier: 'front', 'k8s-app': 'kube-dns', version: 'v1.2' };
  it.each([
    ["app == 'web'", true],
    ['app == "db"', false],
    ["app != 'db'", true],
    ["missing != 'x'", true],
    ['has(tier)', true],
    ['!has(tier)', false],
    ["app in {'db', 'web'}", true],
    ["app not in {'db', 'web'}", false],
    ["missing not in {'a'}", true],
    ["k8s-app == 'kube-dns' && tier == 'front'", true],
    ["app == 'db' || tier == 'front'", true],
    ["!(app == 'web' && has(tier))", false],
    ["app == 'db' || app == 'x' && has(tier)", false],
    ['all()', true],
    ['', true],
    ["version starts with 'v1'", true],
    ["version ends with '.3'", false],
    ["version contains '1.'", true],
  ])('%s -> %s', (selector, expected) => {
    expect(matchesCalicoSelector(parseCalicoSelector(selector), labels)).toBe(expected);
  });

  it.each([
    ['app == web', 7, 'expected a quoted value'],
    ["app = 'web'", 4, 'unexpected character'],
    ['has(app', 7, 'expected ")" before the end'],
    ["app == 'web' &&", 15, 'expected an expression before the end'],
    ["app in {'a' 'b'}", 12, 'expected "}"'],
    ["(app == 'x'", 11, 'expected ")"'],
    ["app == 'x' extra", 11, 'unexpected "extra"'],
    ["app == 'unterminated", 7, 'unterminated string'],
  ])('reports the position of a syntax error in %s', (selector, position, reason) => {
    try {
      parseCalicoSelector(selector);
      expect.unreachable('should not parse');
    } catch (e) {
      expect(e).toBeInstanceOf(CalicoSelectorError);
      expect((e as CalicoSelectorError).position).toBe(position);
      expect((e as CalicoSelectorError).message).toContain(reason);
    }
  });
});

describe('Calico selector language: the cases the validator relies on', () => {
  const labels = { app: 'backend', 'projectcalico.org/name': 'backend', tier: 'api' };
  it.each<[string, boolean]>([
    ['all()', true],
    ["app == 'backend'", true],
    ["app != 'backend'", false],
    ["app == 'backend' && tier == 'web'", false],
    ["app == 'frontend' || tier == 'api'", true],
    ["app in {'frontend', 'backend'}", true],
    ["app not in {'frontend', 'backend'}", false],
    ['has(tier)', true],
    ['!has(tier)', false],
    ['(app == \'x\' || has(tier)) && projectcalico.org/name == "backend"', true],
  ])('%s -> %s', (selector, expected) => {
    expect(matchesCalicoSelector(parseCalicoSelector(selector), labels)).toBe(expected);
  });

  it.each(['app ==', "app =~ 'x'", "app == 'x' &&", 'has(app'])('rejects %s', (selector) => {
    expect(() => parseCalicoSelector(selector)).toThrow(CalicoSelectorError);
  });
});

const cluster = [
  namespace('a', { team: 'x' }),
  namespace('b', { team: 'y' }),
  pod('a', 'web', { app: 'web' }, [['http', 80]], 'web-sa'),
  pod('a', 'db', { app: 'db' }, [['pg', 5432]], 'db-sa'),
  pod('b', 'client', { app: 'client' }, [], 'client-sa'),
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'web-sa', namespace: 'a', labels: { role: 'frontend' } },
  }),
];
const ALL = 'All Connections';
const open = {
  'web->db': ALL,
  'web->client': ALL,
  'db->web': ALL,
  'db->client': ALL,
  'client->web': ALL,
  'client->db': ALL,
};

const cases: Array<{ rule: string; policies: string[]; expected: Record<string, string> }> = [
  {
    rule: 'types default to Ingress when there are no egress rules: selected pods are isolated for ingress',
    policies: [calico('a', 'iso', { selector: "app == 'db'" })],
    expected: { ...open, 'web->db': 'none', 'client->db': 'none' },
  },
  {
    rule: 'types default to Egress only when there are only egress rules (Kubernetes would add Ingress)',
    policies: [
      calico('a', 'eg', {
        selector: "app == 'web'",
        egress: [{ action: 'Allow', destination: { selector: "app == 'db'" } }],
      }),
    ],
    expected: { ...open, 'web->client': 'none' },
  },
  {
    rule: 'order: the first matching rule wins, Deny before a later Allow',
    policies: [
      calico('a', 'late-allow', { order: 200, selector: "app == 'db'", ingress: [{ action: 'Allow' }] }),
      calico('a', 'early-deny', {
        order: 100,
        selector: "app == 'db'",
        ingress: [{ action: 'Deny', source: { selector: "app == 'web'" } }],
      }),
    ],
    expected: { ...open, 'web->db': 'none' },
  },
  {
    rule: 'Log does not decide; Deny with ports only removes those ports',
    policies: [
      calico('a', 'p', {
        order: 1,
        selector: "app == 'db'",
        ingress: [
          { action: 'Log' },
          { action: 'Deny', protocol: 'TCP', destination: { ports: ['1:1000', 'pg'] } },
          { action: 'Allow' },
        ],
      }),
    ],
    expected: {
      ...open,
      'web->db': 'SCTP 1-65535,TCP 1001-5431,5433-65535,UDP 1-65535',
      'client->db': 'SCTP 1-65535,TCP 1001-5431,5433-65535,UDP 1-65535',
    },
  },
  {
    rule: 'a bare selector in a namespaced policy means this namespace; namespaceSelector widens it',
    policies: [
      calico('a', 'ns', {
        selector: "app == 'db'",
        ingress: [
          { action: 'Allow', source: { selector: "app == 'client'" } },
          {
            action: 'Allow',
            protocol: 'TCP',
            source: { namespaceSelector: "team == 'y'" },
            destination: { ports: [5432] },
          },
        ],
      }),
    ],
    expected: { ...open, 'web->db': 'none', 'client->db': 'TCP 5432' },
  },
  {
    rule: 'GlobalNetworkPolicy applies across namespaces; namespaceSelector limits it',
    policies: [
      calico(undefined, 'g', {
        namespaceSelector: "kubernetes.io/metadata.name == 'b'",
        selector: 'all()',
        types: ['Egress'],
      }),
    ],
    expected: { ...open, 'client->web': 'none', 'client->db': 'none' },
  },
  {
    rule: 'serviceAccounts in a rule match by name and by ServiceAccount labels',
    policies: [
      calico('a', 'sa', {
        selector: "app == 'db'",
        ingress: [
          { action: 'Allow', source: { serviceAccounts: { selector: "role == 'frontend'" } } },
          {
            action: 'Allow',
            source: { namespaceSelector: 'all()', serviceAccounts: { names: ['client-sa'] } },
          },
        ],
      }),
    ],
    expected: open,
  },
  {
    rule: 'serviceAccountSelector picks the pods a policy applies to',
    policies: [
      calico('a', 'sas', {
        serviceAccountSelector: "projectcalico.org/name == 'db-sa'",
        ingress: [{ action: 'Allow', source: { serviceAccounts: { names: ['nobody'] } } }],
      }),
    ],
    expected: { ...open, 'web->db': 'none', 'client->db': 'none' },
  },
  {
    rule: 'Pass skips to the next tier (Kubernetes policies at order 1000 in the default tier) which decides',
    policies: [
      JSON.stringify({
        apiVersion: 'projectcalico.org/v3',
        kind: 'Tier',
        metadata: { name: 'security' },
        spec: { order: 100 },
      }),
      calico('a', 'security.pass', {
        tier: 'security',
        selector: "app == 'db'",
        ingress: [{ action: 'Pass', source: { selector: "app == 'web'" } }],
      }),
      netpol('a', 'k8s', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ ports: [{ port: 5432 }] }],
      }),
    ],
    expected: { ...open, 'web->db': 'TCP 5432', 'client->db': 'none' },
  },
  {
    rule: 'a tier with defaultAction Pass hands what it does not decide to the next tier',
    policies: [
      JSON.stringify({
        apiVersion: 'projectcalico.org/v3',
        kind: 'Tier',
        metadata: { name: 'soft' },
        spec: { order: 100, defaultAction: 'Pass' },
      }),
      calico('a', 'soft.deny-client', {
        tier: 'soft',
        selector: "app == 'db'",
        ingress: [{ action: 'Deny', source: { namespaceSelector: "team == 'y'" } }],
      }),
    ],
    expected: { ...open, 'client->db': 'none' },
  },
  {
    rule: 'Calico order below 1000 beats a Kubernetes policy in the default tier',
    policies: [
      calico('a', 'deny-first', {
        order: 10,
        selector: "app == 'db'",
        ingress: [{ action: 'Deny', source: { selector: "app == 'web'" } }],
      }),
      netpol('a', 'k8s', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{}] }),
    ],
    expected: { ...open, 'web->db': 'none' },
  },
  {
    rule: 'Calico order above 1000 comes after the Kubernetes policy: the Kubernetes allow wins',
    policies: [
      calico('a', 'deny-late', {
        order: 2000,
        selector: "app == 'db'",
        ingress: [{ action: 'Deny', source: { selector: "app == 'web'" } }],
      }),
      netpol('a', 'k8s', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{}] }),
    ],
    expected: open,
  },
  {
    rule: 'notProtocol, notSelector and protocol numbers',
    policies: [
      calico('a', 'nots', {
        selector: "app == 'db'",
        ingress: [
          { action: 'Allow', notProtocol: 'UDP', source: { notSelector: "app == 'web'" } },
          { action: 'Allow', protocol: 17, source: { selector: "app == 'web'" } },
        ],
      }),
    ],
    expected: { ...open, 'web->db': 'UDP 1-65535', 'client->db': 'none' },
  },
];

describe('Calico policy semantics', () => {
  it.each(cases)('$rule', ({ policies, expected }) => {
    expect(matrix(analyzeYaml([...cluster, ...policies]))).toEqual(expected);
  });

  it('a malformed selector is bad input naming file, object, field and position', () => {
    expect(() => analyzeYaml([...cluster, calico('a', 'bad', { selector: "app = 'db'" })])).toThrow(
      /given-6\.yaml:1: NetworkPolicy a\/bad: spec.selector: malformed selector "app = 'db'" at position 4/,
    );
  });

  it('reports what it cannot model instead of guessing', () => {
    const analysis = analyzeYaml([
      ...cluster,
      calico('a', 'alp', {
        selector: 'all()',
        ingress: [
          { action: 'Allow', protocol: 'TCP', http: { methods: ['GET'] }, source: { ports: [1234] } },
        ],
      }),
    ]);
    expect(analysis.findings.map((f) => `${f.severity} ${f.field}`)).toEqual(
      expect.arrayContaining(['unmodelled spec.ingress[0].http', 'unmodelled spec.ingress[0].source.ports']),
    );
  });
});
