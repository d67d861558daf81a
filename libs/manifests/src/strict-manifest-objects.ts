import { describeObject, ManifestError, parseManifests } from '@ztmesh/policy';
import { ManifestInputError } from './manifest-input-error';
import type { RenderedObject } from './rendered-object';

/**
 * The validator's reading of a YAML stream: the analyzer's parseManifests (one parser for the repo) with repeated
 * keys rejected, plus what the validator needs of every object (apiVersion and metadata.name). Every problem is
 * a ManifestInputError naming the file, the line and, once its kind is known, the object.
 */
export function strictManifestObjects(text: string, file: string): RenderedObject[] {
  return parseStrictly(text, file).map(({ source, ...object }) => {
    // `source` stays behind: the strict schemas would call it an unknown field.
    if (object.apiVersion === '')
      throw new ManifestInputError(file, 'missing apiVersion', at(describeObject(object), source.line));
    if (typeof object.metadata.name !== 'string' || object.metadata.name === '')
      throw new ManifestInputError(file, 'missing metadata.name', at(object.kind, source.line));
    return object as RenderedObject;
  });
}

function parseStrictly(text: string, file: string): ReturnType<typeof parseManifests> {
  try {
    return parseManifests(text, file, { uniqueKeys: true });
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    throw new ManifestInputError(file, error.detail, at(error.object, error.source.line));
  }
}

function at(object: string, line: number): string {
  return object ? `${object} at line ${line}` : `line ${line}`;
}
