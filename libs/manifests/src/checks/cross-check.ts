import { describeObject } from '@ztmesh/policy';
import type { RenderedObject } from '../rendered-object';

/** One problem a cross-check found: which check, in which rendered target, on which object, and what. */
export interface Finding {
  readonly check: string;
  /** The kustomization that was rendered (`k8s/overlays/zero-trust`), or `skaffold.yaml` and the like. */
  readonly target: string;
  /** `Kind namespace/name` of the offending object. */
  readonly object: string;
  readonly message: string;
}

/** A Skaffold artifact as the image cross-check needs it. */
export interface SkaffoldArtifact {
  readonly image: string;
  /** Repo-relative path of its Dockerfile (context joined with docker.dockerfile). */
  readonly dockerfile: string;
  readonly dockerfileExists: boolean;
}

/** What a probe path or scrape path answered when the app's own bundle was started and asked. */
export interface RouteObservation {
  /** `Kind namespace/name` of the workload. */
  readonly owner: string;
  readonly container: string;
  /** `startupProbe`, `readinessProbe`, `livenessProbe` or `prometheus.io/path`. */
  readonly use: string;
  readonly path: string;
  /** The port as the manifest names it (`http`, 9464). */
  readonly port: string | number;
  /** HTTP status the app answered; absent when the request could not be made (see `error`). */
  readonly status?: number;
  readonly error?: string;
}

/** An identity outside the rendered objects that policies may name (the contract's well-known peers). */
export interface ExternalServiceAccount {
  readonly namespace: string;
  readonly name: string;
}

/** A workload outside the rendered objects that policies may select as a peer (the contract's well-known peers). */
export interface ExternalWorkload {
  readonly namespace: string;
  /** Also the name of the Service in front of it (a Sidecar egress host may name it). */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  /** The ports our pods may reach it on (a policy allowing another port to it is a finding). */
  readonly ports: readonly number[];
}

/** Everything a cross-check may look at; checks are pure functions of it. */
export interface CheckContext {
  readonly target: string;
  readonly objects: readonly RenderedObject[];
  /** Artifacts of skaffold.yaml; absent when the repo has no skaffold.yaml. */
  readonly skaffoldArtifacts?: readonly SkaffoldArtifact[];
  /** Route observations for this target's workloads; absent when the apps were not started. */
  readonly routes?: readonly RouteObservation[];
  /** ServiceAccounts outside the rendered objects that exist in the cluster (ingress gateway, Prometheus). */
  readonly externalServiceAccounts: readonly ExternalServiceAccount[];
  /** Workloads outside the rendered objects (kube-dns, istiod, ...), whose ports policies are checked against. */
  readonly externalWorkloads?: readonly ExternalWorkload[];
}

/** A cross-check: a named pure function from a rendered target to its findings. */
export interface CrossCheck {
  readonly name: string;
  /** One line: what a real cluster would only reveal at run time, and this check proves offline. */
  readonly description: string;
  run(context: CheckContext): Finding[];
}

/** Builds a finding of `check` about `object` in the context's target. */
export function findingOf(
  check: string,
  context: Pick<CheckContext, 'target'>,
  object: Pick<RenderedObject, 'kind' | 'metadata'> | string,
  message: string,
): Finding {
  return {
    check,
    target: context.target,
    object: typeof object === 'string' ? object : describeObject(object),
    message,
  };
}
