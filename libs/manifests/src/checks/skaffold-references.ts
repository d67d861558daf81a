import type { RenderedObject } from '../rendered-object';
import type { Finding } from './cross-check';
import { imageName } from './images';
import { allContainers, podTemplates } from './pod-templates';

/** What one Skaffold run (the default config or a profile) deploys and forwards. */
export interface SkaffoldDeployment {
  /** `default` or `profile <name>`. */
  readonly name: string;
  /** Repo-relative kustomization paths (`manifests.kustomize.paths`). */
  readonly kustomizePaths: readonly string[];
  /** Images this run builds (`build.artifacts[].image`; a profile's list replaces the default's). */
  readonly builds: readonly string[];
  readonly portForwards: readonly {
    readonly resourceType?: string;
    readonly resourceName?: string;
    readonly namespace?: string;
    readonly port?: number | string;
  }[];
}

/** A parsed skaffold.yaml document as far as deployments go. */
export interface SkaffoldManifestsDocument {
  readonly build?: { readonly artifacts?: readonly { readonly image?: string }[] };
  readonly manifests?: { readonly kustomize?: { readonly paths?: readonly string[] } };
  readonly portForward?: SkaffoldDeployment['portForwards'];
  readonly profiles?: readonly {
    readonly name: string;
    readonly build?: { readonly artifacts?: readonly { readonly image?: string }[] };
    readonly manifests?: { readonly kustomize?: { readonly paths?: readonly string[] } };
    readonly portForward?: SkaffoldDeployment['portForwards'];
  }[];
}

/** The default deployment and one per profile (a profile's fields replace the default's, as Skaffold does). */
export function skaffoldDeployments(document: SkaffoldManifestsDocument): SkaffoldDeployment[] {
  const images = (artifacts: readonly { readonly image?: string }[]) =>
    artifacts.flatMap((artifact) => (typeof artifact.image === 'string' ? [artifact.image] : []));
  const base: SkaffoldDeployment = {
    name: 'default',
    kustomizePaths: document.manifests?.kustomize?.paths ?? [],
    builds: images(document.build?.artifacts ?? []),
    portForwards: document.portForward ?? [],
  };
  return [
    base,
    ...(document.profiles ?? []).map((profile) => ({
      name: `profile ${profile.name}`,
      kustomizePaths: profile.manifests?.kustomize?.paths ?? base.kustomizePaths,
      builds: profile.build?.artifacts ? images(profile.build.artifacts) : base.builds,
      portForwards: profile.portForward ?? base.portForwards,
    })),
  ];
}

/**
 * What `skaffold dev` would only discover at run time: every kustomize path exists (`exists`), every service
 * port-forward names a Service and port that the deployment's rendered manifests contain, and the default build
 * (every `skaffold dev`) builds no image that no deployment runs. `rendered` maps a kustomization path to its
 * objects; paths not rendered in this run are not judged.
 */
export function skaffoldReferenceFindings(
  deployments: readonly SkaffoldDeployment[],
  rendered: ReadonlyMap<string, readonly RenderedObject[]>,
  exists: (path: string) => boolean,
): Finding[] {
  const findings: Finding[] = [];
  const add = (deployment: SkaffoldDeployment, message: string) =>
    findings.push({
      check: 'skaffold-references',
      target: 'skaffold.yaml',
      object: deployment.name,
      message,
    });
  for (const deployment of deployments) {
    const normalized = deployment.kustomizePaths.map((path) => path.replace(/^\.\//, '').replace(/\/$/, ''));
    for (const path of normalized) {
      if (!exists(path)) add(deployment, `manifests.kustomize.paths: ${path} is not a kustomization`);
    }
    if (!normalized.every((path) => rendered.has(path))) continue;
    const objects = normalized.flatMap((path) => rendered.get(path) ?? []);
    for (const forward of deployment.portForwards) {
      if ((forward.resourceType ?? '').toLowerCase() !== 'service') continue;
      const namespace = forward.namespace ?? 'default';
      const service = objects.find(
        (object) =>
          object.kind === 'Service' &&
          object.metadata.name === forward.resourceName &&
          (object.metadata.namespace ?? 'default') === namespace,
      );
      const ports = (service?.spec as { ports?: { port: number; name?: string }[] } | undefined)?.ports ?? [];
      if (!service) {
        add(
          deployment,
          `portForward: Service ${namespace}/${forward.resourceName} is not in ${normalized.join(', ')}`,
        );
      } else if (!ports.some((port) => port.port === Number(forward.port) || port.name === forward.port)) {
        add(
          deployment,
          `portForward: Service ${namespace}/${forward.resourceName} has no port ${forward.port}`,
        );
      }
    }
  }
  const normalize = (path: string) => path.replace(/^\.\//, '').replace(/\/$/, '');
  if (deployments.every((deployment) => deployment.kustomizePaths.every((p) => rendered.has(normalize(p))))) {
    const deployed = new Set(
      deployments.flatMap((deployment) =>
        deployment.kustomizePaths.flatMap((path) =>
          podTemplates(rendered.get(normalize(path)) ?? []).flatMap((template) =>
            allContainers(template.spec).flatMap((container) =>
              container.image ? [imageName(container.image)] : [],
            ),
          ),
        ),
      ),
    );
    const base = deployments.find((deployment) => deployment.name === 'default');
    for (const image of base?.builds ?? []) {
      if (!deployed.has(image))
        add(
          base as SkaffoldDeployment,
          `build.artifacts: ${image} is built on every \`skaffold dev\` but no deployment runs it ` +
            '(build it in a profile of its own)',
        );
    }
  }
  return findings;
}
