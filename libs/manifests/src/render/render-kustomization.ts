import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ManifestError } from '@ztmesh/policy';

/** Options for renderKustomization. */
export interface RenderOptions {
  /** The kubectl binary (default `kubectl` on PATH). */
  readonly kubectl?: string;
  /** Upper bound for one render (default 60 s; kustomize is fast, a hang means something is wrong). */
  readonly timeoutMs?: number;
  /** How the error names the directory (default the directory as given). */
  readonly displayPath?: string;
}

/** The file names that make a directory a kustomization, in the order kustomize looks for them. */
export const KUSTOMIZATION_FILES: readonly string[] = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
];

/** Whether `dir` holds a kustomization file (so `kubectl kustomize` can render it). */
export function isKustomizationDir(dir: string): boolean {
  return KUSTOMIZATION_FILES.some((name) => existsSync(join(dir, name)));
}

/** Whether `kubectl` (with its built-in kustomize) can be run; the reason when not. */
export function findKubectl(kubectl = 'kubectl'): { readonly available: boolean; readonly reason?: string } {
  const result = spawnSync(kubectl, ['version', '--client'], { encoding: 'utf8', timeout: 15_000 });
  if (result.error) return { available: false, reason: `${kubectl} cannot be run: ${result.error.message}` };
  if (result.status !== 0)
    return { available: false, reason: `${kubectl} version --client exited ${result.status}` };
  return { available: true };
}

/**
 * Renders a kustomization directory with `kubectl kustomize` and returns the YAML stream. A missing directory,
 * a directory without a kustomization file or a kustomize error becomes a ManifestError naming the directory.
 */
export function renderKustomization(dir: string, options: RenderOptions = {}): Promise<string> {
  const shown = options.displayPath ?? dir;
  if (!existsSync(dir))
    return Promise.reject(new ManifestError(shown, '', 'no such kustomization directory'));
  if (!isKustomizationDir(dir)) {
    return Promise.reject(new ManifestError(shown, '', 'no kustomization.yaml in this directory'));
  }
  return new Promise((resolve, reject) => {
    execFile(
      options.kubectl ?? 'kubectl',
      ['kustomize', dir],
      { encoding: 'utf8', timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.trim().split('\n').pop() || error.message;
          reject(new ManifestError(shown, '', `kubectl kustomize failed: ${detail}`));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}
