import type { Analysis } from '../analyze';
import type { FlowGraph } from '../flow-graph';
import type { ManifestObject } from '../manifest-objects';

/** The outcome of one posture check item. */
export type PostureStatus = 'pass' | 'fail' | 'warn';

/** One reported item: which check, its outcome, and the evidence (object, field, value). */
export interface PostureResult {
  readonly check: string;
  readonly status: PostureStatus;
  /** `Kind namespace/name` of the object that decides it. */
  readonly object: string;
  readonly field?: string;
  readonly value?: string;
  readonly message: string;
}

/** What the posture checks read: the live objects of one app namespace (and the mesh root), nothing else. */
export interface PostureInput {
  /** The app's namespace (the flow graph's). */
  readonly namespace: string;
  /** Istio's root namespace (mesh-wide policies); default istio-system. */
  readonly rootNamespace?: string;
  /** The live objects: Namespaces, Pods, Deployments, ServiceAccounts, Services, policies and mesh objects. */
  readonly objects: readonly ManifestObject[];
  /** The declared flow graph. */
  readonly graph: FlowGraph;
  /** The rendered overlay the cluster must equal (drift); no drift check without it. */
  readonly rendered?: readonly ManifestObject[];
  /** The Calico tier that holds the identity policies; default ztmesh-identity. */
  readonly identityTier?: string;
}

/** The input with what several checks share: the analyzer's model of the live objects. */
export interface PostureContext extends PostureInput {
  readonly rootNamespace: string;
  readonly identityTier: string;
  /** The analyzer run on the live objects (Pods left out: the analyzer reads pods from their Deployments). */
  readonly analysis: Analysis;
  /** Live objects of one kind (any API group when `group` is not given) in one namespace (cluster-wide: null). */
  of(kind: string, namespace?: string | null, group?: string): ManifestObject[];
}

/** One posture check: a pure function from the context to its results. */
export type PostureCheck = (context: PostureContext) => PostureResult[];
