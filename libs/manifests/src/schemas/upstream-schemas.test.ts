import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackServer, type LoopbackServer } from '@ztmesh/test-support';
import { fetchUpstreamSchemas, SchemaFetchError } from './fetch-upstream-schemas';
import {
  findUpstreamSchemas,
  sha256Of,
  UPSTREAM_SCHEMA_FILES,
  upstreamSchemasCacheDir,
  type UpstreamSchemaFile,
} from './upstream-schemas';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const SHARED = join(REPO_ROOT, '..', 'shared', 'schemas');
const hasShared = existsSync(SHARED);
if (!hasShared) console.warn(`SKIPPED pin and cache-lookup tests on the real files: ${SHARED} is absent`);
const scratch = mkdtempSync(join(tmpdir(), 'ztmesh-schemas-'));

// A real HTTP server on 127.0.0.1 serving `served` (path -> bytes); every request is recorded.
const served = new Map<string, Buffer>();
const requested: string[] = [];
let server: LoopbackServer;
let base: string;
beforeAll(async () => {
  server = await startLoopbackServer((request, response) => {
    requested.push(request.url ?? '');
    const body = served.get(decodeURIComponent(request.url ?? ''));
    response.writeHead(body ? 200 : 404).end(body ?? 'not found');
  });
  base = server.url;
});
afterAll(async () => {
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
});

function pinned(path: string, text: string): UpstreamSchemaFile {
  served.set(`/upstream/${path}`, Buffer.from(text));
  return { path, url: `${base}/upstream/${path}`, sha256: sha256Of(Buffer.from(text)) };
}

const listing = (dir: string) =>
  existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).sort() : [];

describe('fetchUpstreamSchemas against a local HTTP server', () => {
  it('downloads each pinned URL, checks its sha256 and stores every file under its path', async () => {
    const files = [pinned('a.json', '{"a":1}'), pinned('calico/b.yaml', 'kind: B\n')];
    const dir = join(scratch, 'ok');
    const result = await fetchUpstreamSchemas({ dir, files });
    expect(result).toEqual({ dir, files: 2, bytes: 15 });
    expect(readFileSync(join(dir, 'calico', 'b.yaml'), 'utf8')).toBe('kind: B\n');
    expect(listing(dir)).toEqual(['a.json', 'calico', 'calico/b.yaml']);
  });

  it('refuses bytes that do not match the pin and writes nothing, not even the files that matched', async () => {
    const good = pinned('good.json', '{}');
    const bad = { ...pinned('bad.json', '{"x":1}'), sha256: sha256Of(Buffer.from('something else')) };
    const parent = join(scratch, 'mismatch');
    const dir = join(parent, 'cache');
    const error = await fetchUpstreamSchemas({ dir, files: [good, bad] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaFetchError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^bad\\.json: checksum mismatch for ${base}/upstream/bad\\.json: sha256 [0-9a-f]{64}, pinned`,
      ),
    );
    expect(listing(parent)).toEqual([]);
  });

  it('leaves an earlier complete copy as it was when a later fetch fails', async () => {
    const dir = join(scratch, 'keep');
    const files = [pinned('one.json', '1')];
    await fetchUpstreamSchemas({ dir, files });
    const error = await fetchUpstreamSchemas({
      dir,
      files: [{ ...files[0], sha256: sha256Of(Buffer.from('2')) }],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaFetchError);
    expect(readFileSync(join(dir, 'one.json'), 'utf8')).toBe('1');
    expect(listing(join(scratch))).not.toContainEqual(expect.stringMatching(/partial|previous/));
  });

  it('names the file and URL when the server answers 404', async () => {
    const missing = { path: 'gone.json', url: `${base}/upstream/gone.json`, sha256: 'f'.repeat(64) };
    await expect(fetchUpstreamSchemas({ dir: join(scratch, 'gone'), files: [missing] })).rejects.toThrow(
      `gone.json: cannot download ${base}/upstream/gone.json: HTTP 404`,
    );
  });

  it('fetches <from>/<path> from a mirror instead of the upstream URLs', async () => {
    const file = pinned('m.json', '[]');
    served.set('/mirror/m.json', Buffer.from('[]'));
    requested.length = 0;
    await fetchUpstreamSchemas({ dir: join(scratch, 'mirror'), files: [file], from: `${base}/mirror/` });
    expect(requested).toEqual(['/mirror/m.json']);
  });
});

describe('upstreamSchemasCacheDir', () => {
  it('is under XDG_CACHE_HOME when set, else ~/.cache, one directory per pin set', () => {
    const xdg = upstreamSchemasCacheDir({ XDG_CACHE_HOME: '/x' });
    expect(xdg).toMatch(/^\/x\/ztmesh\/schemas\/[0-9a-f]{12}$/);
    expect(upstreamSchemasCacheDir({ HOME: '/home/u' })).toBe(xdg.replace('/x/', '/home/u/.cache/'));
  });
});

describe.skipIf(!hasShared)('the pins and the lookup, on the real upstream files', () => {
  it('pins exactly the sha256 of each file in the shared schemas directory', () => {
    for (const file of UPSTREAM_SCHEMA_FILES) {
      expect(sha256Of(readFileSync(join(SHARED, file.path))), file.path).toBe(file.sha256);
    }
  });

  it('finds the shared directory first, then a verified cache filled by the fetch, else says where it looked', async () => {
    expect(findUpstreamSchemas({ repoRoot: REPO_ROOT, env: {} })).toMatchObject({
      dir: SHARED,
      source: 'shared',
    });
    // A repository with no sibling shared/ directory: only the cache can serve it.
    const repoRoot = join(scratch, 'lookup', 'repo');
    mkdirSync(repoRoot, { recursive: true });
    const env = { XDG_CACHE_HOME: join(scratch, 'lookup', 'xdg') };
    const cache = upstreamSchemasCacheDir(env);
    expect(findUpstreamSchemas({ repoRoot, env })).toEqual({
      looked: [join(scratch, 'lookup', 'shared', 'schemas'), cache],
    });
    for (const file of UPSTREAM_SCHEMA_FILES)
      served.set(`/shared/${file.path}`, readFileSync(join(SHARED, file.path)));
    await fetchUpstreamSchemas({ env, from: `${base}/shared` });
    expect(findUpstreamSchemas({ repoRoot, env })).toMatchObject({ dir: cache, source: 'cache' });
    // A cache file changed after the fetch no longer counts.
    const changed = join(cache, UPSTREAM_SCHEMA_FILES[0].path);
    mkdirSync(dirname(changed), { recursive: true });
    writeFileSync(changed, '{}');
    expect(findUpstreamSchemas({ repoRoot, env }).dir).toBeUndefined();
  });
});
