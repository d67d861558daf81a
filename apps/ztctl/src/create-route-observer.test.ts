import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  AUTHORIZATION_PATH_USE,
  findKubectl,
  formatReport,
  reportPassed,
  validateRepo,
} from '@ztmesh/manifests';
import { appFixture, backendGetPolicy, firstContainer } from '@ztmesh/manifests/testing';
import { createRouteObserver } from './create-route-observer';

// What the validator's probe-routes and authz-paths checks rest on: the apps' own bundles, started as pods would
// run them, really answer the paths the manifests name. Here, not in libs/manifests: a lib never starts an app
// (this project's test target depends on the apps' builds).
const REPO_ROOT = join(__dirname, '..', '..', '..');
const SCHEMAS_DIR = join(REPO_ROOT, '..', 'shared', 'schemas');
const kubectl = findKubectl();
if (!kubectl.available) console.warn(`SKIPPED rendering tests: ${kubectl.reason}`);
const backendBundle = join(REPO_ROOT, 'dist', 'apps', 'backend', 'main.cjs');
if (!existsSync(backendBundle)) console.warn(`SKIPPED probe-route tests: ${backendBundle} not built`);

const scratch = mkdtempSync(join(tmpdir(), 'ztctl-routes-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes `text` to a scratch file and returns its absolute path (a YAML target is read as it is). */
function scratchFile(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

describe.skipIf(!kubectl.available)('the real repository, its apps started', () => {
  it('renders every overlay and k8s/tests combination with no findings', async () => {
    const report = await validateRepo({
      repoRoot: REPO_ROOT,
      schemasDir: SCHEMAS_DIR,
      routeObserver: createRouteObserver({ repoRoot: REPO_ROOT }),
    });
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
    // The apps were really asked: probes of every workload, and the paths the zero-trust policies allow.
    const zeroTrust = report.targets.find((target) => target.target === 'k8s/overlays/zero-trust');
    const uses = new Set(zeroTrust?.routes.map((route) => `${route.owner} ${route.use}`));
    expect([...uses]).toEqual(
      expect.arrayContaining([
        'Deployment webapp/backend readinessProbe',
        'Deployment webapp/frontend livenessProbe',
        'Deployment webapp/frontend prometheus.io/path',
      ]),
    );
    expect(zeroTrust?.routes.some((route) => route.use === AUTHORIZATION_PATH_USE)).toBe(true);
    // Renders every overlay and starts each app once: slower than one test's default while the suite shares the CPU.
  }, 90_000);
});

describe.skipIf(!existsSync(backendBundle))('probe paths against the real backend bundle', () => {
  it('passes the real paths and reports paths the app does not serve, per port', async () => {
    const objects = appFixture();
    const container = firstContainer(objects);
    container.readinessProbe.httpGet.path = '/readyz';
    container.livenessProbe.httpGet.port = 'http-metrics';
    const policy = backendGetPolicy(['/api/data', '/api/dta']);
    const file = scratchFile(
      'probes.yaml',
      [...objects, policy].map((object) => stringify(object)).join('---\n'),
    );
    const report = await validateRepo({
      repoRoot: REPO_ROOT,
      targets: [file],
      schemasDir: SCHEMAS_DIR,
      routeObserver: createRouteObserver({ repoRoot: REPO_ROOT }),
    });
    const messages = report.findings
      .filter((finding) => finding.check === 'probe-routes')
      .map((finding) => finding.message);
    expect(messages).toEqual([
      'container backend: readinessProbe GET /readyz on port "http" answered 404: not a route the app serves',
      'container backend: livenessProbe GET /health on port "http-metrics" answered 404: not a route the app serves',
    ]);
    expect(report.findings.filter((finding) => finding.check === 'authz-paths')).toEqual([
      {
        check: 'authz-paths',
        target: file,
        object: 'AuthorizationPolicy webapp/backend',
        message: 'allows GET /api/dta on port 5000, which container backend does not serve (404)',
      },
    ]);
  });
});
