import { isMap, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';

/** Where an object came from: file and 1-based line, for messages people can act on. */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

/** A Kubernetes-style object read from a manifest, with its source position. */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
    readonly ownerReferences?: ReadonlyArray<{ kind?: string; name?: string; controller?: boolean }>;
  };
  // The rest of the object is untyped on purpose: every reader validates the fields it uses.
  readonly [field: string]: unknown;
  readonly source: SourceRef;
}

/** Bad input (invalid YAML, unknown kind, malformed selector, port out of range): the CLI exits 2 on it. */
export class ManifestError extends Error {
  constructor(
    readonly source: SourceRef,
    readonly object: string,
    readonly detail: string,
  ) {
    super(`${source.file}:${source.line}: ${object ? `${object}: ` : ''}${detail}`);
    this.name = 'ManifestError';
  }
}

/** `Kind ns/name` of an object, for messages. */
export function describeObject(obj: Pick<ManifestObject, 'kind' | 'metadata'>): string {
  const { name = '<unnamed>', namespace } = obj.metadata ?? {};
  return `${obj.kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

const LIST_KINDS = /List$/;

function lineOf(node: Node | null | undefined, counter: LineCounter): number {
  const offset = node?.range?.[0];
  return offset === undefined ? 1 : counter.linePos(offset).line;
}

function toObject(value: unknown, source: SourceRef): ManifestObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ManifestError(source, '', 'a manifest document must be a mapping with apiVersion and kind');
  }
  const record = value as Record<string, unknown>;
  if (typeof record.kind !== 'string' || record.kind === '')
    throw new ManifestError(source, '', 'kind: required');
  const metadata = (record.metadata ?? {}) as ManifestObject['metadata'];
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new ManifestError(source, record.kind, 'metadata: must be a mapping');
  }
  return { ...record, apiVersion: String(record.apiVersion ?? ''), kind: record.kind, metadata, source };
}

/** Options for parseManifests. */
export interface ParseManifestsOptions {
  /** Reject a mapping that repeats a key as invalid YAML (default false: the later value wins). */
  readonly uniqueKeys?: boolean;
}

/**
 * Parses one YAML or JSON text (several documents allowed) into objects, flattening `kind: *List` wrappers.
 * Throws ManifestError naming file and line on invalid YAML.
 */
export function parseManifests(
  text: string,
  file: string,
  options: ParseManifestsOptions = {},
): ManifestObject[] {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter: counter,
    prettyErrors: false,
    uniqueKeys: options.uniqueKeys ?? false,
  });
  const out: ManifestObject[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const error = doc.errors[0];
    if (error) {
      const line = counter.linePos(error.pos[0]).line;
      throw new ManifestError({ file, line }, '', `invalid YAML: ${error.message.split('\n')[0]}`);
    }
    if (doc.contents === null) continue;
    const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
    if (value === null || value === undefined) continue;
    const source = { file, line: lineOf(doc.contents, counter) };
    const obj = toObject(value, source);
    if (LIST_KINDS.test(obj.kind) && Array.isArray(obj.items)) {
      const itemsNode = isMap(doc.contents) ? doc.contents.get('items', true) : undefined;
      const nodes = isSeq(itemsNode) ? itemsNode.items : [];
      // Items of a typed list (PodList) omit their kind: it is the list's kind without `List`.
      const itemKind = obj.kind === 'List' ? undefined : obj.kind.replace(LIST_KINDS, '');
      (obj.items as unknown[]).forEach((item, i) => {
        const withKind =
          itemKind && typeof item === 'object' && item !== null && !('kind' in item)
            ? { kind: itemKind, ...item }
            : item;
        out.push(toObject(withKind, { file, line: lineOf(nodes[i] as Node, counter) }));
      });
      continue;
    }
    out.push(obj);
  }
  return out;
}
