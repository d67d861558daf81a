import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import manifest from './upstream-schemas.json';

/** One pinned upstream schema file: where it goes under a schemas directory, where it comes from, its sha256. */
export interface UpstreamSchemaFile {
  readonly path: string;
  readonly url: string;
  readonly sha256: string;
}

/** The pinned upstream schema files (src/schemas/upstream-schemas.json, the one list of them). */
export const UPSTREAM_SCHEMA_FILES: readonly UpstreamSchemaFile[] = manifest.files;

/** Where a schemas directory was found: given (`--schemas`), the sibling shared checkout, or the fetch cache. */
export type SchemasSource = 'option' | 'shared' | 'cache';

/** The outcome of findUpstreamSchemas: `dir` when found; `looked` lists every place asked, in order. */
export interface SchemasLookup {
  readonly dir?: string;
  readonly source?: SchemasSource;
  readonly looked: readonly string[];
}

/** Options of findUpstreamSchemas. */
export interface FindUpstreamSchemasOptions {
  /** The repository root; `<repoRoot>/../shared/schemas` is asked after `schemasDir`. */
  readonly repoRoot: string;
  /** An explicit directory (`--schemas`): the only place asked when set. */
  readonly schemasDir?: string;
  /** The environment that locates the cache (default process.env: XDG_CACHE_HOME, HOME). */
  readonly env?: NodeJS.ProcessEnv;
}

const PIN_ID = createHash('sha256')
  .update(UPSTREAM_SCHEMA_FILES.map((file) => `${file.path} ${file.sha256}\n`).join(''))
  .digest('hex')
  .slice(0, 12);

/**
 * The cache directory `ztctl schemas fetch` fills for the current pins:
 * `${XDG_CACHE_HOME:-~/.cache}/ztmesh/schemas/<pin id>` (a new pin set gets a new directory, never stale files).
 */
export function upstreamSchemasCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(env.HOME ?? homedir(), '.cache');
  return join(base, 'ztmesh', 'schemas', PIN_ID);
}

/** The sha256 of a file's bytes, hex. */
export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Where the upstream Istio/Calico CRD and Skaffold schemas are, for the validator and for anything else that
 * wants the same files (e.g. CRDs to install into a test control plane): the explicit `schemasDir` alone when
 * given, else `<repoRoot>/../shared/schemas`, else the fetch cache (every pinned file present with its pinned
 * sha256). A directory counts when every pinned file is in it.
 */
export function findUpstreamSchemas(options: FindUpstreamSchemasOptions): SchemasLookup {
  const complete = (dir: string) => UPSTREAM_SCHEMA_FILES.every((file) => existsSync(join(dir, file.path)));
  if (options.schemasDir !== undefined) {
    const dir = resolve(options.schemasDir);
    return complete(dir) ? { dir, source: 'option', looked: [dir] } : { looked: [dir] };
  }
  const shared = resolve(options.repoRoot, '..', 'shared', 'schemas');
  if (complete(shared)) return { dir: shared, source: 'shared', looked: [shared] };
  const cache = upstreamSchemasCacheDir(options.env);
  const verified = UPSTREAM_SCHEMA_FILES.every((file) => {
    const path = join(cache, file.path);
    return existsSync(path) && sha256Of(readFileSync(path)) === file.sha256;
  });
  return verified ? { dir: cache, source: 'cache', looked: [shared, cache] } : { looked: [shared, cache] };
}
