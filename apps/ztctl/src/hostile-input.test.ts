import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Hostile manifests through the built bundle (the Nx test target builds it first): each is one line naming the
// file (and the line where there is one), exit 2, and never a hang. The spawn timeout is the hang guard only.
const root = join(__dirname, '..', '..', '..');
const bundle = join(root, 'dist', 'apps', 'ztctl', 'main.cjs');
const work = mkdtempSync(join(tmpdir(), 'ztctl-hostile-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function ztctl(args: string[]) {
  const r = spawnSync(process.execPath, [bundle, ...args], { cwd: work, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, signal: r.signal, stderr: r.stderr, stdout: r.stdout };
}

const head = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n';
const laughs = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
const files: Record<string, string | Buffer> = {
  'bomb.yaml':
    `${head}data:\n  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n` +
    laughs
      .slice(1)
      .map((name, i) => `  ${name}: &${name} [${Array(9).fill(`*${laughs[i]}`).join(',')}]\n`)
      .join(''),
  'deep-flow.yaml': `${head}data:\n  x: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
  'deep-block.yaml': `${head}x:\n${Array.from({ length: 10_000 }, (_, i) => `${' '.repeat(i + 1)}a:\n`).join('')}`,
  'duplicate.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  name: b\n',
  'no-metadata.yaml': 'apiVersion: v1\nkind: Namespace\n',
  'latin1.yaml': Buffer.from('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: caf\xe9\n', 'latin1'),
  'object-name.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {a: 1}\n',
  'number-namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  namespace: 7\n',
};
for (const [name, text] of Object.entries(files)) writeFileSync(join(work, name), text);
writeFileSync(join(work, 'outside.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: out\n');
spawnSync('mkfifo', [join(work, 'fifo.yaml')]);
symlinkSync('loop.yaml', join(work, 'loop.yaml'));
mkdirSync(join(work, 'in'));
symlinkSync(join(work, 'outside.yaml'), join(work, 'in', 'escape.yaml'));
mkdirSync(join(work, 'cycle', 'a'), { recursive: true });
symlinkSync('..', join(work, 'cycle', 'a', 'up'));
mkdirSync(join(work, 'dev'));
symlinkSync('/dev/zero', join(work, 'dev', 'zero.yaml'));
// Above the input limit without writing 64 MiB: a sparse file is as large to stat as a real one.
const big = openSync(join(work, 'big.yaml'), 'w');
ftruncateSync(big, 64 * 1024 * 1024 + 1);
closeSync(big);
// Two files each under the limit, above it together (the limit is per run, not per file).
mkdirSync(join(work, 'halves'));
for (const half of ['a.yaml', 'b.yaml']) {
  const fd = openSync(join(work, 'halves', half), 'w');
  ftruncateSync(fd, 40 * 1024 * 1024);
  closeSync(fd);
}

const cases: Array<[string, RegExp]> = [
  ['bomb.yaml', /^bomb\.yaml[:( ].*line \d+|^bomb\.yaml:\d+: .*Excessive alias count/],
  ['deep-flow.yaml', /^deep-flow\.yaml\W+(line )?6\W.*nested deeper than 200 levels/],
  ['deep-block.yaml', /^deep-block\.yaml\W+(line )?\d+\W.*nested deeper than 200 levels/],
  ['duplicate.yaml', /^duplicate\.yaml\W+(line )?5\W.*Map keys must be unique/],
  ['no-metadata.yaml', /^no-metadata\.yaml\W+(Namespace at line 1\): |1: Namespace: )metadata: required/],
  ['latin1.yaml', /^latin1\.yaml \(line 4\): not UTF-8 text: byte 0xe9 at offset 52/],
  ['object-name.yaml', /^object-name\.yaml\W.*1\W.*metadata\.name: must be a string, not a mapping/],
  ['number-namespace.yaml', /^number-namespace\.yaml\W.*metadata\.namespace: must be a string, not a number/],
  ['fifo.yaml', /^fifo\.yaml: a FIFO, not a regular file: refused/],
  ['loop.yaml', /^loop\.yaml: symbolic link loop/],
  ['big.yaml', /^big\.yaml: input too large: 64\.0 MiB \(67108865 bytes\) is above the 64\.0 MiB limit/],
];

describe('hostile manifests', () => {
  it.each(cases)('analyze %s: one line naming it, exit 2', (file, message) => {
    const r = ztctl(['analyze', file]);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr.replace(/^ztctl: error: /, '')).toMatch(message);
  });

  it.each(cases)('validate --target %s: one line naming it, exit 2', (file, message) => {
    const r = ztctl(['validate', '--repo', work, '--target', file, '--no-run-apps']);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr.replace(/^ztctl validate: error: /, '')).toMatch(message);
  });

  it.each([
    ['in', /^in\/escape\.yaml: symbolic link out of in \(to .*outside\.yaml\): refused$/],
    ['cycle', /^cycle\/a\/up: symbolic link loop/],
    ['dev', /^dev\/zero\.yaml: symbolic link out of dev \(to \/dev\/zero\): refused$/],
  ])('analyze on directory %s refuses the entry by name, exit 2', (dir, message) => {
    const r = ztctl(['analyze', dir]);
    expect([r.code, r.signal]).toEqual([2, null]);
    expect(r.stderr.trim().replace(/^ztctl: error: /, '')).toMatch(message);
  });

  it('validate refuses a target that links out of the repository, exit 2', () => {
    const r = ztctl(['validate', '--repo', join(work, 'in'), '--target', 'escape.yaml', '--no-run-apps']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/escape\.yaml: symbolic link out of .*in \(to .*outside\.yaml\): refused\n$/);
  });

  it('validate counts every --target against the one limit of a run, before reading any, exit 2', () => {
    const r = ztctl([
      'validate',
      '--repo',
      join(work, 'halves'),
      '--target',
      'a.yaml',
      'b.yaml',
      '--no-run-apps',
    ]);
    expect([r.code, r.signal]).toEqual([2, null]);
    expect(r.stderr).toBe(
      'ztctl validate: error: 2 --target files together: input too large: 80.0 MiB (83886080 bytes) is above ' +
        'the 64.0 MiB limit of one run; split it\n',
    );
  });

  it('analyze counts every file of a directory against the one limit of a run, exit 2', () => {
    const r = ztctl(['analyze', 'halves']);
    expect([r.code, r.signal]).toEqual([2, null]);
    expect(r.stderr).toBe(
      'ztctl: error: halves (2 files together): input too large: 80.0 MiB (83886080 bytes) is above the 64.0 ' +
        'MiB limit of one run; split it\n',
    );
  });

  it('analyze refuses a device given by name without opening it, exit 2', () => {
    const r = ztctl(['analyze', '/dev/zero']);
    expect([r.code, r.signal, r.stderr]).toEqual([
      2,
      null,
      'ztctl: error: /dev/zero: a device, not a regular file: refused\n',
    ]);
  });
});
