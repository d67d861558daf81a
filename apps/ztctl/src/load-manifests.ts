import { readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import {
  findKubectl,
  isKustomizationDir,
  manifestFilesUnder,
  MAX_INPUT_BYTES,
  readManifestFile,
  renderKustomization,
  tooLarge,
} from '@ztmesh/manifests';
import { ManifestError, parseManifests, slimForAnalysis, type ManifestObject } from '@ztmesh/policy';
import { UsageError } from './exit-codes';

/**
 * Renders a Kustomize directory with the validator's renderer; a kubectl that cannot be run, or a render that
 * fails, is a usage error with the reason.
 */
async function renderKustomize(dir: string): Promise<string> {
  try {
    return await renderKustomization(dir);
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    // Only asked after a failure, so a working kubectl costs no extra process.
    if (!findKubectl().available) {
      throw new UsageError(
        `${dir} is a kustomize directory but kubectl is not installed: install kubectl, or render it elsewhere and pipe it to \`ztctl analyze -\``,
      );
    }
    throw new UsageError(error.message);
  }
}

/** Text from stdin, a render or files, refused above MAX_INPUT_BYTES before it is parsed. */
function withinLimit(text: string, display: string): string {
  const size = Buffer.byteLength(text);
  if (size > MAX_INPUT_BYTES) throw tooLarge(display, size, MAX_INPUT_BYTES);
  return text;
}

/** Options of loadManifests. */
export interface LoadOptions {
  /** The objects go to the analysis only: drop what it never reads (slimForAnalysis), to hold large inputs. */
  readonly forAnalysis?: boolean;
}

/**
 * Reads manifests from a file, a directory (recursively), a Kustomize directory (rendered) or `-` (stdin), through
 * the validator's reader: regular files only, links kept inside the input, UTF-8, at most MAX_INPUT_BYTES.
 */
export async function loadManifests(
  input: string,
  readStdin: () => string = () => readFileSync(0, 'utf8'),
  options: LoadOptions = {},
): Promise<ManifestObject[]> {
  // Slimmed file by file, so that what the analysis never reads is garbage before the next file is parsed.
  const parse = (text: string, display: string): ManifestObject[] => {
    const objects = parseManifests(text, display);
    return options.forAnalysis ? objects.map(slimForAnalysis) : objects;
  };
  if (input === '-') return parse(withinLimit(readStdin(), '<stdin>'), '<stdin>');
  let isDirectory: boolean;
  try {
    isDirectory = statSync(input).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${input}: ${code === 'ELOOP' ? 'symbolic link loop' : code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`,
    );
  }
  if (isDirectory) {
    if (isKustomizationDir(input)) {
      const display = `${input} (kustomize)`;
      return parse(withinLimit(await renderKustomize(input), display), display);
    }
    const files = manifestFilesUnder(input, /\.(ya?ml|json)$/i);
    if (files.length === 0)
      throw new UsageError(`${input}: nothing to analyze: no .yaml, .yml or .json files`);
    // The sizes together first, so that nothing is read (or parsed) of an input above the limit.
    const total = files.reduce((sum, f) => sum + statSync(f).size, 0);
    if (total > MAX_INPUT_BYTES)
      throw tooLarge(`${input} (${files.length} files together)`, total, MAX_INPUT_BYTES);
    let left = MAX_INPUT_BYTES;
    return files.flatMap((f) => {
      const display = relative(process.cwd(), f) || f;
      const text = readManifestFile(f, { displayPath: display, maxBytes: left });
      left -= Buffer.byteLength(text);
      return parse(text, display);
    });
  }
  return parse(readManifestFile(input), input);
}
