#!/usr/bin/env node
// Input-size benchmark of the gate: `node bench/policy/size.mjs [--mb 50] [--keep]`.
// Writes about `--mb` MB of realistic manifests (per app: a ServiceAccount, a Deployment with a restricted pod spec,
// probes, resources and env, a Service, an allow NetworkPolicy and an Istio AuthorizationPolicy; per namespace a
// default deny, a STRICT PeerAuthentication and an allow-nothing AuthorizationPolicy) as multi-document YAML files
// in a temporary directory, then runs the built `ztctl analyze` and `ztctl validate` bundles over them as child
// processes under /usr/bin/time and prints wall time and peak RSS against the input size. Needs
// `npx nx build ztctl`; validate uses the upstream schemas where `ztctl validate` finds them (or --schemas DIR).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ztctl = join(root, 'dist', 'apps', 'ztctl', 'main.cjs');
const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '50' },
    keep: { type: 'boolean', default: false },
    schemas: { type: 'string' },
    only: { type: 'string' },
  },
});
const targetBytes = Number(values.mb) * 1_000_000;
if (!(targetBytes > 0)) {
  console.error(`size: --mb must be a positive number (got ${JSON.stringify(values.mb)})`);
  process.exit(2);
}
if (!existsSync(ztctl)) {
  console.error(`size: ${ztctl} is missing: run \`npx nx build ztctl\` first`);
  process.exit(2);
}
if (!existsSync('/usr/bin/time')) {
  console.error('size: /usr/bin/time is missing (apt-get install time): it measures the peak RSS');
  process.exit(2);
}

const NAMESPACES = 20;
const APPS_PER_FILE = 250;
const ns = (i) => `team-${String(i % NAMESPACES).padStart(2, '0')}`;
const name = (i) => `app-${i}`;

function namespaceDocs(n) {
  const namespace = ns(n);
  return [
    `apiVersion: v1
kind: Namespace
metadata:
  name: ${namespace}
  labels:
    istio-injection: enabled
    pod-security.kubernetes.io/enforce: restricted`,
    `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: ${namespace}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - { port: 53, protocol: UDP }
        - { port: 53, protocol: TCP }`,
    `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: ${namespace}
spec:
  mtls:
    mode: STRICT`,
    `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow-nothing
  namespace: ${namespace}
spec: {}`,
  ];
}

function appDocs(i) {
  const app = name(i);
  const namespace = ns(i);
  const caller = name(Math.max(0, i - 1));
  const callerNs = ns(Math.max(0, i - 1));
  const callee = name(i + 1);
  const calleeNs = ns(i + 1);
  const labels = `app: ${app}
        version: v1
        app.kubernetes.io/name: ${app}
        app.kubernetes.io/part-of: bench
        app.kubernetes.io/component: api`;
  const env = Array.from(
    { length: 12 },
    (_, k) => `            - name: SETTING_${k}
              value: "value-${k}-${app}"`,
  ).join('\n');
  return [
    `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${app}
  namespace: ${namespace}
  labels:
    app: ${app}
automountServiceAccountToken: false`,
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}
  namespace: ${namespace}
  labels:
    app: ${app}
    version: v1
    app.kubernetes.io/name: ${app}
    app.kubernetes.io/part-of: bench
  annotations:
    description: "${app} serves the ${app} API for the bench; owned by ${namespace}"
spec:
  replicas: 2
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      app: ${app}
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }
  template:
    metadata:
      labels:
        ${labels}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9464"
        sidecar.istio.io/proxyCPU: 50m
    spec:
      serviceAccountName: ${app}
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: 30
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        fsGroup: 10001
        seccompProfile: { type: RuntimeDefault }
      containers:
        - name: ${app}
          image: registry.example/bench/${app}:1.0.0
          imagePullPolicy: IfNotPresent
          ports:
            - { name: http, containerPort: 8080, protocol: TCP }
            - { name: http-metrics, containerPort: 9464, protocol: TCP }
          env:
${env}
          resources:
            requests: { cpu: 50m, memory: 64Mi }
            limits: { cpu: 500m, memory: 256Mi }
          readinessProbe:
            httpGet: { path: /ready, port: http }
            periodSeconds: 5
          livenessProbe:
            httpGet: { path: /health, port: http }
            periodSeconds: 10
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
          volumeMounts:
            - { name: tmp, mountPath: /tmp }
      volumes:
        - name: tmp
          emptyDir: { sizeLimit: 16Mi }`,
    `apiVersion: v1
kind: Service
metadata:
  name: ${app}
  namespace: ${namespace}
  labels:
    app: ${app}
spec:
  selector:
    app: ${app}
  ports:
    - { name: http, port: 80, targetPort: http, appProtocol: http }
    - { name: http-metrics, port: 9464, targetPort: http-metrics, appProtocol: http }`,
    `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-${app}
  namespace: ${namespace}
spec:
  podSelector:
    matchLabels:
      app: ${app}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: ${callerNs}
          podSelector:
            matchLabels:
              app: ${caller}
      ports:
        - { port: http, protocol: TCP }
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: ${calleeNs}
          podSelector:
            matchLabels:
              app: ${callee}
      ports:
        - { port: 8080, protocol: TCP }`,
    `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow-${app}
  namespace: ${namespace}
spec:
  selector:
    matchLabels:
      app: ${app}
  action: ALLOW
  rules:
    - from:
        - source:
            principals: ["cluster.local/ns/${callerNs}/sa/${caller}"]
      to:
        - operation:
            methods: [GET]
            paths: ["/api/*", /health]
            ports: ["8080"]`,
  ];
}

// --- generate ------------------------------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'ztmesh-size-bench-'));
let bytes = 0;
let apps = 0;
let objects = 0;
const files = [];
const write = (docs) => {
  const file = `manifests-${String(files.length).padStart(3, '0')}.yaml`;
  const text = `${docs.join('\n---\n')}\n`;
  writeFileSync(join(dir, file), text);
  files.push(file);
  bytes += Buffer.byteLength(text);
  objects += docs.length;
};
write(Array.from({ length: NAMESPACES }, (_, n) => namespaceDocs(n)).flat());
while (bytes < targetBytes) {
  const docs = [];
  for (let k = 0; k < APPS_PER_FILE; k++) docs.push(...appDocs(apps++));
  write(docs);
}

const mb = (n) => `${(n / 1_000_000).toFixed(1)} MB`;
console.log(
  `input: ${mb(bytes)} (${bytes} bytes) in ${files.length} files, ${objects} objects, ${apps} Deployments, in ${dir}`,
);
console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, Node ${process.version}; load average ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}; ${new Date().toISOString()}`,
);

/** Runs ztctl under /usr/bin/time; returns exit code, wall seconds, peak RSS and the last stderr line. */
function measure(args) {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M %U %S', process.execPath, ztctl, ...args], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const lines = r.stderr.trim().split('\n');
  const timing = lines.findLast((line) => line.startsWith('TIME ')) ?? '';
  const [, wall, rssKb, user, sys] = timing.split(' ').map(Number);
  const message =
    lines.filter((line) => !line.startsWith('TIME ') && !line.startsWith('Command exited')).pop() ?? '';
  return { code: r.status, wall, rssKb, cpu: user + sys, message, stdoutBytes: Buffer.byteLength(r.stdout) };
}

const runs = [
  ['analyze', ['analyze', '.', '-o', 'connlist']],
  [
    'validate',
    [
      'validate',
      '--repo',
      '.',
      '--no-run-apps',
      ...(values.schemas ? ['--schemas', values.schemas] : []),
      '--json',
      '--target',
      ...files,
    ],
  ],
].filter(([label]) => !values.only || values.only === label);
console.log('command    exit   wall      CPU   peak RSS   RSS/input  last line on stderr');
let ok = true;
for (const [label, args] of runs) {
  const m = measure(args);
  const rssBytes = m.rssKb * 1024;
  console.log(
    `${label.padEnd(9)} ${String(m.code).padStart(5)} ${`${m.wall.toFixed(1)} s`.padStart(7)} ${`${m.cpu.toFixed(1)} s`.padStart(8)} ${`${Math.round(rssBytes / 1024 / 1024)} MiB`.padStart(10)} ${`${(rssBytes / bytes).toFixed(1)}x`.padStart(10)}  ${m.message.slice(0, 60)}`,
  );
  // The goal: under 10 s and under 10x the input for ~50 MB (wall time depends on what else the machine runs).
  if (m.code === 2 || m.wall > 10 || rssBytes > 10 * bytes) ok = false;
}
console.log(`goal 50 MB < 10 s and < 10x the input: ${ok ? 'met' : 'NOT met'} (at ${mb(bytes)})`);
if (values.keep) console.log(`kept ${dir}`);
else rmSync(dir, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
