import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { apiGroup, describeObject, ManifestError } from '@ztmesh/policy';
import { parseAllDocuments } from 'yaml';
import { authorizationPathRequests } from './routes/authorization-path-requests';
import type { RouteObserver } from './routes/route-observer';
import { probeRequests } from './routes/route-requests';
import type {
  CheckContext,
  CrossCheck,
  ExternalServiceAccount,
  ExternalWorkload,
  Finding,
  RouteObservation,
  SkaffoldArtifact,
} from './checks/cross-check';
import { CROSS_CHECKS } from './checks/cross-checks';
import { kustomizationFindings, type KustomizationFile } from './checks/kustomizations';
import { podTemplates } from './checks/pod-templates';
import {
  skaffoldDeployments,
  skaffoldReferenceFindings,
  type SkaffoldDeployment,
  type SkaffoldManifestsDocument,
} from './checks/skaffold-references';
import { type RenderedObject } from './rendered-object';
import {
  findKubectl,
  isKustomizationDir,
  KUSTOMIZATION_FILES,
  renderKustomization,
} from './render/render-kustomization';
import { createCoreSchemaValidator } from './schemas/core-schema-validator';
import { createCrdCelChecker, type CrdCelChecker } from './schemas/crd-cel-rules';
import {
  createCrdSchemaValidator,
  loadCrdSchemas,
  type CrdSchemaValidator,
} from './schemas/crd-schema-validator';
import { createSkaffoldSchemaValidator } from './schemas/skaffold-schema-validator';
import { findUpstreamSchemas, type SchemasLookup } from './schemas/upstream-schemas';
import { MAX_INPUT_BYTES, readManifestFile, tooLarge } from './read/read-manifest-files';
import { strictManifestObjects } from './strict-manifest-objects';
import { readWellKnownPeers } from './well-known-peers';

/** API groups whose kinds are custom resources validated against the CRD schemas in the schemas directory. */
export const CRD_GROUPS: readonly string[] = [
  'networking.istio.io',
  'security.istio.io',
  'telemetry.istio.io',
  'extensions.istio.io',
  'projectcalico.org',
];

/** The Skaffold schema file inside the schemas directory. */
export const SKAFFOLD_SCHEMA_FILE = 'skaffold-v4beta14.json';

/** The Skaffold config version the schema describes and the project uses. */
export const SKAFFOLD_API_VERSION = 'skaffold/v4beta14';

/** Options for validateRepo. */
export interface ValidateRepoOptions {
  /** The repository root (where k8s/ and skaffold.yaml live). */
  readonly repoRoot: string;
  /** Upstream schemas (Istio and Calico CRDs, Skaffold); default: where findUpstreamSchemas finds them. */
  readonly schemasDir?: string;
  /** The environment that locates the schemas cache (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * What to render, repo-relative: kustomization directories (rendered with kubectl kustomize) or YAML files
   * (read as they are). Default: every directory under k8s/overlays/ and k8s/tests/.
   */
  readonly targets?: readonly string[];
  /** The kubectl binary (default `kubectl`). */
  readonly kubectl?: string;
  /**
   * Asks the running apps what they answer on the probe, scrape and AuthorizationPolicy paths (ztctl validate
   * passes one that starts the built bundles); validateRepo closes it when done. Without one the probe-routes
   * check is omitted.
   */
  readonly routeObserver?: RouteObserver;
  /** The cross-checks to run (default CROSS_CHECKS). */
  readonly checks?: readonly CrossCheck[];
  /** The flow graph whose `peers:` are the well-known workloads, repo-relative (default DEFAULT_FLOWS_FILE). */
  readonly flows?: string;
  /** Identities outside the rendered objects that exist (default: the flow graph's peers' ServiceAccounts). */
  readonly externalServiceAccounts?: readonly ExternalServiceAccount[];
  /** Workloads outside the rendered objects that policies may name as peers (default: the flow graph's peers). */
  readonly externalWorkloads?: readonly ExternalWorkload[];
}

/** One rendered target in the report. */
export interface TargetSummary {
  readonly target: string;
  readonly objects: number;
  /** What the apps answered to the target's probe, scrape and AuthorizationPolicy paths (empty when not run). */
  readonly routes: readonly RouteObservation[];
}

/**
 * The outcome of validateRepo: findings mean exit 1; `skipped` lists what could not be checked, why and how to
 * get it checked; `omitted` what the caller asked to leave out (e.g. --no-run-apps).
 */
export interface ValidationReport {
  readonly targets: readonly TargetSummary[];
  readonly checks: readonly string[];
  readonly findings: readonly Finding[];
  readonly skipped: readonly string[];
  readonly omitted: readonly string[];
  /** The upstream schemas directory used, when one was found. */
  readonly schemas?: { readonly dir: string; readonly source: string };
}

/** Default targets: every kustomization directory under k8s/overlays/ and k8s/tests/, sorted. */
export function discoverTargets(repoRoot: string): string[] {
  return ['k8s/overlays', 'k8s/tests'].flatMap((parent) => {
    const dir = join(repoRoot, parent);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => statSync(join(dir, name)).isDirectory())
      .sort()
      .map((name) => `${parent}/${name}`);
  });
}

/**
 * The offline proof of the deploy files: renders every target, validates every object against its schema (core
 * kinds, Istio and Calico CRDs strictly), validates skaffold.yaml, then runs the cross-checks on each target.
 * Throws ManifestError for input it cannot judge (broken YAML, unknown kind, missing target).
 */
export async function validateRepo(options: ValidateRepoOptions): Promise<ValidationReport> {
  const repoRoot = options.repoRoot;
  const schemas = findUpstreamSchemas({ repoRoot, schemasDir: options.schemasDir, env: options.env });
  const checks = options.checks ?? CROSS_CHECKS;
  const skipped: string[] = [];
  const omitted: string[] = [];
  const findings: Finding[] = [];

  const crdSchemas = schemas.dir ? loadCrdSchemas(schemas.dir) : undefined;
  const crd = loadCrdValidator(crdSchemas, schemas, skipped);
  const cel = crdSchemas ? createCrdCelChecker(crdSchemas) : undefined;
  const skaffold = readSkaffold(repoRoot, schemas, skipped, findings);
  const peers =
    options.externalServiceAccounts && options.externalWorkloads
      ? undefined
      : readWellKnownPeers(repoRoot, options.flows);

  const targets = options.targets ?? discoverTargets(repoRoot);
  const needsKubectl = targets.some((target) => !/\.ya?ml$/.test(target));
  const kubectl = needsKubectl ? findKubectl(options.kubectl) : { available: true };
  if (!kubectl.available) {
    skipped.push(
      `rendering kustomizations: ${kubectl.reason} (install kubectl 1.27+ to render the overlays)`,
    );
  }
  // One budget for the run (MAX_INPUT_BYTES, as analyze has): files are refused from their sizes together before
  // any is read, a render once it is out. A file that cannot be stat'ed here is left for the reader to name.
  const files = targets.filter((target) => /\.ya?ml$/.test(target));
  const fileBytes = files.reduce((sum, target) => {
    try {
      const stats = statSync(resolve(repoRoot, target));
      return sum + (stats.isFile() ? stats.size : 0);
    } catch {
      return sum;
    }
  }, 0);
  if (files.length > 1 && fileBytes > MAX_INPUT_BYTES)
    throw tooLarge(`${files.length} --target files together`, fileBytes, MAX_INPUT_BYTES);
  let used = 0;
  const rendered = await Promise.all(
    targets.map(async (target) => {
      const path = resolve(repoRoot, target);
      if (/\.ya?ml$/.test(target)) {
        const text = readManifestFile(path, {
          displayPath: target,
          within: repoRoot,
          maxBytes: MAX_INPUT_BYTES - used,
        });
        used += Buffer.byteLength(text);
        return { target, file: target, objects: strictManifestObjects(text, target) };
      }
      if (!kubectl.available) return undefined;
      const text = await renderKustomization(path, { kubectl: options.kubectl, displayPath: target });
      const file = `${target} (rendered)`;
      used += Buffer.byteLength(text);
      if (used > MAX_INPUT_BYTES) throw tooLarge(file, used, MAX_INPUT_BYTES);
      return { target, file, objects: strictManifestObjects(text, file) };
    }),
  );

  const core = createCoreSchemaValidator();
  const observer = options.routeObserver;
  if (!observer) omitted.push('probe-routes: the apps were not started (--no-run-apps)');
  const summaries: TargetSummary[] = [];
  try {
    for (const result of rendered) {
      if (!result) continue;
      for (const object of result.objects) {
        for (const problem of schemaProblems(object, result.file, core, crd, skipped)) {
          findings.push({
            check: 'schema',
            target: result.target,
            object: describeObject(object),
            message: problem,
          });
        }
        findings.push(...celFindings(object, result.target, cel, skipped));
      }
      let routes: CheckContext['routes'];
      if (observer) {
        const observed = await observer.observe(podTemplates(result.objects), [
          probeRequests,
          authorizationPathRequests(result.objects),
        ]);
        routes = observed.observations;
        skipped.push(...observed.skipped.map((reason) => `probe-routes in ${result.target}: ${reason}`));
      }
      summaries.push({ target: result.target, objects: result.objects.length, routes: routes ?? [] });
      const context: CheckContext = {
        target: result.target,
        objects: result.objects,
        skaffoldArtifacts: skaffold?.artifacts,
        routes,
        externalServiceAccounts: options.externalServiceAccounts ?? peers?.serviceAccounts ?? [],
        externalWorkloads: options.externalWorkloads ?? peers?.workloads ?? [],
      };
      for (const check of checks) findings.push(...check.run(context));
    }
  } finally {
    await observer?.close();
  }
  const directories = targets.filter((target) => !/\.ya?ml$/.test(target));
  findings.push(...kustomizationFindings(collectKustomizations(repoRoot, directories)));
  if (skaffold) {
    const byTarget = new Map(
      rendered.flatMap((result) => (result ? [[result.target, result.objects] as const] : [])),
    );
    const isKustomization = (path: string) => isKustomizationDir(join(repoRoot, path));
    findings.push(...skaffoldReferenceFindings(skaffold.deployments, byTarget, isKustomization));
  }
  return {
    targets: summaries,
    checks: ['schema', 'cel', ...checks.map((check) => check.name), 'skaffold-references', 'kustomizations'],
    findings,
    skipped: [...new Set(skipped)],
    omitted,
    ...(schemas.dir ? { schemas: { dir: schemas.dir, source: schemas.source as string } } : {}),
  };
}

/** Why the upstream schemas are missing and how to get them, for a SKIPPED line. */
function schemasMissing(schemas: SchemasLookup): string {
  return `no upstream schemas in ${schemas.looked.join(' or ')}; run \`ztctl schemas fetch\` (or pass --schemas DIR)`;
}

function loadCrdValidator(
  crdSchemas: ReturnType<typeof loadCrdSchemas> | undefined,
  schemas: SchemasLookup,
  skipped: string[],
): CrdSchemaValidator | undefined {
  if (!crdSchemas) {
    skipped.push(`Istio and Calico CRD schemas: ${schemasMissing(schemas)}`);
    return undefined;
  }
  return createCrdSchemaValidator(crdSchemas);
}

/** The CRD's CEL rules (x-kubernetes-validations) on `object`: broken ones as findings, unevaluable ones skipped. */
function celFindings(
  object: RenderedObject,
  target: string,
  cel: CrdCelChecker | undefined,
  skipped: string[],
): Finding[] {
  if (!cel) return [];
  const verdict = cel.check(object);
  const ref = describeObject(object);
  skipped.push(...verdict.unchecked.map((reason) => `CEL rule of ${ref} in ${target}: ${reason}`));
  return verdict.problems.map((problem) => ({ check: 'cel', target, object: ref, message: problem }));
}

function schemaProblems(
  object: RenderedObject,
  file: string,
  core: ReturnType<typeof createCoreSchemaValidator>,
  crd: CrdSchemaValidator | undefined,
  skipped: string[],
): string[] {
  if (core.knows(object.apiVersion, object.kind)) return core.problems(object);
  if (crd?.knows(object.apiVersion, object.kind)) return crd.problems(object);
  if (!crd && CRD_GROUPS.includes(apiGroup(object.apiVersion))) {
    skipped.push(`schema of ${object.apiVersion}/${object.kind} objects: no CRD schemas loaded`);
    return [];
  }
  throw new ManifestError(
    file,
    describeObject(object),
    `unknown kind ${object.apiVersion}/${object.kind}: no Kubernetes or CRD schema describes it`,
  );
}

/**
 * Every kustomization file the `targets` directories reach through `resources` and `components` (local
 * directories only), parsed, each once. A file that is not YAML is bad input naming it.
 */
export function collectKustomizations(repoRoot: string, targets: readonly string[]): KustomizationFile[] {
  const seen = new Set<string>();
  const files: KustomizationFile[] = [];
  const queue = targets.map((target) => resolve(repoRoot, target));
  while (queue.length > 0) {
    const dir = queue.shift() as string;
    if (seen.has(dir)) continue;
    seen.add(dir);
    const name = KUSTOMIZATION_FILES.find((candidate) => existsSync(join(dir, candidate)));
    if (!name) continue; // a missing target is reported by the render; a plain resource directory has none
    const shown = relative(repoRoot, dir) || '.';
    const parsed = parseAllDocuments(readFileSync(join(dir, name), 'utf8'));
    if (parsed.length !== 1 || parsed[0].errors.length > 0) {
      throw new ManifestError(`${shown}/${name}`, '', 'not a single YAML document');
    }
    const document = (parsed[0].toJS() ?? {}) as Record<string, unknown>;
    files.push({ dir: shown, document });
    for (const entry of [document.resources, document.components].flat()) {
      if (typeof entry !== 'string' || entry.includes('://')) continue;
      const path = resolve(dir, entry);
      if (existsSync(path) && statSync(path).isDirectory()) queue.push(path);
    }
  }
  return files;
}

interface SkaffoldDocument extends SkaffoldManifestsDocument {
  build?: { artifacts?: RawArtifact[] };
  profiles?: (NonNullable<SkaffoldManifestsDocument['profiles']>[number] & {
    build?: { artifacts?: RawArtifact[] };
  })[];
}

/** A Skaffold artifact as written in skaffold.yaml (the fields the image check reads). */
export interface RawArtifact {
  image?: string;
  context?: string;
  docker?: { dockerfile?: string };
  custom?: { buildCommand?: string; dependencies?: { dockerfile?: { path?: string }; paths?: string[] } };
}

/**
 * The Dockerfile of an artifact, relative to its context: `docker.dockerfile`; for a custom builder its
 * `dependencies.dockerfile.path`, else the Dockerfile among its dependency paths or in its build command;
 * `Dockerfile` when none is named.
 */
export function artifactDockerfile(artifact: RawArtifact): string {
  if (artifact.docker) return artifact.docker.dockerfile ?? 'Dockerfile';
  const custom = artifact.custom;
  const named = (candidate: string) => /(^|\/)Dockerfile[^/*]*$/.test(candidate);
  return (
    custom?.dependencies?.dockerfile?.path ??
    custom?.dependencies?.paths?.find(named) ??
    custom?.buildCommand?.split(/\s+/).find(named) ??
    'Dockerfile'
  );
}

function readSkaffold(
  repoRoot: string,
  schemas: SchemasLookup,
  skipped: string[],
  findings: Finding[],
): { artifacts: SkaffoldArtifact[]; deployments: SkaffoldDeployment[] } | undefined {
  const file = join(repoRoot, 'skaffold.yaml');
  if (!existsSync(file)) return undefined;
  const documents = parseAllDocuments(readFileSync(file, 'utf8')).map((document, index) => {
    if (document.errors.length > 0) {
      throw new ManifestError(
        'skaffold.yaml',
        `document ${index + 1}`,
        `invalid YAML: ${document.errors[0].message}`,
      );
    }
    return document.toJS() as SkaffoldDocument;
  });
  if (schemas.dir) {
    const validate = createSkaffoldSchemaValidator(join(schemas.dir, SKAFFOLD_SCHEMA_FILE));
    documents.forEach((document, index) => {
      // The schema accepts any apiVersion string; it only describes skaffold/v4beta14 configs.
      const apiVersion = (document as { apiVersion?: unknown }).apiVersion;
      if (apiVersion !== SKAFFOLD_API_VERSION) {
        findings.push({
          check: 'schema',
          target: 'skaffold.yaml',
          object: `document ${index + 1}`,
          message: `/apiVersion: ${JSON.stringify(apiVersion)} is not ${SKAFFOLD_API_VERSION} (the schema checked against)`,
        });
      }
      for (const problem of validate(document)) {
        findings.push({
          check: 'schema',
          target: 'skaffold.yaml',
          object: `document ${index + 1}`,
          message: problem,
        });
      }
    });
  } else {
    skipped.push(`skaffold.yaml schema: ${schemasMissing(schemas)}`);
  }
  const artifacts = documents.flatMap((document) => [
    ...(document.build?.artifacts ?? []),
    ...(document.profiles ?? []).flatMap((profile) => profile.build?.artifacts ?? []),
  ]);
  const deployments = documents.flatMap((document) => skaffoldDeployments(document));
  const built = artifacts
    .filter((artifact) => typeof artifact.image === 'string')
    .map((artifact) => {
      const dockerfile = relative(
        repoRoot,
        join(repoRoot, artifact.context ?? '.', artifactDockerfile(artifact)),
      );
      return {
        image: artifact.image as string,
        dockerfile,
        dockerfileExists: existsSync(join(repoRoot, dockerfile)),
      };
    });
  return { artifacts: built, deployments };
}
