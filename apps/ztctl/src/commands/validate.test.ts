import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findUpstreamSchemas } from '@ztmesh/manifests';
import { findRepoRoot, runValidate, type ValidateIo } from './validate';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const BUNDLE = join(REPO_ROOT, 'dist', 'apps', 'ztctl', 'main.cjs');
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!hasKubectl) console.warn('SKIPPED ztctl validate rendering tests: kubectl is not installed');
const scratch = mkdtempSync(join(tmpdir(), 'ztctl-validate-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function capture(): ValidateIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text) };
}

describe('ztctl validate', () => {
  it('finds the repository root from a directory below it', () => {
    expect(findRepoRoot(join(REPO_ROOT, 'apps', 'ztctl', 'src'))).toBe(REPO_ROOT);
  });

  it.skipIf(!hasKubectl)('passes the real repository: exit 0 and a table for people', async () => {
    const io = capture();
    // Strict where the schemas are (as CI runs it): every check ran, or this fails.
    const strict = findUpstreamSchemas({ repoRoot: REPO_ROOT }).dir !== undefined;
    if (!strict) console.warn('ztctl validate on the real repository: not strict, no upstream schemas here');
    const code = await runValidate({ repo: REPO_ROOT, runApps: false, strict }, io);
    // Without the schemas the verdict is INCOMPLETE (exit 0, never OK): the other checks must still all pass.
    const verdict = strict ? /OK: \d+ targets, no findings/ : /INCOMPLETE: \d+ targets, no findings, but/;
    expect(io.out.join(''), io.err.join('')).toMatch(
      new RegExp(`rendered k8s/overlays/zero-trust: \\d+ objects[\\s\\S]*${verdict.source}`),
    );
    expect(code).toBe(0);
  });

  it('reports findings as JSON with exit 1', async () => {
    const file = join(scratch, 'bad.yaml');
    writeFileSync(
      file,
      'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: backend\n  namespace: webapp\nautomount: false\n',
    );
    const io = capture();
    const code = await runValidate({ repo: REPO_ROOT, target: [file], json: true, runApps: false }, io);
    const report = JSON.parse(io.out.join(''));
    expect(report.findings).toEqual([
      {
        check: 'schema',
        target: file,
        object: 'ServiceAccount webapp/backend',
        message: '/automount: unknown field',
      },
    ]);
    expect(code).toBe(1);
  });

  it.each([
    [
      'a missing overlay',
      ['k8s/overlays/nope'],
      /ztctl validate: error: k8s\/overlays\/nope: no such kustomization directory/,
    ],
    [
      'an unknown kind',
      ['unknown.yaml'],
      /unknown\.yaml \(Widget webapp\/w\): unknown kind example.com\/v1\/Widget/,
    ],
  ])('exits 2 for %s, naming the file and object', async (_name, targets, message) => {
    writeFileSync(
      join(scratch, 'unknown.yaml'),
      'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: webapp\n',
    );
    const io = capture();
    const code = await runValidate(
      {
        repo: REPO_ROOT,
        target: targets.map((t) => (t.endsWith('.yaml') ? join(scratch, t) : t)),
        runApps: false,
      },
      io,
    );
    expect(io.err.join('')).toMatch(message);
    expect(code).toBe(2);
  });

  it.skipIf(!existsSync(BUNDLE))(
    'the built bundle exits 2 for a missing overlay and 2 for an unknown option',
    () => {
      const missing = spawnSync(
        process.execPath,
        [BUNDLE, 'validate', '--repo', REPO_ROOT, '--target', 'k8s/overlays/nope', '--no-run-apps'],
        { encoding: 'utf8' },
      );
      expect(missing.stderr).toMatch(/k8s\/overlays\/nope: no such kustomization directory/);
      expect(missing.status).toBe(2);
      const unknown = spawnSync(process.execPath, [BUNDLE, 'validate', '--bogus'], { encoding: 'utf8' });
      expect(unknown.status).toBe(2);
    },
  );
});
