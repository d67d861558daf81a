import { ManifestError } from '@ztmesh/policy';
import { describe, expect, it } from 'vitest';
import { strictManifestObjects } from './strict-manifest-objects';

describe('strictManifestObjects', () => {
  it('returns the objects without their source position (the strict schemas would call it unknown)', () => {
    expect(
      strictManifestObjects('apiVersion: v1\nkind: Namespace\nmetadata: {name: webapp}\n', 'x.yaml'),
    ).toEqual([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'webapp' } }]);
  });

  it.each([
    [
      'broken YAML',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: [webapp\n',
      /^bad\.yaml \(line \d+\): invalid YAML: /,
    ],
    ['a scalar document', 'just text', /^bad\.yaml \(line 1\): a manifest document must be a mapping/],
    ['no kind', 'apiVersion: v1\nmetadata:\n  name: x', /^bad\.yaml \(line 1\): kind: required/],
    [
      'no apiVersion',
      'kind: Service\nmetadata:\n  name: x\n  namespace: webapp',
      /^bad\.yaml \(Service webapp\/x at line 1\): missing apiVersion/,
    ],
    [
      'no name',
      'apiVersion: v1\nkind: Service\nmetadata: {}',
      /^bad\.yaml \(Service at line 1\): missing metadata\.name/,
    ],
    [
      'a list item with no name',
      'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Service\n    metadata: {}',
      /^bad\.yaml \(Service at line 4\): missing metadata\.name/,
    ],
    [
      'a broken second document',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\nkind: [',
      /^bad\.yaml \(line 6\): invalid YAML: /,
    ],
    [
      'a repeated key',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  name: b\n',
      /^bad\.yaml \(line 5\): invalid YAML: Map keys must be unique/,
    ],
  ])('names the file and line for %s', (_name, text, message) => {
    const error = (() => {
      try {
        strictManifestObjects(text, 'bad.yaml');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).file).toBe('bad.yaml');
    expect((error as Error).message).toMatch(message);
  });
});
