import { describe, expect, it } from 'vitest';
import { ManifestError } from './manifest-objects';
import { analyzeYaml, matrix, namespace, netpol, pod } from './test-helpers';

// GIVEN two namespaces and three pods; WHEN analyzed with the policies of each row; THEN this matrix.
const cluster = [
  namespace('a', { team: 'x' }),
  namespace('b', { team: 'y' }),
  pod('a', 'web', { app: 'web' }, [
    ['http', 80],
    ['https', 443],
  ]),
  pod('a', 'db', { app: 'db', tier: 'data' }, [
    ['pg', 5432],
    ['dns', 53, 'UDP'],
  ]),
  pod('b', 'client', { app: 'client' }),
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
  { rule: 'no policy: everything is allowed', policies: [], expected: open },
  {
    rule: 'policyTypes defaults to Ingress; ingress absent means deny all ingress',
    policies: [netpol('a', 'deny', { podSelector: { matchLabels: { app: 'db' } } })],
    expected: { ...open, 'web->db': 'none', 'client->db': 'none' },
  },
  {
    rule: 'an empty ingress list denies, a list with one empty rule allows all',
    policies: [
      netpol('a', 'deny', { podSelector: { matchLabels: { app: 'db' } }, ingress: [] }),
      netpol('a', 'allow-all', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{}] }),
    ],
    expected: { ...open, 'web->db': 'none', 'client->db': 'none' },
  },
  {
    rule: 'policyTypes defaults to Ingress+Egress when egress rules exist',
    policies: [
      netpol('a', 'egress', {
        podSelector: { matchLabels: { app: 'web' } },
        egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }] }],
      }),
    ],
    expected: { ...open, 'web->client': 'none', 'db->web': 'none', 'client->web': 'none' },
  },
  {
    rule: 'policyTypes [Egress] with no egress rules denies all egress and leaves ingress open',
    policies: [
      netpol('a', 'egress-only', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'] }),
    ],
    expected: { ...open, 'web->db': 'none', 'web->client': 'none' },
  },
  {
    rule: 'podSelector alone selects pods of the policy namespace only',
    policies: [
      netpol('a', 'from-app', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ podSelector: {} }] }],
      }),
    ],
    expected: { ...open, 'client->db': 'none' },
  },
  {
    rule: 'podSelector and namespaceSelector in one peer: both must match (AND)',
    policies: [
      netpol('a', 'and', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { team: 'y' } },
                podSelector: { matchLabels: { app: 'web' } },
              },
            ],
          },
        ],
      }),
    ],
    expected: { ...open, 'web->db': 'none', 'client->db': 'none' },
  },
  {
    rule: 'podSelector and namespaceSelector as two peers: either matches (OR)',
    policies: [
      netpol('a', 'or', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [
          {
            from: [
              { namespaceSelector: { matchLabels: { team: 'y' } } },
              { podSelector: { matchLabels: { app: 'web' } } },
            ],
          },
        ],
      }),
    ],
    expected: open,
  },
  {
    rule: 'namespaceSelector on the automatic kubernetes.io/metadata.name label',
    policies: [
      netpol('a', 'by-name', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'b' } } }] }],
      }),
    ],
    expected: { ...open, 'web->db': 'none' },
  },
  {
    rule: 'matchExpressions: In, NotIn, Exists, DoesNotExist',
    policies: [
      netpol('a', 'expr', {
        podSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
        ingress: [
          {
            from: [
              {
                namespaceSelector: {},
                podSelector: {
                  matchExpressions: [
                    { key: 'app', operator: 'In', values: ['client', 'other'] },
                    { key: 'tier', operator: 'DoesNotExist' },
                  ],
                },
              },
              { podSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] } },
            ],
          },
        ],
      }),
    ],
    expected: { ...open, 'web->db': 'none' },
  },
  {
    rule: 'ports: numeric, named (resolved on the destination pod), default protocol TCP',
    policies: [
      netpol('a', 'ports', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ ports: [{ port: 'pg' }, { port: 53, protocol: 'UDP' }, { port: 9999 }] }],
      }),
    ],
    expected: { ...open, 'web->db': 'TCP 5432,9999,UDP 53', 'client->db': 'TCP 5432,9999,UDP 53' },
  },
  {
    rule: 'a named port the destination does not have matches nothing',
    policies: [
      netpol('a', 'named', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ ports: [{ port: 'pg' }] }],
      }),
    ],
    expected: { ...open, 'db->web': 'none', 'client->web': 'none' },
  },
  {
    rule: 'a named port in an egress rule is resolved on each destination pod',
    policies: [
      netpol('a', 'named-egress', {
        podSelector: { matchLabels: { app: 'web' } },
        policyTypes: ['Egress'],
        egress: [{ ports: [{ port: 'pg' }] }],
      }),
    ],
    expected: { ...open, 'web->db': 'TCP 5432', 'web->client': 'none' },
  },
  {
    rule: 'endPort makes a range; SCTP is its own protocol; a port without number is the whole protocol',
    policies: [
      netpol('a', 'range', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ ports: [{ port: 8000, endPort: 8080 }, { protocol: 'SCTP' }] }],
      }),
    ],
    expected: {
      ...open,
      'db->web': 'SCTP 1-65535,TCP 8000-8080',
      'client->web': 'SCTP 1-65535,TCP 8000-8080',
    },
  },
  {
    rule: "a connection needs the source's egress and the destination's ingress",
    policies: [
      netpol('a', 'db-in', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ ports: [{ port: 5432 }, { port: 6000 }] }],
      }),
      netpol('a', 'web-out', {
        podSelector: { matchLabels: { app: 'web' } },
        policyTypes: ['Egress'],
        egress: [{ ports: [{ port: 5432 }, { port: 7000 }] }],
      }),
    ],
    expected: {
      ...open,
      'web->db': 'TCP 5432',
      'web->client': 'TCP 5432,7000',
      'client->db': 'TCP 5432,6000',
    },
  },
  {
    rule: 'several policies selecting one pod add up',
    policies: [
      netpol('a', 'one', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 5432 }] }],
      }),
      netpol('a', 'two', {
        podSelector: {},
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { team: 'y' } } }],
            ports: [{ port: 53, protocol: 'UDP' }],
          },
        ],
      }),
    ],
    expected: {
      ...open,
      'web->db': 'TCP 5432',
      'client->db': 'UDP 53',
      'db->web': 'none',
      'client->web': 'UDP 53',
    },
  },
  {
    rule: 'ipBlock peers match outside addresses only, never pods',
    policies: [
      netpol('a', 'ip', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }],
      }),
    ],
    expected: { ...open, 'web->db': 'none', 'client->db': 'none' },
  },
];

describe('Kubernetes NetworkPolicy semantics', () => {
  it.each(cases)('$rule', ({ policies, expected }) => {
    expect(matrix(analyzeYaml([...cluster, ...policies]))).toEqual(expected);
  });

  it('ipBlock with except splits outside addresses into blocks', () => {
    const analysis = analyzeYaml([
      ...cluster,
      netpol('a', 'ip', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [
          { from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 5432 }] },
        ],
      }),
    ]);
    const toDb = analysis
      .connections()
      .filter((c) => c.dst === 'a/db[Pod]' && c.src.endsWith('[External]'))
      .map((c) => `${c.src} ${c.conn}`);
    expect(toDb).toEqual([
      '10.0.0.0-10.0.255.255[External] TCP 5432',
      '10.2.0.0-10.255.255.255[External] TCP 5432',
    ]);
  });

  it.each([
    [
      'port out of range',
      { podSelector: {}, ingress: [{ ports: [{ port: 70000 }] }] },
      /spec.ingress\[0\].ports\[0\].port: port out of range \(70000\)/,
    ],
    [
      'endPort below port',
      { podSelector: {}, ingress: [{ ports: [{ port: 90, endPort: 80 }] }] },
      /endPort: must not be below port/,
    ],
    [
      'unknown protocol',
      { podSelector: {}, ingress: [{ ports: [{ port: 80, protocol: 'ICMP' }] }] },
      /protocol: must be TCP, UDP or SCTP/,
    ],
    [
      'malformed selector',
      { podSelector: { matchExpressions: [{ key: 'a', operator: 'Has' }] } },
      /malformed selector: spec.podSelector.matchExpressions\[0\].operator/,
    ],
    [
      'peer without selector',
      { podSelector: {}, ingress: [{ from: [{}] }] },
      /spec.ingress\[0\].from\[0\]: a peer needs/,
    ],
  ])('rejects %s naming file, object and field', (_name, spec, message) => {
    const run = () => analyzeYaml([...cluster, netpol('a', 'broken', spec)]);
    expect(run).toThrow(ManifestError);
    expect(run).toThrow(/given-5\.yaml:1: NetworkPolicy a\/broken: /);
    expect(run).toThrow(message);
  });
});
