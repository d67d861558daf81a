import { LineCounter, parseAllDocuments } from 'yaml';
import { ManifestInputError } from './manifest-input-error';
import type { ManifestObject } from './manifest-object';

/**
 * Parses a multi-document YAML stream into Kubernetes objects. Throws ManifestInputError naming `file`, the
 * document and its line for broken YAML or for a document that is not an object with apiVersion, kind and
 * metadata.name. Empty documents are skipped; `List` objects are flattened into their items.
 */
export function parseManifests(text: string, file: string): ManifestObject[] {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter });
  if (!Array.isArray(documents)) {
    throw new ManifestInputError(file, 'not a YAML document stream');
  }
  const objects: ManifestObject[] = [];
  documents.forEach((document, index) => {
    const where = `document ${index + 1}`;
    const problem = document.errors[0];
    if (problem) {
      const line = lineCounter.linePos(problem.pos[0]).line;
      throw new ManifestInputError(
        file,
        `invalid YAML at line ${line}: ${problem.message.split('\n')[0]}`,
        where,
      );
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) return;
    const line = lineCounter.linePos(document.range[0]).line;
    for (const item of flattenList(value))
      objects.push(asManifestObject(item, file, `${where}, line ${line}`));
  });
  return objects;
}

function flattenList(value: unknown): unknown[] {
  const list = value as { kind?: unknown; items?: unknown };
  if (list && typeof list === 'object' && list.kind === 'List' && Array.isArray(list.items))
    return list.items;
  return [value];
}

function asManifestObject(value: unknown, file: string, where: string): ManifestObject {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ManifestInputError(file, 'a document must be a mapping (a Kubernetes object)', where);
  }
  const candidate = value as Partial<ManifestObject>;
  for (const field of ['apiVersion', 'kind'] as const) {
    if (typeof candidate[field] !== 'string' || candidate[field] === '') {
      throw new ManifestInputError(file, `missing ${field}`, where);
    }
  }
  if (typeof candidate.metadata?.name !== 'string' || candidate.metadata.name === '') {
    throw new ManifestInputError(file, 'missing metadata.name', `${candidate.kind} at ${where}`);
  }
  return candidate as ManifestObject;
}
