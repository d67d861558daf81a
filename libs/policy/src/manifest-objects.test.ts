import { describe, expect, it } from 'vitest';
import { ManifestError, parseManifests } from './manifest-objects';

function errorOf(parse: () => unknown): ManifestError {
  try {
    parse();
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error('expected a ManifestError');
}

describe('parseManifests', () => {
  it('reads every document, skips empty ones and flattens Lists, each object with its line', () => {
    const text = [
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: webapp',
      '',
      'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ServiceAccount\n    metadata:\n      name: backend',
    ].join('\n---\n');
    expect(parseManifests(text, 'x.yaml').map((o) => [o.kind, o.metadata.name, o.source])).toEqual([
      ['Namespace', 'webapp', { file: 'x.yaml', line: 1 }],
      ['ServiceAccount', 'backend', { file: 'x.yaml', line: 11 }],
    ]);
  });

  it.each([
    ['a scalar document', 'just text', 1, /^bad\.yaml:1: a manifest document must be a mapping/],
    ['no kind', 'apiVersion: v1\nmetadata:\n  name: x', 1, /^bad\.yaml:1: kind: required/],
    [
      'a broken second document',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\nkind: [',
      6,
      /^bad\.yaml:6: invalid YAML: /,
    ],
  ])('names the file and line for %s', (_name, text, line, message) => {
    const error = errorOf(() => parseManifests(text, 'bad.yaml'));
    expect(error.source).toEqual({ file: 'bad.yaml', line });
    expect(error.message).toMatch(message);
  });

  it('rejects a repeated key unless uniqueKeys: false lets the later value win', () => {
    const text = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  name: b\n';
    expect(parseManifests(text, 'dup.yaml', { uniqueKeys: false })[0].metadata.name).toBe('b');
    const error = errorOf(() => parseManifests(text, 'dup.yaml'));
    expect(error.source).toEqual({ file: 'dup.yaml', line: 5 });
    expect(error.message).toMatch(/^dup\.yaml:5: invalid YAML: Map keys must be unique/);
  });
});

// parseManifests reads most texts with js-yaml (fast) and the rest with the yaml package (full). Both must give
// the same objects and lines: `uniqueKeys: false` always takes the full parser, so on texts without repeated keys
// the two calls compare the two paths.
describe('parseManifests: the fast path reads as the full parser does', () => {
  const deployment = [
    '# a comment before the document',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: {name: web, namespace: shop, labels: {app: web, version: "1.0"}}',
    'spec:',
    '  replicas: 2',
    '  template:',
    '    metadata:',
    '      labels:',
    '        app: web',
    '        tier: "007"',
    '        on: yes',
    '    spec:',
    '      containers:',
    '        - name: web',
    '          args: [--port, "8080", ~, null, true, 0x1F, 0o17, 1e3, .5, -.inf, 2024-01-01]',
    '          command:',
    '            - |',
    '              echo "---"',
    '              exit 0',
    '          env:',
    "            - {name: A, value: 'it''s'}",
    '            - name: B',
    '              value: >-',
    '                folded',
    '                text',
  ].join('\n');
  const list = [
    'apiVersion: v1',
    'kind: PodList',
    'items:',
    '  - metadata: {name: a}',
    '    spec: {}',
    '',
    '  # between items',
    '  - metadata:',
    '      name: b',
    '  - {metadata: {name: c}}',
  ].join('\n');
  const cases: Array<[string, string]> = [
    ['one Deployment with every scalar style', deployment],
    [
      'documents with separators, comments and empty ones',
      `---\n${deployment}\n---\n\n---\n# only a comment\n---\n${deployment}\n...\n`,
    ],
    ['a typed List with items over several lines', list],
    [
      'JSON',
      '{"apiVersion": "v1", "kind": "List", "items": [\n {"kind": "Namespace", "metadata": {"name": "x"}},\n {"kind": "Namespace", "metadata": {"name": "y"}}]}',
    ],
    ['a list after a plain document', `${deployment}\n---\n${list}`],
    [
      'a quoted wildcard path (no alias)',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {path: "/api/*", any: "*"}',
    ],
  ];
  it.each(cases)('%s', (_name, text) => {
    const fast = parseManifests(text, 'x.yaml');
    expect(fast.length).toBeGreaterThan(0);
    expect(fast).toEqual(parseManifests(text, 'x.yaml', { uniqueKeys: false }));
  });

  it.each([
    [
      'a repeated key',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  name: b\n',
      /^x\.yaml:5: invalid YAML: Map keys must be unique/,
    ],
    [
      'a tab where indentation belongs',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n\tname: a\n',
      /^x\.yaml:4: invalid YAML: /,
    ],
    [
      'an unclosed flow mapping',
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: a\n',
      /^x\.yaml:\d+: invalid YAML: /,
    ],
  ])('%s is worded by the full parser, with its line', (_name, text, message) => {
    expect(errorOf(() => parseManifests(text, 'x.yaml')).message).toMatch(message);
  });
});

describe('parseManifests: string values are copied out of the text', () => {
  it.each([
    ['the fast path', 'a: x'],
    ['the full parser', 'a: &x x\nb: *x'],
  ])('keeps every value as written by %s (lone surrogates, repeats, long scalars)', (_name, extra) => {
    const long = 'value-that-is-longer-than-a-slice';
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "\\ud800-${long}"}\ndata:\n  one: ${long}\n  two: ${long}\n  list: [TCP, TCP, "${long}"]\n  ${extra.replace('\n', '\n  ')}\n`;
    const [obj] = parseManifests(text, 'x.yaml');
    expect(obj.metadata.name).toBe(`\ud800-${long}`);
    expect(obj.data).toMatchObject({ one: long, two: long, list: ['TCP', 'TCP', long], a: 'x' });
  });
});
