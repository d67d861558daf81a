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
