import { describe, expect, it } from 'vitest';
import { kustomizationFindings, type KustomizationFile } from './kustomizations';

const good: KustomizationFile[] = [
  {
    dir: 'k8s/overlays/zero-trust',
    document: {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['../../base'],
      components: ['../../../istio'],
      sortOptions: { order: 'legacy', legacySortOptions: { orderFirst: ['Namespace'], orderLast: [] } },
    },
  },
  {
    dir: 'k8s/base',
    document: {
      kind: 'Kustomization',
      namespace: 'webapp',
      labels: [{ pairs: { a: 'b' } }],
      resources: ['namespace-webapp.yaml'],
    },
  },
  { dir: 'istio', document: { kind: 'Component', patches: [{ path: 'annotate-deployments.patch.yaml' }] } },
];

describe('kustomizations', () => {
  it('passes v5 fields, a plain overlay and well-named patches', () => {
    expect(kustomizationFindings(good)).toEqual([]);
  });

  it.each<[string, KustomizationFile, RegExp]>([
    [
      'commonLabels',
      { dir: 'k8s/base', document: { commonLabels: { a: 'b' } } },
      /commonLabels is deprecated in Kustomize v5: use labels/,
    ],
    [
      'patchesStrategicMerge',
      { dir: 'calico', document: { patchesStrategicMerge: ['x.yaml'] } },
      /use patches/,
    ],
    ['bases', { dir: 'k8s/tests/x', document: { bases: ['../../base'] } }, /bases is deprecated/],
    [
      'an overlay with a patch',
      { dir: 'k8s/overlays/dev', document: { resources: [], patches: [] } },
      /overlay holds only resources, components and sortOptions, not patches/,
    ],
    [
      'an overlay with a namespace',
      { dir: 'k8s/overlays/dev', document: { namespace: 'x' } },
      /not namespace/,
    ],
    [
      'a badly named patch',
      { dir: 'istio', document: { patches: [{ path: 'deployments.yaml' }] } },
      /patch file deployments.yaml is not named <verb>-<target>.patch.yaml/,
    ],
  ])('%s is a finding', (_name, file, message) => {
    const findings = kustomizationFindings([file]);
    expect(findings.map((finding) => finding.message).join('\n')).toMatch(message);
    expect(findings[0]).toMatchObject({
      check: 'kustomizations',
      target: file.dir,
      object: `${file.dir}/kustomization.yaml`,
    });
  });
});
