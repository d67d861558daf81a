import { describe, expect, it } from 'vitest';
import { appFixture } from '../testing/fixtures';
import {
  skaffoldDeployments,
  skaffoldReferenceFindings,
  type SkaffoldManifestsDocument,
} from './skaffold-references';

const rendered = new Map([
  ['k8s/overlays/zero-trust', appFixture('frontend', 80)],
  ['k8s/overlays/dev', appFixture('frontend', 80)],
]);
const exists = (path: string) => rendered.has(path) || path === 'k8s/overlays/loadtest';

function document(overrides: Partial<SkaffoldManifestsDocument> = {}): SkaffoldManifestsDocument {
  return {
    manifests: { kustomize: { paths: ['k8s/overlays/zero-trust'] } },
    portForward: [{ resourceType: 'service', resourceName: 'frontend', namespace: 'webapp', port: 80 }],
    profiles: [{ name: 'dev', manifests: { kustomize: { paths: ['./k8s/overlays/dev/'] } } }],
    ...overrides,
  };
}

describe('skaffold references', () => {
  it('a profile inherits what it does not replace', () => {
    expect(
      skaffoldDeployments(document()).map((deployment) => [
        deployment.name,
        deployment.kustomizePaths,
        deployment.portForwards.length,
      ]),
    ).toEqual([
      ['default', ['k8s/overlays/zero-trust'], 1],
      ['profile dev', ['./k8s/overlays/dev/'], 1],
    ]);
  });

  it('passes paths that exist and port-forwards to a rendered Service port', () => {
    expect(skaffoldReferenceFindings(skaffoldDeployments(document()), rendered, exists)).toEqual([]);
  });

  it('GIVEN an image only a build profile builds THEN every skaffold dev builds only what it deploys', () => {
    const built = document({
      build: { artifacts: [{ image: 'ztmesh/frontend' }] },
      profiles: [
        { name: 'dev', manifests: { kustomize: { paths: ['k8s/overlays/dev'] } } },
        { name: 'ztctl', build: { artifacts: [{ image: 'ztmesh/ztctl' }] } },
      ],
    });
    const deployments = skaffoldDeployments(built);
    expect(deployments.map((deployment) => [deployment.name, deployment.builds])).toEqual([
      ['default', ['ztmesh/frontend']],
      ['profile dev', ['ztmesh/frontend']],
      ['profile ztctl', ['ztmesh/ztctl']],
    ]);
    expect(skaffoldReferenceFindings(deployments, rendered, exists)).toEqual([]);
  });

  it.each<[string, Partial<SkaffoldManifestsDocument>, RegExp]>([
    [
      'an image the default build makes that no deployment runs',
      { build: { artifacts: [{ image: 'ztmesh/frontend' }, { image: 'ztmesh/ztctl' }] } },
      /default: build.artifacts: ztmesh\/ztctl is built on every `skaffold dev` but no deployment runs it/,
    ],
    [
      'a kustomize path that does not exist',
      { manifests: { kustomize: { paths: ['k8s/overlays/zero-trust', 'k8s/overlays/prod'] } } },
      /default: manifests.kustomize.paths: k8s\/overlays\/prod is not a kustomization/,
    ],
    [
      'a port-forward to a missing Service',
      { portForward: [{ resourceType: 'service', resourceName: 'web', namespace: 'webapp', port: 80 }] },
      /portForward: Service webapp\/web is not in k8s\/overlays\/zero-trust/,
    ],
    [
      'a port-forward in the wrong namespace',
      { portForward: [{ resourceType: 'service', resourceName: 'frontend', port: 80 }] },
      /Service default\/frontend is not in/,
    ],
    [
      'a port-forward to a port the Service lacks',
      {
        portForward: [{ resourceType: 'service', resourceName: 'frontend', namespace: 'webapp', port: 8080 }],
      },
      /profile dev: portForward: Service webapp\/frontend has no port 8080/,
    ],
  ])('%s is a finding', (_name, overrides, message) => {
    const findings = skaffoldReferenceFindings(skaffoldDeployments(document(overrides)), rendered, exists);
    expect(findings.map((finding) => `${finding.object}: ${finding.message}`).join('\n')).toMatch(message);
    expect(
      findings.every(
        (finding) => finding.check === 'skaffold-references' && finding.target === 'skaffold.yaml',
      ),
    ).toBe(true);
  });
});
