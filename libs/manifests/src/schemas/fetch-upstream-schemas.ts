import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  sha256Of,
  UPSTREAM_SCHEMA_FILES,
  upstreamSchemasCacheDir,
  type UpstreamSchemaFile,
} from './upstream-schemas';

/** Options of fetchUpstreamSchemas. */
export interface FetchUpstreamSchemasOptions {
  /** Where to put the files (default upstreamSchemasCacheDir(env), where findUpstreamSchemas looks). */
  readonly dir?: string;
  /** A mirror laid out like a schemas directory: each file is fetched from `<from>/<path>` instead of its url. */
  readonly from?: string;
  /** The environment that locates the cache (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Per-file time limit (default 60 000 ms). */
  readonly timeoutMs?: number;
  /** The files to fetch (default UPSTREAM_SCHEMA_FILES). */
  readonly files?: readonly UpstreamSchemaFile[];
}

/** A download that failed or whose bytes do not have the pinned sha256; the message names the file and URL. */
export class SchemaFetchError extends Error {
  override readonly name = 'SchemaFetchError';
}

/**
 * Downloads every pinned schema file, checks each against its pinned sha256, and only when all are right moves
 * them into `dir` at once (written beside it first): a failure leaves `dir` as it was, never half written.
 * Resolves to the directory; rejects with SchemaFetchError.
 */
export async function fetchUpstreamSchemas(
  options: FetchUpstreamSchemasOptions = {},
): Promise<{ readonly dir: string; readonly files: number; readonly bytes: number }> {
  const dir = resolve(options.dir ?? upstreamSchemasCacheDir(options.env));
  const files = options.files ?? UPSTREAM_SCHEMA_FILES;
  const downloads: { file: UpstreamSchemaFile; bytes: Uint8Array }[] = [];
  for (const file of files) {
    const url = options.from ? `${options.from.replace(/\/+$/, '')}/${file.path}` : file.url;
    let bytes: Uint8Array;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 60_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      const reason =
        error instanceof Error
          ? ((error.cause as Error | undefined)?.message ?? error.message)
          : String(error);
      throw new SchemaFetchError(`${file.path}: cannot download ${url}: ${reason}`);
    }
    const actual = sha256Of(bytes);
    if (actual !== file.sha256) {
      throw new SchemaFetchError(
        `${file.path}: checksum mismatch for ${url}: sha256 ${actual}, pinned ${file.sha256} (nothing was written)`,
      );
    }
    downloads.push({ file, bytes });
  }
  const staging = `${dir}.partial-${process.pid}-${Date.now()}`;
  const previous = `${dir}.previous-${process.pid}-${Date.now()}`;
  try {
    for (const { file, bytes } of downloads) {
      const path = join(staging, file.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, bytes);
    }
    mkdirSync(dirname(dir), { recursive: true });
    let replaced = false;
    try {
      renameSync(dir, previous);
      replaced = true;
    } catch {
      // No earlier copy.
    }
    renameSync(staging, dir);
    if (replaced) rmSync(previous, { recursive: true, force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { dir, files: downloads.length, bytes: downloads.reduce((sum, d) => sum + d.bytes.length, 0) };
}
