import { CORE_SCHEMA, loadAll, type State } from 'js-yaml';
import { Composer, isMap, isSeq, LineCounter, Parser, type Node } from 'yaml';

/** Where an object came from: file and 1-based line, for messages people can act on. */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

/** The part of every Kubernetes object's metadata that readers use without knowing its kind. */
export interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly ownerReferences?: ReadonlyArray<{ kind?: string; name?: string; controller?: boolean }>;
}

/** A Kubernetes object of any kind: the fields beyond these are read by whoever knows the kind. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  // The rest of the object is untyped on purpose: every reader validates the fields it uses.
  readonly [field: string]: unknown;
}

/** A Kubernetes object read from a manifest, with its source position. */
export interface ManifestObject extends KubeObject {
  readonly source: SourceRef;
}

/**
 * Bad input (invalid YAML, unknown kind, malformed selector, port out of range, a file that cannot be read, a
 * render that fails): the CLI exits 2 on it. The message names the file, the line when it is known, and the
 * object or place when there is one.
 */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  /** The file, directory or `<stdin>` the input came from. */
  readonly file: string;
  /** File and line, when the error is at a known line. */
  readonly source: SourceRef | undefined;

  constructor(
    at: SourceRef | string,
    /** `Kind namespace/name`, or a place (`Kind at line L`, `line L`, `document N`); '' when there is none. */
    readonly object: string,
    readonly detail: string,
  ) {
    super(
      typeof at === 'string'
        ? `${at}${object ? ` (${object})` : ''}: ${detail}`
        : `${at.file}:${at.line}: ${object ? `${object}: ` : ''}${detail}`,
    );
    this.file = typeof at === 'string' ? at : at.file;
    this.source = typeof at === 'string' ? undefined : at;
  }
}

/** `Kind ns/name` of an object, for messages. */
export function describeObject(obj: Pick<ManifestObject, 'kind' | 'metadata'>): string {
  const { name = '<unnamed>', namespace } = obj.metadata ?? {};
  return `${obj.kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

/** The API group of an apiVersion (`''` for the core group). */
export function apiGroup(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

const LIST_KINDS = /List$/;

/** Aliases one document may expand: far above any real manifest, far below a "billion laughs" bomb. */
export const MAX_ALIAS_COUNT = 100;

/** Nesting depth one document may reach: real manifests stay under 30; 10k levels overflow the stack. */
export const MAX_NESTING_DEPTH = 200;

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a sequence';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

/** The first place where `text` nests deeper than MAX_NESTING_DEPTH brackets or indentation levels, or -1. */
function tooDeepAt(text: string): number {
  // Flow collections: count brackets outside quotes and comments (a cheap over-estimate is fine: the bound is generous).
  let depth = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"') i++;
      continue;
    }
    if (c === '"' || c === "'") {
      if (i === 0 || /[\s[{,:]/.test(text[i - 1])) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      const end = text.indexOf('\n', i);
      if (end < 0) break;
      i = end;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_NESTING_DEPTH) return i;
    } else if (c === ']' || c === '}') {
      depth = Math.max(0, depth - 1);
    } else if (c === '\n') {
      // Block collections: two columns per level is the least YAML allows in practice.
      let indent = 0;
      while (text[i + 1 + indent] === ' ' || text[i + 1 + indent] === '-') indent++;
      if (indent > MAX_NESTING_DEPTH * 2 && depth === 0) return i + 1;
    }
  }
  return -1;
}

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
  if (record.metadata === undefined || record.metadata === null) {
    // A List wrapper may omit it (its items carry their own); every other object is named by it.
    if (LIST_KINDS.test(record.kind))
      return {
        ...record,
        apiVersion: String(record.apiVersion ?? ''),
        kind: record.kind,
        metadata: {},
        source,
      };
    throw new ManifestError(source, record.kind, 'metadata: required');
  }
  const metadata = record.metadata as ManifestObject['metadata'];
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new ManifestError(source, record.kind, 'metadata: must be a mapping');
  }
  for (const field of ['name', 'namespace'] as const) {
    const value = metadata[field] as unknown;
    // A mapping or number here printed as `[object Object]` or matched nothing, silently.
    if (value !== undefined && typeof value !== 'string')
      throw new ManifestError(
        source,
        record.kind,
        `metadata.${field}: must be a string, not ${describeType(value)}`,
      );
  }
  return { ...record, apiVersion: String(record.apiVersion ?? ''), kind: record.kind, metadata, source };
}

/** Options for parseManifests. */
export interface ParseManifestsOptions {
  /**
   * Reject a mapping that repeats a key as invalid YAML (default true: a repeated key is how a second selector or
   * port hides behind the first, and kubectl rejects it too). False lets the later value win.
   */
  readonly uniqueKeys?: boolean;
}

/**
 * What the fast path leaves to the full parser: a place where an alias (`*name`) may start (the alias limit is
 * the yaml package's), and the integers js-yaml's core schema reads as numbers where YAML 1.2's core schema, the
 * yaml package's, keeps a string (`0b101`, a signed `-0x1F` or `+0o17`). Over-matching only costs speed.
 */
const FULL_PARSER_ONLY = /(?:^|[\s[{,])\*|(?:^|[\s[{,:])(?:[-+]?0b[01]|[-+]0[xo][0-9a-fA-F])/;

/** One document as js-yaml read it, with the 1-based line where it starts. */
interface FastDocument {
  readonly value: unknown;
  readonly line: number;
}

/** Nodes this deep (the root is 1) get their line recorded: a List's items are at 2 or 3 (js-yaml may open twice). */
const RECORDED_DEPTH = 3;

/**
 * The documents of `text` by js-yaml (about eight times faster than the yaml package's syntax trees, which is
 * what makes tens of megabytes affordable), with the lines of the shallow collections from its node events;
 * undefined when js-yaml refuses the text or the events do not line up, so that the full parser judges it and
 * words the error. Duplicate keys are refused by js-yaml too; CORE_SCHEMA resolves scalars as the yaml package's
 * default YAML 1.2 core schema does (no timestamps, no `<<` merge). Texts FULL_PARSER_ONLY matches never come here.
 */
function fastDocuments(
  text: string,
): { documents: FastDocument[]; lineOf: ReadonlyMap<unknown, number> } | undefined {
  const documents: FastDocument[] = [];
  const lineOf = new Map<unknown, number>();
  // The lines where the open nodes start, the document's root first.
  const open: number[] = [];
  const values: unknown[] = [];
  try {
    loadAll(text, (value) => values.push(value), {
      schema: CORE_SCHEMA,
      listener(event: 'open' | 'close', state: State) {
        if (event === 'open') {
          open.push(state.line + 1);
          return;
        }
        const line = open.pop() ?? 1;
        const value: unknown = state.result;
        // The innermost open of a node is where it starts; an outer one wrapping the same value comes later.
        if (open.length < RECORDED_DEPTH && typeof value === 'object' && value !== null && !lineOf.has(value))
          lineOf.set(value, line);
        if (open.length === 0) documents.push({ value, line });
      },
    });
  } catch {
    return undefined;
  }
  if (documents.length !== values.length || documents.some((doc, i) => doc.value !== values[i]))
    return undefined;
  return { documents, lineOf };
}

/** The objects of the documents js-yaml read, as parseManifests returns them; undefined if a line is unknown. */
function objectsOf(
  { documents, lineOf }: NonNullable<ReturnType<typeof fastDocuments>>,
  file: string,
): ManifestObject[] | undefined {
  const out: ManifestObject[] = [];
  for (const doc of documents) {
    if (doc.value === null || doc.value === undefined) continue;
    const obj = toObject(doc.value, { file, line: lineOf.get(doc.value) ?? doc.line });
    if (LIST_KINDS.test(obj.kind) && Array.isArray(obj.items)) {
      const lines = (obj.items as unknown[]).map((item) => lineOf.get(item));
      if (lines.some((line) => line === undefined)) return undefined;
      pushListItems(out, obj, file, (i) => lines[i] as number);
      continue;
    }
    out.push(obj);
  }
  return out;
}

/** A List's items as objects; items of a typed list (PodList) omit their kind: the list's kind without `List`. */
function pushListItems(
  out: ManifestObject[],
  list: ManifestObject,
  file: string,
  lineOfItem: (index: number) => number,
): void {
  const itemKind = list.kind === 'List' ? undefined : list.kind.replace(LIST_KINDS, '');
  (list.items as unknown[]).forEach((item, i) => {
    const withKind =
      itemKind && typeof item === 'object' && item !== null && !('kind' in item)
        ? { kind: itemKind, ...item }
        : item;
    out.push(toObject(withKind, { file, line: lineOfItem(i) }));
  });
}

/**
 * Below this length V8 copies a substring; from it on, `slice` (which both parsers use for scalars) makes a sliced
 * string that points into the whole input text (V8's SlicedString::kMinLength).
 */
const SLICE_MIN_LENGTH = 13;

/**
 * Replaces, in place, every string value of the parsed objects by a flat copy shared by equal values of this text,
 * and every list by a copy of exactly its length. Deliberate memory choices: a scalar the parser cut out of the
 * text is a sliced (or concatenated) string that keeps the whole file text alive for as long as the object lives
 * (the analysis keeps every object to its end, so the input was held twice: as text and as objects), equal scalars
 * (`TCP`, `http`, env names) were one string each, and a list the parser grew by push keeps room for 16 more
 * items. Keys need nothing: V8 interns property keys. Equal strings and equal lists: no output changes (a list
 * reached twice, through an alias, stays one list).
 */
function compactValues(roots: readonly unknown[]): void {
  const pool = new Map<string, string>();
  const own = (value: string): string => {
    let shared = pool.get(value);
    if (shared === undefined) {
      // A round trip through JSON is a lossless copy of any string (lone surrogates included) into a new flat one.
      shared = value.length < SLICE_MIN_LENGTH ? value : (JSON.parse(JSON.stringify(value)) as string);
      pool.set(shared, shared);
    }
    return shared;
  };
  // Each list to its copy (and each mapping to itself): what has been visited, so that an alias is visited once.
  const done = new Map<object, object>();
  const stack: object[] = [];
  const visit = (value: object): object => {
    let out = done.get(value);
    if (out === undefined) {
      out = Array.isArray(value) ? value.slice() : value;
      done.set(value, out);
      stack.push(out);
    }
    return out;
  };
  for (const root of roots) if (typeof root === 'object' && root !== null) visit(root);
  while (stack.length > 0) {
    const node = stack.pop() as Record<string, unknown> | unknown[];
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        if (typeof item === 'string') node[i] = own(item);
        else if (typeof item === 'object' && item !== null) node[i] = visit(item);
      }
      continue;
    }
    for (const key of Object.keys(node)) {
      const item = node[key];
      if (typeof item === 'string') node[key] = own(item);
      else if (typeof item === 'object' && item !== null) node[key] = visit(item);
    }
  }
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
  const deep = tooDeepAt(text);
  if (deep >= 0) {
    const line = text.slice(0, deep).split('\n').length;
    throw new ManifestError(
      { file, line },
      '',
      `invalid YAML: nested deeper than ${MAX_NESTING_DEPTH} levels`,
    );
  }
  // The fast path for what real manifests are; anything it does not take (a possible alias, repeated keys
  // allowed, a text js-yaml refuses) goes to the full parser, which also words every YAML error.
  if ((options.uniqueKeys ?? true) && !FULL_PARSER_ONLY.test(text)) {
    const read = fastDocuments(text);
    const objects = read && objectsOf(read, file);
    if (objects) {
      compactValues(objects);
      return objects;
    }
  }
  const objects = parseManifestsFully(text, file, options);
  compactValues(objects);
  return objects;
}

/** parseManifests by the yaml package: syntax trees, its alias limit and its error messages. */
function parseManifestsFully(text: string, file: string, options: ParseManifestsOptions): ManifestObject[] {
  const counter = new LineCounter();
  // One document at a time (what parseAllDocuments does, without keeping every document's syntax tree until the
  // last is parsed): each tree is garbage once its objects are out, so memory follows the objects, not the trees.
  const composer = new Composer({ uniqueKeys: options.uniqueKeys ?? true });
  const out: ManifestObject[] = [];
  for (const doc of composer.compose(new Parser(counter.addNewLine).parse(text))) {
    const error = doc.errors[0];
    if (error) {
      const line = counter.linePos(error.pos[0]).line;
      throw new ManifestError({ file, line }, '', `invalid YAML: ${error.message.split('\n')[0]}`);
    }
    if (doc.contents === null) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
    } catch (error) {
      // yaml throws a ReferenceError on an alias bomb (and on an alias to nothing): bad input, not a crash.
      if (!(error instanceof ReferenceError)) throw error;
      const line = lineOf(doc.contents, counter);
      throw new ManifestError({ file, line }, '', `invalid YAML: ${error.message.split('\n')[0]}`);
    }
    if (value === null || value === undefined) continue;
    const source = { file, line: lineOf(doc.contents, counter) };
    const obj = toObject(value, source);
    if (LIST_KINDS.test(obj.kind) && Array.isArray(obj.items)) {
      const itemsNode = isMap(doc.contents) ? doc.contents.get('items', true) : undefined;
      const nodes = isSeq(itemsNode) ? itemsNode.items : [];
      pushListItems(out, obj, file, (i) => lineOf(nodes[i] as Node, counter));
      continue;
    }
    out.push(obj);
  }
  return out;
}
