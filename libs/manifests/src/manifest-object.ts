/** The part of every Kubernetes object the validator reads without knowing its kind. */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** One Kubernetes object as rendered (any kind: fields beyond these are read by the checks that know the kind). */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly [field: string]: unknown;
}

/** A rendered object and where it came from (the kustomization directory or file it was read from). */
export interface SourcedObject {
  readonly object: ManifestObject;
  /** Repo-relative path of the kustomization directory or file that produced the object. */
  readonly source: string;
}

/** `Kind namespace/name` (or `Kind name` for cluster-scoped objects): how messages name an object. */
export function objectRef(object: Pick<ManifestObject, 'kind' | 'metadata'>): string {
  const namespace = object.metadata.namespace;
  return `${object.kind} ${namespace ? `${namespace}/` : ''}${object.metadata.name}`;
}

/** The API group of an apiVersion (`''` for the core group). */
export function apiGroup(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}
