import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The files under `dir` (recursively) whose names match `pattern`, depth first with each directory's entries in
 * sorted order, so a tree always reads in the same order. Used for the CRD schema directory and by `ztctl analyze`
 * on a plain directory of manifests.
 */
export function filesUnder(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return filesUnder(path, pattern);
      return pattern.test(name) ? [path] : [];
    });
}
