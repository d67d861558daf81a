import type { IContainer, IPodSpec } from 'kubernetes-models/v1';
import type { RenderedObject } from '../rendered-object';

/** A pod template found in a workload object (or a bare Pod), with the namespace and labels its pods get. */
export interface PodTemplate {
  readonly owner: RenderedObject;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly spec: IPodSpec;
}

interface TemplateHolder {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: IPodSpec;
}

/** Every pod template among `objects`: Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs, Pods. */
export function podTemplates(objects: readonly RenderedObject[]): PodTemplate[] {
  const templates: PodTemplate[] = [];
  for (const object of objects) {
    const holder = templateHolder(object);
    if (!holder?.spec) continue;
    templates.push({
      owner: object,
      namespace: object.metadata.namespace ?? 'default',
      labels: holder.metadata?.labels ?? {},
      annotations: holder.metadata?.annotations ?? {},
      spec: holder.spec,
    });
  }
  return templates;
}

function templateHolder(object: RenderedObject): TemplateHolder | undefined {
  const spec = object.spec as
    { template?: TemplateHolder; jobTemplate?: { spec?: { template?: TemplateHolder } } } | undefined;
  switch (object.kind) {
    case 'Pod':
      return object as unknown as TemplateHolder;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return spec?.template;
    case 'CronJob':
      return spec?.jobTemplate?.spec?.template;
    default:
      return undefined;
  }
}

/** Every container of a pod spec, init and ephemeral ones included (Pod Security applies to all of them). */
export function allContainers(spec: IPodSpec): IContainer[] {
  return [
    ...(spec.initContainers ?? []),
    ...spec.containers,
    ...((spec.ephemeralContainers ?? []) as IContainer[]),
  ];
}

/** Whether `labels` carry every key/value of `selector` (an empty selector matches nothing here: see callers). */
export function labelsMatch(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

/** The literal value of env variable `name` in `container` (undefined when unset or taken from elsewhere). */
export function envValue(container: IContainer, name: string): string | undefined {
  return container.env?.find((variable) => variable.name === name)?.value;
}

/** The container port a probe or Service port refers to: by name, or by number. */
export function findContainerPort(container: IContainer, port: string | number): number | undefined {
  const ports = container.ports ?? [];
  const match =
    typeof port === 'number'
      ? ports.find((p) => p.containerPort === port)
      : ports.find((p) => p.name === port);
  return match?.containerPort;
}
