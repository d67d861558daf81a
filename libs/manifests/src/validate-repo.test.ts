import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeObject, ManifestError } from '@ztmesh/policy';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AUTHORIZATION_PATH_USE } from './checks/authz-paths';
import { formatReport, reportPassed } from './format-report';
import type { RouteObserver } from './routes/route-observer';
import { findKubectl } from './render/render-kustomization';
import { appFixture, backendGetPolicy, firstContainer, pick } from './testing/fixtures';
import { collectKustomizations, discoverTargets, validateRepo } from './validate-repo';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const SCHEMAS_DIR = join(REPO_ROOT, '..', 'shared', 'schemas');
const kubectl = findKubectl();
if (!kubectl.available) console.warn(`SKIPPED rendering tests: ${kubectl.reason}`);

const scratch = mkdtempSync(join(tmpdir(), 'ztmesh-manifests-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes `text` to a scratch file and returns its absolute path (a YAML target is read as it is). */
function scratchFile(name: string, text: string): string {
  const path = join(scratch, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

async function inputError(run: () => Promise<unknown>): Promise<ManifestError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error('expected a ManifestError');
}

describe.skipIf(!kubectl.available)('the real repository', () => {
  it('renders every overlay and k8s/tests combination with no findings', async () => {
    const report = await validateRepo({ repoRoot: REPO_ROOT, schemasDir: SCHEMAS_DIR });
    expect(report.targets.map((target) => target.target)).toEqual(
      expect.arrayContaining([
        'k8s/overlays/dev',
        'k8s/overlays/zero-trust',
        'k8s/overlays/loadtest',
        'k8s/tests/calico-only',
      ]),
    );
    if (report.skipped.length > 0)
      console.warn(report.skipped.map((reason) => `SKIPPED ${reason}`).join('\n'));
    expect(report.findings, formatReport(report)).toEqual([]);
    // Strict wherever the schemas are present, as CI runs it: a skipped check is a failure there.
    expect(reportPassed(report, { strict: existsSync(SCHEMAS_DIR) })).toBe(true);
    // This lib starts no app: what the apps answer is proven where their bundles may be started, in
    // apps/ztctl/src/create-route-observer.test.ts.
    expect(report.omitted).toEqual(['probe-routes: the apps were not started (--no-run-apps)']);
    // Renders every overlay and test kustomization with kubectl: seconds when quiet, more under load.
  }, 90_000);
});

describe('bad input is an error naming the file and object', () => {
  it.skipIf(!kubectl.available)('a missing overlay', async () => {
    const error = await inputError(() =>
      validateRepo({ repoRoot: REPO_ROOT, targets: ['k8s/overlays/nope'] }),
    );
    expect(error.file).toBe('k8s/overlays/nope');
    expect(error.message).toMatch(/no such kustomization directory/);
  });

  it.skipIf(!kubectl.available)('a kustomization whose resource is broken YAML', async () => {
    scratchFile('broken/kustomization.yaml', 'resources:\n  - service-x.yaml\n');
    scratchFile('broken/service-x.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: [x\n');
    const error = await inputError(() =>
      validateRepo({ repoRoot: REPO_ROOT, targets: [join(scratch, 'broken')] }),
    );
    expect(error.file).toBe(join(scratch, 'broken'));
    expect(error.message).toMatch(/kubectl kustomize failed: .*/);
  });

  it('a broken YAML file', async () => {
    const file = scratchFile('broken.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: [x\n');
    const error = await inputError(() => validateRepo({ repoRoot: REPO_ROOT, targets: [file] }));
    expect(error.message).toMatch(new RegExp(`^${file} \\(line \\d+\\): invalid YAML: `));
  });

  it('an unknown kind', async () => {
    const file = scratchFile(
      'unknown.yaml',
      stringify({
        apiVersion: 'apps/v1',
        kind: 'Deploymnet',
        metadata: { name: 'backend', namespace: 'webapp' },
      }),
    );
    const error = await inputError(() => validateRepo({ repoRoot: REPO_ROOT, targets: [file] }));
    expect(error.object).toBe('Deploymnet webapp/backend');
    expect(error.message).toMatch(/unknown kind apps\/v1\/Deploymnet/);
  });
});

describe('findings from a file target', () => {
  it('reports schema problems as findings (exit code 1)', async () => {
    const objects = appFixture();
    pick(objects, 'Service').spec.portz = [];
    const file = scratchFile('schema.yaml', objects.map((object) => stringify(object)).join('---\n'));
    const report = await validateRepo({
      repoRoot: REPO_ROOT,
      targets: [file],
      schemasDir: SCHEMAS_DIR,
    });
    expect(report.findings).toEqual([
      {
        check: 'schema',
        target: file,
        object: 'Service webapp/backend',
        message: '/spec/portz: unknown field',
      },
    ]);
    expect(reportPassed(report)).toBe(false);
    expect(formatReport(report)).toMatch(/1 findings/);
  });

  it('skips Istio and Calico schemas loudly when the schemas directory is absent', async () => {
    const file = scratchFile(
      'istio.yaml',
      stringify({
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: 'default', namespace: 'webapp' },
        spec: { mtls: { mode: 'STRICT' } },
      }),
    );
    const report = await validateRepo({
      repoRoot: REPO_ROOT,
      targets: [file],
      schemasDir: join(scratch, 'none'),
    });
    expect(report.findings).toEqual([]);
    expect(report.skipped.join('\n')).toMatch(
      /Istio and Calico CRD schemas: no upstream schemas in .*none; run `ztctl schemas fetch`/,
    );
    expect(report.skipped.join('\n')).toMatch(/schema of security.istio.io\/v1\/PeerAuthentication objects/);
  });
});

describe('what the route observer saw', () => {
  it('asks it for the probe, scrape and AuthorizationPolicy paths, judges its answers, and closes it', async () => {
    const objects = appFixture();
    firstContainer(objects).readinessProbe.httpGet.path = '/readyz';
    const policy = backendGetPolicy(['/api/data', '/api/dta']);
    const file = scratchFile(
      'observed.yaml',
      [...objects, policy].map((object) => stringify(object)).join('---\n'),
    );
    // A stand-in for the apps: the backend serves every path but the two misspelt ones.
    const asked: string[] = [];
    let closed = 0;
    const routeObserver: RouteObserver = {
      async observe(templates, providers = []) {
        const observations = templates.flatMap((template) =>
          template.spec.containers.flatMap((container) =>
            providers
              .flatMap((provide) => provide(template, container))
              .map((request) => {
                asked.push(`${request.use} ${request.path}@${request.port}`);
                const status = ['/readyz', '/api/dta'].includes(request.path) ? 404 : 200;
                const owner = request.owner ?? describeObject(template.owner);
                return { ...request, owner, container: container.name ?? '', status };
              }),
          ),
        );
        return { observations, skipped: ['ztmesh/other: no built bundle'] };
      },
      async close() {
        closed += 1;
      },
    };
    const report = await validateRepo({ repoRoot: REPO_ROOT, targets: [file], routeObserver });
    expect(asked).toEqual([
      'startupProbe /ready@http',
      'readinessProbe /readyz@http',
      'livenessProbe /health@http',
      'prometheus.io/path /metrics@9464',
      `${AUTHORIZATION_PATH_USE} /api/data@5000`,
      `${AUTHORIZATION_PATH_USE} /api/dta@5000`,
    ]);
    expect(closed).toBe(1);
    expect(report.omitted).toEqual([]);
    expect(report.skipped).toContain(`probe-routes in ${file}: ztmesh/other: no built bundle`);
    expect(report.targets[0]?.routes).toHaveLength(6);
    expect(
      report.findings
        .filter((finding) => finding.check === 'probe-routes' || finding.check === 'authz-paths')
        .map((finding) => `${finding.object}: ${finding.message}`),
    ).toEqual([
      'Deployment webapp/backend: container backend: readinessProbe GET /readyz on port "http" answered 404: not a route the app serves',
      'AuthorizationPolicy webapp/backend: allows GET /api/dta on port 5000, which container backend does not serve (404)',
    ]);
  });

  it('closes it when the input is bad', async () => {
    let closed = 0;
    const routeObserver: RouteObserver = {
      observe: async () => ({ observations: [], skipped: [] }),
      close: async () => void (closed += 1),
    };
    const file = scratchFile(
      'unknown-kind.yaml',
      stringify({ apiVersion: 'v1', kind: 'Nonsense', metadata: { name: 'x' } }),
    );
    await inputError(() => validateRepo({ repoRoot: REPO_ROOT, targets: [file], routeObserver }));
    expect(closed).toBe(1);
  });
});

describe('skaffold.yaml', () => {
  const repoWith = (name: string, skaffold: string) => {
    const root = join(scratch, name);
    scratchFile(`${name}/skaffold.yaml`, skaffold);
    scratchFile(`${name}/apps/backend/Dockerfile`, 'FROM scratch\n');
    return root;
  };

  it.skipIf(!existsSync(SCHEMAS_DIR))('is schema-checked: version and unknown fields', async () => {
    const root = repoWith(
      'skaffold-bad',
      'apiVersion: skaffold/v4beta11\nkind: Config\nbuild:\n  local:\n    pushh: false\n',
    );
    const report = await validateRepo({
      repoRoot: root,
      schemasDir: SCHEMAS_DIR,
      targets: [],
    });
    expect(
      report.findings.map((finding) => `${finding.target} ${finding.object} ${finding.message}`),
    ).toEqual([
      'skaffold.yaml document 1 /apiVersion: "skaffold/v4beta11" is not skaffold/v4beta14 (the schema checked against)',
      'skaffold.yaml document 1 /build/local/pushh: unknown field',
    ]);
  });

  it('broken YAML is bad input naming skaffold.yaml', async () => {
    const root = repoWith('skaffold-broken', 'apiVersion: [\n');
    const error = await inputError(() =>
      validateRepo({ repoRoot: root, schemasDir: SCHEMAS_DIR, targets: [] }),
    );
    expect(error.message).toMatch(/^skaffold\.yaml \(document 1\): invalid YAML/);
  });

  it.each([
    {
      where: 'named in its build command',
      dir: 'skaffold-custom',
      backend: ['buildCommand: ./scripts/build-image apps/backend/Dockerfile'],
      frontend: ['buildCommand: ./scripts/build-image apps/frontend/Dockerfile'],
      missing: 'apps/frontend/Dockerfile',
    },
    {
      where: 'shared, among its dependency paths',
      dir: 'skaffold-shared',
      backend: ['buildCommand: ./scripts/build-image backend', 'dependencies: { paths: [apps/Dockerfile] }'],
      frontend: [
        'buildCommand: ./scripts/build-image frontend',
        'dependencies: { paths: [apps/no/Dockerfile] }',
      ],
      missing: 'apps/no/Dockerfile',
    },
  ])('finds the Dockerfile of a custom-built artifact, $where (image check input)', async (artifact) => {
    const root = repoWith(
      artifact.dir,
      [
        'apiVersion: skaffold/v4beta14',
        'kind: Config',
        'build:',
        '  artifacts:',
        '    - image: ztmesh/backend',
        '      custom:',
        ...artifact.backend.map((line) => `        ${line}`),
        '    - image: ztmesh/frontend',
        '      custom:',
        ...artifact.frontend.map((line) => `        ${line}`),
      ].join('\n'),
    );
    scratchFile(`${artifact.dir}/apps/Dockerfile`, 'FROM scratch\n');
    const objects = [...appFixture('backend', 5000), ...appFixture('frontend', 8080).slice(1)];
    const file = scratchFile(
      `${artifact.dir}/all.yaml`,
      objects.map((object) => stringify(object)).join('---\n'),
    );
    const report = await validateRepo({
      repoRoot: root,
      schemasDir: SCHEMAS_DIR,
      targets: [file],
    });
    expect(
      report.findings.filter((finding) => finding.check === 'images').map((finding) => finding.message),
    ).toEqual([`container frontend: image ztmesh/frontend: Dockerfile ${artifact.missing} does not exist`]);
  });
});

describe('collectKustomizations', () => {
  it('reaches every kustomization of the repo through resources and components, once each', () => {
    const dirs = collectKustomizations(REPO_ROOT, discoverTargets(REPO_ROOT)).map((file) => file.dir);
    expect(dirs).toEqual(
      expect.arrayContaining([
        'k8s/overlays/loadtest',
        'k8s/base',
        'k8s/loadtest',
        'calico',
        'istio',
        'calico/loadtest',
        'istio/loadtest',
      ]),
    );
    expect(new Set(dirs).size).toBe(dirs.length);
  });
});
