import { join } from 'node:path';
import {
  discoverTargets,
  renderKustomization,
  strictManifestObjects,
  type RenderedObject,
} from '@ztmesh/manifests';
import { apiGroup } from '@ztmesh/policy';
import { createKubectl, REPO_ROOT, useControlPlane, type Kubectl } from '@ztmesh/test-support';
import { createKubeApi, type KubeApi } from './kube-api';

/**
 * The run's control plane: kubectl against it and its API in-process (`api`, for the steps where kubectl is not
 * the subject), or the loud reason the suites skip (then both throw).
 */
export function serverUnderTest(): {
  kubectl: Kubectl;
  api: KubeApi;
  skipped?: string;
  crdFiles: number;
  crdDir: string;
  controllerManager: boolean;
} {
  const plane = useControlPlane();
  if (plane.skipped === undefined)
    return {
      kubectl: createKubectl(plane),
      api: createKubeApi(plane.kubeconfig),
      crdFiles: plane.crdFiles,
      crdDir: plane.crdDir,
      controllerManager: plane.controllerManager,
    };
  console.warn(`SKIPPED: ${plane.skipped}`);
  const none = () => Promise.reject(new Error(`no control plane: ${plane.skipped}`));
  const api = new Proxy({} as KubeApi, { get: () => none });
  return {
    kubectl: { run: none, ok: none, json: none },
    api,
    skipped: plane.skipped,
    crdFiles: 0,
    crdDir: '',
    controllerManager: false,
  };
}

/** Every kustomization the repo ships or tests (k8s/overlays/*, k8s/tests/*), repo-relative: ztctl validate's list. */
export const TARGETS = discoverTargets(REPO_ROOT);

/** The objects `kubectl kustomize` renders for the repo-relative `target`. */
export async function renderedObjects(target: string): Promise<RenderedObject[]> {
  return strictManifestObjects(
    await renderKustomization(join(REPO_ROOT, target), { displayPath: target }),
    target,
  );
}

/** `kind/name` with `-n namespace` where namespaced: how kubectl names one object. */
export function kubectlRef(object: RenderedObject): string[] {
  const ref = `${object.kind}.${apiGroup(object.apiVersion)}`.replace(/\.$/, '');
  const namespace = object.metadata.namespace;
  return [...(namespace ? ['-n', namespace] : []), `${ref}/${object.metadata.name}`];
}

/** Polls `probe` until it returns a value other than undefined, or fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not so within ${timeoutMs / 1000} s${last ? ` (last error: ${String(last)})` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
