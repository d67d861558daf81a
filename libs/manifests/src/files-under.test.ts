import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filesUnder } from './files-under';

const root = mkdtempSync(join(tmpdir(), 'files-under-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('filesUnder', () => {
  it('lists matching files depth first, each directory sorted, recursing into a directory named like a file', () => {
    for (const dir of ['b', 'a/z', 'd.yaml']) mkdirSync(join(root, dir), { recursive: true });
    for (const file of ['c.yaml', 'b/x.yml', 'a/z/y.yaml', 'a/w.json', 'a/readme.md', 'd.yaml/v.yaml'])
      writeFileSync(join(root, file), '');
    const yaml = filesUnder(root, /\.ya?ml$/).map((path) => relative(root, path));
    expect(yaml).toEqual(['a/z/y.yaml', 'b/x.yml', 'c.yaml', 'd.yaml/v.yaml']);
    const withJson = filesUnder(root, /\.(ya?ml|json)$/i).map((path) => relative(root, path));
    expect(withJson).toEqual(['a/w.json', 'a/z/y.yaml', 'b/x.yml', 'c.yaml', 'd.yaml/v.yaml']);
  });
});
