import type { Finding } from './cross-check';

/** A parsed kustomization file and where it is (repo-relative directory). */
export interface KustomizationFile {
  readonly dir: string;
  readonly document: Readonly<Record<string, unknown>>;
}

/** Fields Kustomize v5 deprecates, with what replaces them. */
export const DEPRECATED_KUSTOMIZE_FIELDS: Readonly<Record<string, string>> = {
  bases: 'resources',
  commonLabels: 'labels',
  patchesStrategicMerge: 'patches',
  patchesJson6902: 'patches',
  vars: 'replacements',
  imageTags: 'images',
};

/** The only fields an overlay may hold (DESIGN.md: resources, components and the apply order, no copies). */
const OVERLAY_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'components', 'sortOptions']);

/**
 * The layout rules of DESIGN.md, over every kustomization a target reaches: Kustomize v5 fields only; overlays
 * (`k8s/overlays/*`) hold only `resources`, `components` and `sortOptions`; patch files are named `<verb>-<target>.patch.yaml`.
 */
export function kustomizationFindings(files: readonly KustomizationFile[]): Finding[] {
  const findings: Finding[] = [];
  const add = (file: KustomizationFile, message: string) =>
    findings.push({
      check: 'kustomizations',
      target: file.dir,
      object: `${file.dir}/kustomization.yaml`,
      message,
    });
  for (const file of files) {
    for (const [field, replacement] of Object.entries(DEPRECATED_KUSTOMIZE_FIELDS)) {
      if (field in file.document) add(file, `${field} is deprecated in Kustomize v5: use ${replacement}`);
    }
    if (/^k8s\/overlays\/[^/]+$/.test(file.dir)) {
      for (const field of Object.keys(file.document).filter((key) => !OVERLAY_FIELDS.has(key))) {
        add(file, `an overlay holds only resources, components and sortOptions, not ${field}`);
      }
    }
    const patches = (file.document.patches ?? []) as { path?: string }[];
    for (const patch of Array.isArray(patches) ? patches : []) {
      const name = patch.path?.split('/').pop();
      if (name !== undefined && !/^[a-z0-9]+(-[a-z0-9.]+)+\.patch\.ya?ml$/.test(name)) {
        add(file, `patch file ${patch.path} is not named <verb>-<target>.patch.yaml`);
      }
    }
  }
  return findings;
}
