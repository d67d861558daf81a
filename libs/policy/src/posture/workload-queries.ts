import { matchesLabelSelector, type LabelSelector } from '../label-selector';
import type { ManifestObject } from '../manifest-objects';
import type { PostureContext } from './posture-check';

/** The label that marks verify's own probe pods: never counted as the app's pods. */
export const PROBE_POD_LABEL = 'ztmesh.dev/probe';

interface PodTemplateSpec {
  readonly metadata?: { readonly labels?: Record<string, string> };
  readonly spec?: { readonly serviceAccountName?: string; readonly serviceAccount?: string };
}

/** The pod template of a Deployment. */
export function templateOf(deployment: ManifestObject): PodTemplateSpec {
  return ((deployment.spec as { template?: PodTemplateSpec } | undefined)?.template ?? {}) as PodTemplateSpec;
}

/** The ServiceAccount a pod spec runs under (`default` when it names none, as the API server decides). */
export function serviceAccountOf(spec: PodTemplateSpec['spec']): string {
  return spec?.serviceAccountName || spec?.serviceAccount || 'default';
}

/** The Deployments of the app namespace. */
export function deploymentsOf(ctx: PostureContext): ManifestObject[] {
  return ctx.of('Deployment', ctx.namespace, 'apps');
}

/** The live pods a Deployment selects (probe pods excluded). */
export function podsOf(ctx: PostureContext, deployment: ManifestObject): ManifestObject[] {
  const selector = ((deployment.spec as { selector?: LabelSelector } | undefined)?.selector ?? {
    matchLabels: { 'never-matches': '' },
  }) as LabelSelector;
  return ctx
    .of('Pod', ctx.namespace, '')
    .filter(
      (pod) =>
        !(PROBE_POD_LABEL in (pod.metadata.labels ?? {})) &&
        matchesLabelSelector(selector, pod.metadata.labels ?? {}),
    );
}

/** The analyzer's workload for a Deployment of the app namespace. */
export function workloadOf(ctx: PostureContext, deployment: ManifestObject) {
  return ctx.analysis.workloads.find(
    (w) => w.kind === 'Deployment' && w.namespace === ctx.namespace && w.name === deployment.metadata.name,
  );
}
