import { type CrossCheck, type Finding, findingOf } from './cross-check';
import { allContainers, podTemplates } from './pod-templates';

/** An image reference without its tag or digest (`ztmesh/backend:abc` -> `ztmesh/backend`). */
export function imageName(image: string): string {
  const withoutDigest = image.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
}

/** Every image the manifests run has a Skaffold artifact, and that artifact's Dockerfile exists. */
export const imagesCheck: CrossCheck = {
  name: 'images',
  description: 'every image has a Skaffold artifact and a Dockerfile',
  run(context) {
    const findings: Finding[] = [];
    for (const template of podTemplates(context.objects)) {
      for (const container of allContainers(template.spec)) {
        const image = container.image ? imageName(container.image) : undefined;
        const add = (message: string) =>
          findings.push(
            findingOf(this.name, context, template.owner, `container ${container.name}: ${message}`),
          );
        if (!image) {
          add('no image');
          continue;
        }
        if (!context.skaffoldArtifacts) {
          add(`image ${image} cannot be built: the repo has no skaffold.yaml`);
          continue;
        }
        const artifact = context.skaffoldArtifacts.find((candidate) => candidate.image === image);
        if (!artifact) add(`image ${image} has no Skaffold artifact`);
        else if (!artifact.dockerfileExists)
          add(`image ${image}: Dockerfile ${artifact.dockerfile} does not exist`);
      }
    }
    return findings;
  },
};
