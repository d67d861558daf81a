import type { KubeObject, ObjectMeta } from '@ztmesh/policy';

/**
 * A rendered object as the validator reads it: apiVersion and metadata.name checked, no source position (the
 * strict schemas would call it an unknown field), no owner references (the server sets those, never a manifest).
 */
export interface RenderedObject extends KubeObject {
  readonly metadata: Omit<ObjectMeta, 'ownerReferences'> & { readonly name: string };
}

/** A rendered object and where it came from (the kustomization directory or file it was read from). */
export interface SourcedObject {
  readonly object: RenderedObject;
  /** Repo-relative path of the kustomization directory or file that produced the object. */
  readonly source: string;
}
