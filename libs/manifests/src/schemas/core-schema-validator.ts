import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ReplicaSet } from 'kubernetes-models/apps/v1/ReplicaSet';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Pod } from 'kubernetes-models/v1/Pod';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { RenderedObject } from '../rendered-object';
import { describeSchemaErrors } from './describe-schema-error';
import { unknownFields } from './unknown-fields';

/** Validates core Kubernetes kinds; `problems` is empty when the object is valid. */
export interface CoreSchemaValidator {
  /** Whether `apiVersion`/`kind` is a core kind this validator knows. */
  knows(apiVersion: string, kind: string): boolean;
  /** Schema problems of `object` (type, enum, required, and fields the API server would reject as unknown). */
  problems(object: RenderedObject): string[];
}

interface ModelClass {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  new (data: unknown): { validate(): void };
}

interface ValidationFailure {
  readonly errors?: readonly { instancePath?: string; message?: string; params?: unknown }[];
  readonly message: string;
}

/**
 * The core kinds a deploy of ours may contain, imported one by one (a group-version index would bundle every
 * kind's schema). Add a kind here to accept it; any other core kind is an unknown kind (bad input).
 */
const MODELS: readonly ModelClass[] = [
  Namespace,
  Service,
  ServiceAccount,
  ConfigMap,
  Secret,
  Pod,
  PersistentVolumeClaim,
  LimitRange,
  ResourceQuota,
  Deployment,
  StatefulSet,
  DaemonSet,
  ReplicaSet,
  Job,
  CronJob,
  HorizontalPodAutoscaler,
  PodDisruptionBudget,
  NetworkPolicy,
  Ingress,
  Role,
  RoleBinding,
  ClusterRole,
  ClusterRoleBinding,
] as unknown as ModelClass[];

/**
 * A validator for core kinds built from the schemas the `kubernetes-models` package carries (types, formats,
 * required fields). Those schemas accept unknown fields, which a real API server rejects (strict field
 * validation), so the object is also walked against the field lists of @kubernetes/client-node's models.
 */
export function createCoreSchemaValidator(): CoreSchemaValidator {
  const models = new Map<string, ModelClass>();
  for (const model of MODELS) models.set(`${String(model.apiVersion)}/${String(model.kind)}`, model);
  return {
    knows: (apiVersion, kind) => models.has(`${apiVersion}/${kind}`),
    problems(object) {
      const Model = models.get(`${object.apiVersion}/${object.kind}`);
      if (!Model) return [`unknown core kind ${object.apiVersion}/${object.kind}`];
      const problems: string[] = [];
      try {
        new Model(object).validate();
      } catch (error) {
        const failure = error as ValidationFailure;
        if (!failure.errors) throw error;
        problems.push(...describeSchemaErrors(failure.errors));
      }
      const version = object.apiVersion.split('/').pop() ?? '';
      const typeName = `${version.charAt(0).toUpperCase()}${version.slice(1)}${object.kind}`;
      problems.push(...unknownFields(object, typeName, ''));
      return problems;
    },
  };
}
