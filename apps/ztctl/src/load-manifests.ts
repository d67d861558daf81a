import { existsSync, readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import {
  filesUnder,
  findKubectl,
  isKustomizationDir,
  ManifestInputError,
  renderKustomization,
} from '@ztmesh/manifests';
import { parseManifests, type ManifestObject } from '@ztmesh/policy';
import { UsageError } from './exit-codes';

/**
 * Renders a Kustomize directory with the validator's renderer; a kubectl that cannot be run, or a render that
 * fails, is a usage error with the reason.
 */
async function renderKustomize(dir: string): Promise<string> {
  try {
    return await renderKustomization(dir);
  } catch (error) {
    if (!(error instanceof ManifestInputError)) throw error;
    // Only asked after a failure, so a working kubectl costs no extra process.
    if (!findKubectl().available) {
      throw new UsageError(
        `${dir} is a kustomize directory but kubectl is not installed: install kubectl, or render it elsewhere and pipe it to \`ztctl analyze -\``,
      );
    }
    throw new UsageError(error.message);
  }
}

/** Reads manifests from a file, a directory (recursively), a Kustomize directory (rendered) or `-` (stdin). */
export async function loadManifests(
  input: string,
  readStdin: () => string = () => readFileSync(0, 'utf8'),
): Promise<ManifestObject[]> {
  if (input === '-') return parseManifests(readStdin(), '<stdin>');
  if (!existsSync(input)) throw new UsageError(`${input}: no such file or directory`);
  if (statSync(input).isDirectory()) {
    if (isKustomizationDir(input))
      return parseManifests(await renderKustomize(input), `${input} (kustomize)`);
    const files = filesUnder(input, /\.(ya?ml|json)$/i);
    if (files.length === 0)
      throw new UsageError(`${input}: nothing to analyze: no .yaml, .yml or .json files`);
    return files.flatMap((f) => parseManifests(readFileSync(f, 'utf8'), relative(process.cwd(), f) || f));
  }
  return parseManifests(readFileSync(input, 'utf8'), input);
}
