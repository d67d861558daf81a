import { describeObject, ManifestError, parseManifests } from '@ztmesh/policy';
import type { RenderedObject } from './rendered-object';

/**
 * The validator's reading of a YAML stream: the analyzer's parseManifests (one parser for the repo) with repeated
 * keys rejected, plus what the validator needs of every object (apiVersion and metadata.name). Every problem is
 * a ManifestError naming the file, the line and, once its kind is known, the object.
 */
export function strictManifestObjects(text: string, file: string): RenderedObject[] {
  return parseStrictly(text, file).map(({ source, ...object }) => {
    // `source` stays behind: the strict schemas would call it an unknown field.
    if (object.apiVersion === '')
      throw new ManifestError(file, at(describeObject(object), source.line), 'missing apiVersion');
    if (typeof object.metadata.name !== 'string' || object.metadata.name === '')
      throw new ManifestError(file, at(object.kind, source.line), 'missing metadata.name');
    return object as RenderedObject;
  });
}

function parseStrictly(text: string, file: string): ReturnType<typeof parseManifests> {
  try {
    return parseManifests(text, file, { uniqueKeys: true });
  } catch (error) {
    if (!(error instanceof ManifestError) || !error.source) throw error;
    // Reworded as every validator message is: the file, then the place in parentheses (`Kind at line L`).
    throw new ManifestError(file, at(error.object, error.source.line), error.detail);
  }
}

function at(object: string, line: number): string {
  return object ? `${object} at line ${line}` : `line ${line}`;
}
