// Runs the analyzer over the np-guard netpol-analyzer corpus (core-netpol cases) and compares connlists.
// Reads files, so it lives beside the library, not in it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { analyze, formatConnlist, ManifestError, parseManifests, type ManifestObject } from '../src/index';

function workspaceRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'nx.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Default location of the corpus, beside the workspace (read in place, never copied into the repo). */
export const DEFAULT_CORPUS = join(
  workspaceRoot(__dirname),
  '..',
  'shared',
  'conformance',
  'netpol-analyzer',
);

/** The outcome of one case. */
export interface CaseResult {
  readonly name: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly reason?: string;
  /** Lines expected but missing (`-`) and produced but unexpected (`+`). */
  readonly differences: string[];
}

interface IndexEntry {
  dir: string;
  category: string;
  expected_connlist: string | null;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return filesUnder(path);
      return /\.(ya?ml|json)$/.test(name) ? [path] : [];
    });
}

/** Analyzes one case directory and returns its connlist lines. */
export function connlistOfDir(dir: string): string[] {
  const objects: ManifestObject[] = [];
  for (const file of filesUnder(dir)) {
    try {
      objects.push(...parseManifests(readFileSync(file, 'utf8'), relative(dir, file)));
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e; // np-guard skips files it cannot parse; so do we
    }
  }
  const analysis = analyze(objects, { allowUnknownKinds: true });
  return formatConnlist(analysis.connections()).split('\n').filter(Boolean);
}

/** Runs every core-netpol case of the corpus; undefined when the corpus is absent. */
export function runConformance(corpus = DEFAULT_CORPUS): CaseResult[] | undefined {
  const indexPath = join(corpus, 'INDEX.json');
  if (!existsSync(indexPath)) return undefined;
  const index = JSON.parse(readFileSync(indexPath, 'utf8')) as IndexEntry[];
  return index
    .filter((c) => c.category.startsWith('core-netpol'))
    .map((c): CaseResult => {
      if (!c.expected_connlist)
        return { name: c.dir, status: 'skipped', reason: 'no plain connlist expected file', differences: [] };
      const expected = readFileSync(join(corpus, c.expected_connlist), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      let actual: string[];
      try {
        actual = connlistOfDir(join(corpus, 'tests', c.dir));
      } catch (e) {
        return { name: c.dir, status: 'failed', reason: (e as Error).message, differences: [] };
      }
      const exp = new Set(expected);
      const act = new Set(actual);
      const differences = [
        ...expected.filter((l) => !act.has(l)).map((l) => `- ${l}`),
        ...actual.filter((l) => !exp.has(l)).map((l) => `+ ${l}`),
      ];
      return { name: c.dir, status: differences.length === 0 ? 'passed' : 'failed', differences };
    });
}
