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
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM_SCHEMA_FILES, upstreamSchemasCacheDir } from '@ztmesh/manifests';
import { runBundle, startLoopbackServer, type LoopbackServer } from '@ztmesh/test-support';

// `ztctl validate` never says OK over skipped checks, and `ztctl schemas fetch` brings the schemas to a machine
// that has none: through the built bundle, as real child processes, against a real HTTP server on 127.0.0.1.
const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const SHARED = join(REPO_ROOT, '..', 'shared', 'schemas');
const hasShared = existsSync(SHARED);
if (!hasShared) console.warn(`SKIPPED ztctl schemas fetch tests on the real files: ${SHARED} is absent`);
const scratch = mkdtempSync(join(tmpdir(), 'ztctl-schemas-'));
// A repository with k8s/ but no sibling shared/ directory, as a user's clone is.
const userRepo = join(scratch, 'clone');
mkdirSync(join(userRepo, 'k8s'), { recursive: true });
const peerAuthentication = join(scratch, 'peer-authentication.yaml');
writeFileSync(
  peerAuthentication,
  'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: webapp\nspec:\n  mtls:\n    mode: STRICT\n',
);

// Async: the HTTP server lives in this process and must keep answering while the child runs.
async function ztctl(args: string[], env: NodeJS.ProcessEnv = {}) {
  const { code, stdout, stderr } = await runBundle('ztctl', {
    args,
    cwd: userRepo,
    env: { HOME: join(scratch, 'home'), ...env },
    killAfterMs: 60_000,
  });
  return { code, stdout, stderr };
}

let server: LoopbackServer;
let mirror: string;
const corrupt = new Set<string>();
beforeAll(async () => {
  server = await startLoopbackServer((request, response) => {
    const path = decodeURIComponent((request.url ?? '').replace(/^\/mirror\//, ''));
    const file = join(SHARED, path);
    if (!hasShared || path.includes('..') || !existsSync(file)) return void response.writeHead(404).end();
    const bytes = readFileSync(file);
    response.writeHead(200).end(corrupt.has(path) ? Buffer.concat([bytes, Buffer.from('\n')]) : bytes);
  });
  mirror = `${server.url}/mirror`;
});
afterAll(async () => {
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('ztctl validate: never OK over skipped checks', () => {
  it('says INCOMPLETE and how to get the schemas when none are found, and --strict makes it exit 1', async () => {
    const env = { XDG_CACHE_HOME: join(scratch, 'empty-cache') };
    const args = ['validate', '--repo', userRepo, '--target', peerAuthentication, '--no-run-apps'];
    const lenient = await ztctl(args, env);
    expect(lenient.stdout).not.toMatch(/^OK/m);
    expect(lenient.stdout).toMatch(
      /^SKIPPED Istio and Calico CRD schemas: no upstream schemas in .*; run `ztctl schemas fetch`/m,
    );
    expect(lenient.stdout).toMatch(/^INCOMPLETE: 1 targets, no findings, but 2 checks were skipped/m);
    expect(lenient.code).toBe(0);
    const strict = await ztctl([...args, '--strict'], env);
    expect(strict.stdout).toMatch(/^FAILED \(--strict\): 1 targets, no findings, but 2 checks were skipped/m);
    expect(strict.code).toBe(1);
  });

  it.each([
    [['--repo', '/tmp'], /^ztctl validate: error: \/tmp has no k8s\/ directory: not a ztmesh repository/],
    [
      ['--kubectl', '/nonexistent'],
      /^ztctl validate: error: --kubectl \/nonexistent: \/nonexistent cannot be run/,
    ],
    [['--schemas', '/nonexistent'], /^ztctl validate: error: --schemas \/nonexistent: no such directory/],
  ])('exits 2 for %j with one line saying why, never OK', async (flags, message) => {
    const r = await ztctl(['validate', '--repo', REPO_ROOT, '--no-run-apps', ...flags]);
    expect(r.stdout).not.toMatch(/OK/);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });
});

describe.skipIf(!hasShared)('ztctl schemas fetch, then validate from the cache', () => {
  it('refuses a file whose sha256 is not the pin, exit 1, and leaves no cache behind', async () => {
    const env = { XDG_CACHE_HOME: join(scratch, 'bad-cache') };
    corrupt.add('istio/crd-all.gen.yaml');
    const r = await ztctl(['schemas', 'fetch', '--from', mirror], env);
    corrupt.clear();
    expect(r.stderr).toMatch(
      /^ztctl schemas fetch: error: istio\/crd-all\.gen\.yaml: checksum mismatch for http:\/\/127\.0\.0\.1:\d+\/mirror\/istio\/crd-all\.gen\.yaml/,
    );
    expect(r.code).toBe(1);
    const schemasRoot = join(scratch, 'bad-cache', 'ztmesh', 'schemas');
    expect(existsSync(schemasRoot) ? readdirSync(schemasRoot) : []).toEqual([]);
  });

  it('stores every pinned file in the cache; schemas path and validate then use it', async () => {
    const env = { XDG_CACHE_HOME: join(scratch, 'cache') };
    const cache = upstreamSchemasCacheDir(env);
    expect((await ztctl(['schemas', 'path', '--repo', userRepo], env)).code).toBe(1);
    const fetched = await ztctl(['schemas', 'fetch', '--from', mirror], env);
    expect(fetched.stdout).toBe(
      `stored ${UPSTREAM_SCHEMA_FILES.length} schema files (${UPSTREAM_SCHEMA_FILES.reduce(
        (sum, file) => sum + readFileSync(join(SHARED, file.path)).length,
        0,
      )} bytes) in ${cache}\n`,
    );
    expect(fetched.code).toBe(0);
    expect(await ztctl(['schemas', 'path', '--repo', userRepo], env)).toMatchObject({
      code: 0,
      stdout: `${cache}\n`,
    });
    const validated = await ztctl(
      ['validate', '--repo', userRepo, '--target', peerAuthentication, '--no-run-apps', '--strict'],
      env,
    );
    expect(validated.stdout).toContain(`schemas: ${cache} (cache)`);
    expect(validated.stdout).toMatch(/^OK: 1 targets, no findings$/m);
    expect(validated.code).toBe(0);
  });
});
