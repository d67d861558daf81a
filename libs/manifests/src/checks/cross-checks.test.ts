import { describe, expect, it } from 'vitest';
import type { RenderedObject } from '../rendered-object';
import { appFixture, firstContainer, pick, podSpec } from '../testing/fixtures';
import type { CheckContext, CrossCheck, RouteObservation, SkaffoldArtifact } from './cross-check';
import { AUTHORIZATION_PATH_USE, authorizationPathsCheck } from './authz-paths';
import { imagesCheck } from './images';
import { podSecurityCheck } from './pod-security';
import { portNamingCheck } from './port-naming';
import { portReferencesCheck } from './port-references';
import { probeRoutesCheck } from './probe-routes';
import { serviceAccountsCheck } from './service-accounts';
import { serviceSelectorsCheck } from './service-selectors';
import { shutdownBudgetCheck } from './shutdown-budget';
import { quantity, workloadHygieneCheck } from './workload-hygiene';

const artifacts: SkaffoldArtifact[] = [
  { image: 'ztmesh/backend', dockerfile: 'apps/backend/Dockerfile', dockerfileExists: true },
];
const servedRoutes: RouteObservation[] = [
  {
    owner: 'Deployment webapp/backend',
    container: 'backend',
    use: 'readinessProbe',
    path: '/ready',
    port: 'http',
    status: 200,
  },
];

function contextOf(objects: RenderedObject[], overrides: Partial<CheckContext> = {}): CheckContext {
  return {
    target: 'fixture',
    objects,
    skaffoldArtifacts: artifacts,
    routes: servedRoutes,
    externalServiceAccounts: [],
    ...overrides,
  };
}

interface BadCase {
  readonly name: string;
  readonly check: CrossCheck;
  /** Breaks the good fixture (or returns a context override). */
  readonly breakIt: (objects: RenderedObject[]) => Partial<CheckContext> | void;
  readonly finding: RegExp;
}

const badCases: BadCase[] = [
  {
    name: 'Service selector matching no pod',
    check: serviceSelectorsCheck,
    breakIt: (objects) => void (pick(objects, 'Service').spec.selector = { app: 'backnd' }),
    finding: /selector \{app=backnd\} matches no pod template/,
  },
  {
    name: 'Service selector matching a pod of another namespace',
    check: serviceSelectorsCheck,
    breakIt: (objects) => void (pick(objects, 'Service').metadata.namespace = 'other'),
    finding: /matches no pod template/,
  },
  {
    name: 'PodDisruptionBudget selector matching no pod',
    check: serviceSelectorsCheck,
    breakIt: (objects) =>
      void (pick(objects, 'PodDisruptionBudget').spec.selector.matchLabels = { app: 'x' }),
    finding: /matches no pod/,
  },
  {
    name: 'targetPort naming no container port',
    check: portReferencesCheck,
    breakIt: (objects) => void (pick(objects, 'Service').spec.ports[0].targetPort = 'web'),
    finding: /targets "web", not a container port of Deployment backend/,
  },
  {
    name: 'targetPort numbering no container port',
    check: portReferencesCheck,
    breakIt: (objects) => void (pick(objects, 'Service').spec.ports[0].targetPort = 8080),
    finding: /targets 8080/,
  },
  {
    name: 'probe on a port the container does not have',
    check: portReferencesCheck,
    breakIt: (objects) => void (firstContainer(objects).livenessProbe.httpGet.port = 'metrics'),
    finding: /livenessProbe port "metrics" is not a port of the container/,
  },
  {
    name: 'scrape annotation on a port no container has',
    check: portReferencesCheck,
    breakIt: (objects) =>
      void (pick(objects, 'Deployment').spec.template.metadata.annotations['prometheus.io/port'] = '9090'),
    finding: /prometheus.io\/port 9090 is not a container port/,
  },
  {
    name: 'a Service port without appProtocol',
    check: portNamingCheck,
    breakIt: (objects) => void delete pick(objects, 'Service').spec.ports[0].appProtocol,
    finding: /port http has no appProtocol/,
  },
  {
    name: 'an unnamed Service port',
    check: portNamingCheck,
    breakIt: (objects) => void delete pick(objects, 'Service').spec.ports[0].name,
    finding: /port 5000 has no name/,
  },
  {
    name: 'an unnamed container port',
    check: portNamingCheck,
    breakIt: (objects) => void delete firstContainer(objects).ports[1].name,
    finding: /container backend: port 9464 has no name/,
  },
  {
    name: 'ServiceAccount that does not exist',
    check: serviceAccountsCheck,
    breakIt: (objects) => void (podSpec(objects).serviceAccountName = 'backend-sa'),
    finding: /ServiceAccount webapp\/backend-sa does not exist/,
  },
  {
    name: 'pod on the default ServiceAccount',
    check: serviceAccountsCheck,
    breakIt: (objects) => void delete podSpec(objects).serviceAccountName,
    finding: /runs as the default ServiceAccount/,
  },
  {
    name: 'UID 1337 (the sidecar)',
    check: podSecurityCheck,
    breakIt: (objects) => void (podSpec(objects).securityContext.runAsUser = 1337),
    finding: /runAsUser 1337 is the Istio sidecar's UID/,
  },
  {
    name: 'UID 1337 set on the container over a good pod UID',
    check: podSecurityCheck,
    breakIt: (objects) => void (firstContainer(objects).securityContext.runAsUser = 1337),
    finding: /runAsUser 1337/,
  },
  {
    name: 'no runAsUser at all',
    check: podSecurityCheck,
    breakIt: (objects) => void delete podSpec(objects).securityContext.runAsUser,
    finding: /no runAsUser/,
  },
  {
    name: 'privilege escalation allowed',
    check: podSecurityCheck,
    breakIt: (objects) => void delete firstContainer(objects).securityContext.allowPrivilegeEscalation,
    finding: /allowPrivilegeEscalation must be false/,
  },
  {
    name: 'capabilities not dropped',
    check: podSecurityCheck,
    breakIt: (objects) =>
      void (firstContainer(objects).securityContext.capabilities = { add: ['NET_ADMIN'] }),
    finding: /drop ALL.*|may add only NET_BIND_SERVICE/,
  },
  {
    name: 'seccomp unconfined',
    check: podSecurityCheck,
    breakIt: (objects) => void (podSpec(objects).securityContext.seccompProfile = { type: 'Unconfined' }),
    finding: /seccompProfile/,
  },
  {
    name: 'seccomp set on the container only (injected sidecars would fail admission)',
    check: podSecurityCheck,
    breakIt: (objects) => {
      firstContainer(objects).securityContext.seccompProfile =
        podSpec(objects).securityContext.seccompProfile;
      delete podSpec(objects).securityContext.seccompProfile;
    },
    finding: /pod seccompProfile must be RuntimeDefault or Localhost at pod level \(got none\)/,
  },
  {
    name: 'runAsNonRoot missing',
    check: podSecurityCheck,
    breakIt: (objects) => void delete podSpec(objects).securityContext.runAsNonRoot,
    finding: /runAsNonRoot must be true/,
  },
  {
    name: 'writable root filesystem',
    check: podSecurityCheck,
    breakIt: (objects) => void (firstContainer(objects).securityContext.readOnlyRootFilesystem = false),
    finding: /readOnlyRootFilesystem must be true/,
  },
  {
    name: 'hostPath volume',
    check: podSecurityCheck,
    breakIt: (objects) => void (podSpec(objects).volumes = [{ name: 'root', hostPath: { path: '/' } }]),
    finding: /volume root: type hostPath not allowed/,
  },
  {
    name: 'host network',
    check: podSecurityCheck,
    breakIt: (objects) => void (podSpec(objects).hostNetwork = true),
    finding: /host namespaces/,
  },
  {
    name: 'init container violating restricted',
    check: podSecurityCheck,
    breakIt: (objects) =>
      void (podSpec(objects).initContainers = [{ name: 'init', image: 'ztmesh/backend' }]),
    finding: /container init: allowPrivilegeEscalation/,
  },
  {
    name: 'no memory limit',
    check: workloadHygieneCheck,
    breakIt: (objects) => void delete firstContainer(objects).resources.limits.memory,
    finding: /no memory limits/,
  },
  {
    name: 'a request above its limit',
    check: workloadHygieneCheck,
    breakIt: (objects) => void (firstContainer(objects).resources.requests.memory = '0.5Gi'),
    finding: /memory request 0.5Gi is above its limit 256Mi \(the API server rejects the pod\)/,
  },
  {
    name: 'a cpu request above its limit in another unit',
    check: workloadHygieneCheck,
    breakIt: (objects) => void (firstContainer(objects).resources.requests.cpu = '1'),
    finding: /cpu request 1 is above its limit 500m/,
  },
  {
    name: 'no startup probe',
    check: workloadHygieneCheck,
    breakIt: (objects) => void delete firstContainer(objects).startupProbe,
    finding: /no startupProbe/,
  },
  {
    name: 'API token mounted',
    check: workloadHygieneCheck,
    breakIt: (objects) => {
      delete podSpec(objects).automountServiceAccountToken;
      delete pick(objects, 'ServiceAccount').automountServiceAccountToken;
    },
    finding: /automountServiceAccountToken is not false/,
  },
  {
    name: 'grace period shorter than the drain',
    check: shutdownBudgetCheck,
    breakIt: (objects) => void (podSpec(objects).terminationGracePeriodSeconds = 20),
    finding: /app exit 21000 ms .* \+ margin 5000 ms is above terminationGracePeriodSeconds 20: SIGKILL/,
  },
  {
    name: 'grace period shorter than a drain set in env',
    check: shutdownBudgetCheck,
    breakIt: (objects) =>
      void firstContainer(objects).env.push({ name: 'SHUTDOWN_DRAIN_TIMEOUT_MS', value: '40000' }),
    finding: /app exit 46000 ms/,
  },
  {
    name: 'image without a Skaffold artifact',
    check: imagesCheck,
    breakIt: (objects) => void (firstContainer(objects).image = 'ztmesh/backend-v2:dev'),
    finding: /image ztmesh\/backend-v2 has no Skaffold artifact/,
  },
  {
    name: 'artifact whose Dockerfile is missing',
    check: imagesCheck,
    breakIt: () => ({ skaffoldArtifacts: [{ ...artifacts[0], dockerfileExists: false }] }),
    finding: /Dockerfile apps\/backend\/Dockerfile does not exist/,
  },
  {
    name: 'no skaffold.yaml',
    check: imagesCheck,
    breakIt: () => ({ skaffoldArtifacts: undefined }),
    finding: /no skaffold.yaml/,
  },
  {
    name: 'probe path the app does not serve',
    check: probeRoutesCheck,
    breakIt: () => ({ routes: [{ ...servedRoutes[0], path: '/readyz', status: 404 }] }),
    finding: /readinessProbe GET \/readyz on port "http" answered 404: not a route the app serves/,
  },
  {
    name: 'probe path that fails',
    check: probeRoutesCheck,
    breakIt: () => ({ routes: [{ ...servedRoutes[0], status: 503 }] }),
    finding: /answered 503: the probe would fail/,
  },
  {
    name: 'app that never listened',
    check: probeRoutesCheck,
    breakIt: () => ({ routes: [{ ...servedRoutes[0], status: undefined, error: 'the app exited (1)' }] }),
    finding: /the app exited/,
  },
  {
    name: 'an allowed path the app does not serve',
    check: authorizationPathsCheck,
    breakIt: () => ({
      routes: [
        {
          owner: 'AuthorizationPolicy webapp/backend',
          container: 'backend',
          use: AUTHORIZATION_PATH_USE,
          path: '/api/dta',
          port: 5000,
          status: 404,
        },
      ],
    }),
    finding: /allows GET \/api\/dta on port 5000, which container backend does not serve \(404\)/,
  },
  {
    name: 'a probe route observation is not an authorization finding',
    check: probeRoutesCheck,
    breakIt: () => ({
      routes: [
        {
          owner: 'AuthorizationPolicy webapp/backend',
          container: 'backend',
          use: AUTHORIZATION_PATH_USE,
          path: '/x',
          port: 5000,
          status: 404,
        },
        { ...servedRoutes[0], path: '/readyz', status: 404 },
      ],
    }),
    finding: /^container backend: readinessProbe GET \/readyz[^\n]*$/,
  },
];

describe('cross-checks', () => {
  const allChecks = [...new Set(badCases.map((testCase) => testCase.check))];

  it.each(allChecks.map((check) => [check.name, check] as const))(
    '%s passes the good fixture',
    (_name, check) => {
      expect(check.run(contextOf(appFixture()))).toEqual([]);
    },
  );

  it.each(badCases.map((testCase) => [testCase.name, testCase] as const))(
    '%s is a finding',
    (_name, testCase) => {
      const objects = appFixture();
      const overrides = testCase.breakIt(objects) ?? {};
      const findings = testCase.check.run(contextOf(objects, overrides));
      expect(findings.length).toBeGreaterThan(0);
      expect(findings.map((finding) => finding.message).join('\n')).toMatch(testCase.finding);
      for (const finding of findings) {
        expect(finding.check).toBe(testCase.check.name);
        expect(finding.target).toBe('fixture');
        expect(finding.object).toMatch(/^\w+ webapp\/|^\w+ other\//);
      }
    },
  );
});

describe('quantity', () => {
  it.each<[unknown, number | undefined]>([
    ['500m', 0.5],
    ['2', 2],
    ['64Mi', 64 * 2 ** 20],
    ['1G', 1e9],
    ['0.5Gi', 2 ** 29],
    [3, 3],
    ['lots', undefined],
  ])('%s -> %s', (value, expected) => {
    expect(quantity(value)).toBe(expected);
  });
});
