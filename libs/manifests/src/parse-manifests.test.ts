import { describe, expect, it } from 'vitest';
import { ManifestInputError } from './manifest-input-error';
import { parseManifests } from './parse-manifests';

describe('parseManifests', () => {
  it('reads every document, skips empty ones and flattens Lists', () => {
    const text = [
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: webapp',
      '',
      'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ServiceAccount\n    metadata:\n      name: backend',
    ].join('\n---\n');
    expect(parseManifests(text, 'x.yaml').map((object) => `${object.kind}/${object.metadata.name}`)).toEqual([
      'Namespace/webapp',
      'ServiceAccount/backend',
    ]);
  });

  it.each([
    [
      'broken YAML',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: [webapp\n',
      /^bad\.yaml \(document 1\): invalid YAML at line \d+/,
    ],
    ['a scalar document', 'just text', /^bad\.yaml \(document 1, line 1\): a document must be a mapping/],
    ['no kind', 'apiVersion: v1\nmetadata:\n  name: x', /^bad\.yaml \(document 1, line 1\): missing kind/],
    [
      'no name',
      'apiVersion: v1\nkind: Service\nmetadata: {}',
      /^bad\.yaml \(Service at document 1, line 1\): missing metadata\.name/,
    ],
    [
      'a broken second document',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\nkind: [',
      /^bad\.yaml \(document 2\): invalid YAML at line 6/,
    ],
  ])('names the file and document for %s', (_name, text, message) => {
    const error = (() => {
      try {
        parseManifests(text, 'bad.yaml');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ManifestInputError);
    expect((error as ManifestInputError).file).toBe('bad.yaml');
    expect((error as Error).message).toMatch(message);
  });
});
