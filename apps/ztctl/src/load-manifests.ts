import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseManifests, type ManifestObject } from '@ztmesh/policy';
import { UsageError } from './exit-codes';

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Whether a directory is a Kustomize root. */
export function isKustomizeDir(dir: string): boolean {
  return KUSTOMIZATION_FILES.some((f) => existsSync(join(dir, f)));
}

/** Renders a Kustomize directory with `kubectl kustomize`; a missing kubectl is a usage error with the reason. */
export function renderKustomize(dir: string): string {
  const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new UsageError(
      `${dir} is a kustomize directory but kubectl is not installed: install kubectl, or render it elsewhere and pipe it to \`ztctl analyze -\``,
    );
  }
  if (result.status !== 0)
    throw new UsageError(`kubectl kustomize ${dir} failed: ${(result.stderr || '').trim().split('\n')[0]}`);
  return result.stdout;
}

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return yamlFilesUnder(path);
      return /\.(ya?ml|json)$/i.test(name) ? [path] : [];
    });
}

/** Reads manifests from a file, a directory (recursively), a Kustomize directory (rendered) or `-` (stdin). */
export function loadManifests(
  input: string,
  readStdin: () => string = () => readFileSync(0, 'utf8'),
): ManifestObject[] {
  if (input === '-') return parseManifests(readStdin(), '<stdin>');
  if (!existsSync(input)) throw new UsageError(`${input}: no such file or directory`);
  if (statSync(input).isDirectory()) {
    if (isKustomizeDir(input)) return parseManifests(renderKustomize(input), `${input} (kustomize)`);
    const files = yamlFilesUnder(input);
    if (files.length === 0) throw new UsageError(`${input}: no .yaml, .yml or .json files`);
    return files.flatMap((f) => parseManifests(readFileSync(f, 'utf8'), relative(process.cwd(), f) || f));
  }
  return parseManifests(readFileSync(input, 'utf8'), input);
}
