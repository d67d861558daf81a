#!/usr/bin/env node
// `scripts/control-plane up|down|env`: a real Kubernetes control plane on loopback for the tests (the envtest
// pattern): etcd, kube-apiserver and kube-controller-manager, no scheduler and no kubelet (pods stay Pending).
//
//   up [--owner-pid PID]  build the binaries if needed (tools/control-plane/build), start etcd (temp data dir),
//                         kube-apiserver (127.0.0.1, ephemeral port, RBAC, default admission plugins incl.
//                         PodSecurity) and kube-controller-manager, wait until ready, install the Istio and
//                         Calico CRDs, print `KUBECONFIG=<path>` as the last line. A second `up` reuses a running
//                         one. With --owner-pid, everything is stopped as soon as that process is gone.
//   down                  stop exactly the processes `up` started (PID files) and remove their files
//   env [--json]          print the `KUBECONFIG=<path>` line of the running one (or its state as JSON)
//
// Environment: ZTMESH_CONTROL_PLANE_PORT (the API server's port; another is taken when it is in use),
// KUBEBUILDER_ASSETS (a directory with etcd, kube-apiserver and optionally
// kube-controller-manager, e.g. from setup-envtest, used instead of building), ZTMESH_CONTROL_PLANE_DIR (state
// directory; default one per checkout under $XDG_RUNTIME_DIR or the temp dir), ZTMESH_SCHEMAS_DIR (where the
// Istio and Calico CRDs are read; default ../shared/schemas beside the checkout).
// Exit: 0 done, 1 failed (a one-line reason on stderr, with the tail of the failing process's log), 2 bad usage.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, generateKeyPair, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';

const root = join(import.meta.dirname, '..');
const BUILD = join(root, 'tools', 'control-plane', 'build');
const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
/** How long the API server may take to stop once its etcd is gone (it cannot finish a graceful shutdown then). */
const ORPHAN_STOP_TIMEOUT_MS = 2_000;
const START_ATTEMPTS = 3;
/**
 * The controllers kube-controller-manager runs: what turns Deployments into ReplicaSets into Pods (and reports
 * FailedCreate), deletes a namespace's content and the dependents of deleted owners, gives each namespace its
 * `default` ServiceAccount and token, aggregates the built-in admin/edit/view roles and publishes the root CA.
 * No node, volume, job, endpoint or quota controller: nothing here has nodes, volumes or traffic.
 */
const KCM_CONTROLLERS = [
  'deployment-controller',
  'replicaset-controller',
  'namespace-controller',
  'garbage-collector-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'clusterrole-aggregation-controller',
  'root-ca-certificate-publisher-controller',
];
// Stopped in this order (the reverse of starting).
const COMPONENTS = ['kube-controller-manager', 'kube-apiserver', 'etcd'];

const stateDir =
  process.env.ZTMESH_CONTROL_PLANE_DIR ||
  join(
    process.env.XDG_RUNTIME_DIR || tmpdir(),
    `ztmesh-control-plane-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`,
  );
const statePath = join(stateDir, 'state.json');

/** Where the Istio and Calico CRDs come from: the one place to point elsewhere (e.g. a fetched schema cache). */
export function crdSourceDir() {
  return process.env.ZTMESH_SCHEMAS_DIR || join(root, '..', 'shared', 'schemas');
}

/** The CRD files under the source directory: Istio's crd-all.gen.yaml and Calico's projectcalico.org_*.yaml. */
function crdFiles(dir) {
  const files = [];
  const istio = join(dir, 'istio', 'crd-all.gen.yaml');
  if (existsSync(istio)) files.push(istio);
  const calico = join(dir, 'calico');
  if (existsSync(calico))
    for (const name of readdirSync(calico).sort())
      if (/^projectcalico\.org_.*\.ya?ml$/.test(name)) files.push(join(calico, name));
  return files;
}

function say(message) {
  process.stderr.write(`control-plane: ${message}\n`);
}

class Failure extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}
/** Stops the command: exit 1 (failed), or 2 for bad input. */
const fail = (message, code = 1) => {
  throw new Failure(message, code);
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** True when `pid` is alive and runs `binary` (guards against a PID reused by another process). */
function runs(pid, binary) {
  if (!alive(pid)) return false;
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return argv0 === binary && !/^State:\s+Z/m.test(status);
  } catch {
    return false; // no /proc entry: it is gone
  }
}

function logTail(name, lines = 15) {
  const file = join(stateDir, `${name}.log`);
  if (!existsSync(file)) return `(no ${name}.log)`;
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

function readState() {
  if (!existsSync(statePath)) return undefined;
  try {
    return JSON.parse(readFileSync(statePath, 'utf8'));
  } catch {
    return undefined;
  }
}

function writeState(state) {
  writeFileSync(statePath, `${JSON.stringify(state, null, 2)}\n`);
}

/** Components of `state` that are not running any more. */
function deadComponents(state) {
  return Object.entries(state.processes)
    .filter(([, proc]) => !runs(proc.pid, proc.binary))
    .map(([name]) => name);
}

// --- binaries ----------------------------------------------------------------------------------------------
function binaries() {
  const assets = process.env.KUBEBUILDER_ASSETS;
  let dir;
  if (assets) {
    dir = assets;
    for (const name of ['etcd', 'kube-apiserver'])
      if (!existsSync(join(dir, name))) fail(`KUBEBUILDER_ASSETS=${assets} holds no ${name}`);
  } else {
    const built = spawnSync(BUILD, [], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
    if (built.status !== 0) fail(''); // the build said why, in one line
    dir = built.stdout.trim().split('\n').pop();
  }
  const kcm = join(dir, 'kube-controller-manager');
  return {
    dir,
    etcd: join(dir, 'etcd'),
    'kube-apiserver': join(dir, 'kube-apiserver'),
    'kube-controller-manager': existsSync(kcm) ? kcm : undefined,
  };
}

// --- processes ---------------------------------------------------------------------------------------------
/** A port free on HOST now: `wanted` if it is free, else one the kernel picks. */
function freePort(wanted = 0) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error) => {
      if (wanted && error.code === 'EADDRINUSE') {
        say(`port ${wanted} is in use; taking another`);
        resolve(freePort());
      } else reject(error);
    });
    server.listen(wanted, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function start(name, binary, args) {
  const log = openSync(join(stateDir, `${name}.log`), 'a');
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  writeFileSync(join(stateDir, `${name}.pid`), `${child.pid}\n`);
  return { pid: child.pid, binary };
}

function portClash(name) {
  return /address already in use/i.test(logTail(name, 40));
}

/** Polls `check` until it resolves true; fails with the process's log tail if it dies or time runs out. */
async function waitFor(name, proc, what, check, timeoutMs = READY_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!runs(proc.pid, proc.binary)) return 'died';
    if (await check().catch(() => false)) return 'ready';
    if (Date.now() > deadline)
      fail(`${name} was not ${what} within ${timeoutMs / 1000} s; its log ends:\n${logTail(name)}`);
    await sleep(100);
  }
}

/** GET over http or https (by the URL's scheme), 5 s bound: the status and the body. */
function get(url, options = {}) {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { ...options, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function startEtcd(bins) {
  for (let attempt = 1; ; attempt++) {
    const [client, peer] = [await freePort(), await freePort()];
    rmSync(join(stateDir, 'etcd-data'), { recursive: true, force: true });
    const proc = start('etcd', bins.etcd, [
      '--name=default',
      `--data-dir=${join(stateDir, 'etcd-data')}`,
      `--listen-client-urls=http://${HOST}:${client}`,
      `--advertise-client-urls=http://${HOST}:${client}`,
      `--listen-peer-urls=http://${HOST}:${peer}`,
      `--initial-advertise-peer-urls=http://${HOST}:${peer}`,
      `--initial-cluster=default=http://${HOST}:${peer}`,
      '--unsafe-no-fsync', // a throw-away test store: no fsync (as envtest does)
      '--log-level=warn',
    ]);
    const outcome = await waitFor('etcd', proc, 'healthy', async () => {
      const res = await get(`http://${HOST}:${client}/health`);
      return res.status === 200 && /"health":\s*"true"/.test(res.body);
    });
    if (outcome === 'ready') return { ...proc, url: `http://${HOST}:${client}` };
    if (!portClash('etcd') || attempt === START_ATTEMPTS)
      fail(`etcd exited at start; its log ends:\n${logTail('etcd')}`);
    say(`etcd: port ${client} or ${peer} taken meanwhile, trying others`);
  }
}

/** The API server's port asked for in ZTMESH_CONTROL_PLANE_PORT (0: any). */
function preferredPort() {
  const value = process.env.ZTMESH_CONTROL_PLANE_PORT;
  if (value === undefined || value === '') return 0;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535)
    fail(`ZTMESH_CONTROL_PLANE_PORT must be a port number (got ${JSON.stringify(value)})`, 2);
  return Number(value);
}

/** A key pair for signing service-account tokens, and the static tokens of the admin and the controller-manager. */
async function writeCredentials() {
  const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  writeFileSync(join(stateDir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  writeFileSync(join(stateDir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  const tokens = { admin: randomBytes(24).toString('hex'), kcm: randomBytes(24).toString('hex') };
  writeFileSync(
    join(stateDir, 'tokens.csv'),
    `${tokens.admin},admin,admin,system:masters\n${tokens.kcm},system:kube-controller-manager,kcm\n`,
    { mode: 0o600 },
  );
  return tokens;
}

function kubeconfig(file, server, ca, token) {
  const name = 'ztmesh-control-plane';
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority': ca } }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
  };
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return file;
}

async function startApiserver(bins, etcdUrl, tokens) {
  const certDir = join(stateDir, 'certs');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(attempt === 1 ? preferredPort() : 0);
    rmSync(certDir, { recursive: true, force: true });
    const proc = start('kube-apiserver', bins['kube-apiserver'], [
      `--etcd-servers=${etcdUrl}`,
      `--bind-address=${HOST}`,
      `--advertise-address=${HOST}`,
      // The `kubernetes` Service's endpoint may not be a loopback address, and nothing here dials it.
      '--endpoint-reconciler-type=none',
      `--secure-port=${port}`,
      // No --tls-cert-file: the server writes a self-signed serving certificate (and its CA) for 127.0.0.1 here.
      `--cert-dir=${certDir}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(stateDir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(stateDir, 'sa.key')}`,
      `--token-auth-file=${join(stateDir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      // Privileged containers pass the API's own check, so that Pod Security admission is what refuses them.
      '--allow-privileged=true',
      '--profiling=false',
    ]);
    const ca = join(certDir, 'apiserver.crt');
    const outcome = await waitFor('kube-apiserver', proc, 'ready', async () => {
      if (!existsSync(ca)) return false;
      const res = await get(`https://${HOST}:${port}/readyz`, {
        ca: readFileSync(ca),
        headers: { authorization: `Bearer ${tokens.admin}` },
      });
      return res.status === 200;
    });
    if (outcome === 'ready') return { ...proc, port, ca };
    if (!portClash('kube-apiserver') || attempt === START_ATTEMPTS)
      fail(`kube-apiserver exited at start; its log ends:\n${logTail('kube-apiserver')}`);
    say(`kube-apiserver: port ${port} taken meanwhile, trying another`);
  }
}

/** Starts kube-controller-manager: its process at once, and `working` resolving once it does its work. */
function startControllerManager(bins, server, ca, tokens) {
  const config = kubeconfig(join(stateDir, 'kube-controller-manager.kubeconfig'), server, ca, tokens.kcm);
  const proc = start('kube-controller-manager', bins['kube-controller-manager'], [
    `--kubeconfig=${config}`,
    // Only the controllers whose work the tests see: fewer informers and loops to start on a busy machine.
    `--controllers=${KCM_CONTROLLERS.join(',')}`,
    '--use-service-account-credentials=true', // each controller acts as its own service account, as on a cluster
    `--service-account-private-key-file=${join(stateDir, 'sa.key')}`,
    `--root-ca-file=${ca}`,
    '--leader-elect=false',
    '--secure-port=0', // no serving: nothing here scrapes it, and no port to collide
  ]);
  // Working when its service-account controller has made the default namespace's account.
  const working = waitFor('kube-controller-manager', proc, 'working', async () => {
    const res = await get(`${server}/api/v1/namespaces/default/serviceaccounts/default`, {
      ca: readFileSync(ca),
      headers: { authorization: `Bearer ${tokens.admin}` },
    });
    return res.status === 200;
  }).then((outcome) => {
    if (outcome !== 'ready')
      fail(`kube-controller-manager exited at start; its log ends:\n${logTail('kube-controller-manager')}`);
  });
  return { proc, working };
}

/** Runs kubectl ARGS against `config` (asynchronously: the controller-manager starts meanwhile). */
function kubectl(config, args) {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', [`--kubeconfig=${config}`, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    child.on('error', (error) => reject(new Failure(`kubectl: ${error.message}`, 1)));
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Failure(`kubectl ${args.join(' ')} failed: ${out.trim()}`, 1)),
    );
  });
}

async function installCrds(config) {
  const dir = crdSourceDir();
  const files = crdFiles(dir);
  if (!files.length) {
    say(`WARNING: no Istio or Calico CRDs under ${dir} (set ZTMESH_SCHEMAS_DIR); their kinds are NOT served`);
    return { dir, files: [] };
  }
  await kubectl(config, [
    'apply',
    '--server-side',
    '--field-manager=ztmesh-control-plane',
    ...files.flatMap((f) => ['-f', f]),
  ]);
  await kubectl(config, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  return { dir, files };
}

// --- commands ----------------------------------------------------------------------------------------------
async function up({ ownerPid }) {
  const existing = readState();
  if (existing?.ready) {
    const dead = deadComponents(existing);
    if (!dead.length) {
      say(`reusing the one running (state ${stateDir})`);
      return existing.kubeconfig;
    }
    say(
      `${dead.join(', ')} of the previous one no longer running${dead.map((n) => `; ${n}.log ends:\n${logTail(n, 5)}`).join('')}`,
    );
    await down({ quiet: true });
  } else if (existing) {
    await down({ quiet: true }); // a half-started one: clear it
  }
  const started = Date.now();
  const bins = binaries();
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const state = { dir: stateDir, binaries: bins.dir, processes: {}, ready: false };
  writeState(state);
  // The key pair is made while etcd starts.
  const [tokens, etcd] = await Promise.all([writeCredentials(), startEtcd(bins)]);
  state.processes.etcd = { pid: etcd.pid, binary: etcd.binary };
  writeState(state);
  say(`etcd ${etcd.pid} serving ${etcd.url}`);
  const apiserver = await startApiserver(bins, etcd.url, tokens);
  state.processes['kube-apiserver'] = { pid: apiserver.pid, binary: apiserver.binary };
  const server = `https://${HOST}:${apiserver.port}`;
  state.server = server;
  state.kubeconfig = kubeconfig(join(stateDir, 'kubeconfig'), server, apiserver.ca, tokens.admin);
  writeState(state);
  say(`kube-apiserver ${apiserver.pid} ready at ${server}`);
  // The CRDs are installed while the controller-manager starts (both only need the API server).
  const installing = installCrds(state.kubeconfig);
  installing.catch(() => undefined); // awaited below; a failure there must not go unhandled meanwhile
  if (bins['kube-controller-manager']) {
    const kcm = startControllerManager(bins, server, apiserver.ca, tokens);
    state.processes['kube-controller-manager'] = { pid: kcm.proc.pid, binary: kcm.proc.binary };
    writeState(state);
    await kcm.working;
    say(`kube-controller-manager ${kcm.proc.pid} running`);
  } else {
    say(
      `WARNING: no kube-controller-manager in ${bins.dir}: Deployments will not create ReplicaSets or Pods`,
    );
  }
  const crds = await installing;
  state.crds = crds;
  if (crds.files.length) say(`installed ${crds.files.length} CRD files from ${crds.dir}`);
  if (ownerPid) state.watchdog = startWatchdog(ownerPid);
  state.ready = true;
  writeState(state);
  say(`up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return state.kubeconfig;
}

function startWatchdog(ownerPid) {
  const log = openSync(join(stateDir, 'watchdog.log'), 'a');
  const child = spawn(process.execPath, [import.meta.filename, 'watch', `--owner-pid=${ownerPid}`], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ZTMESH_CONTROL_PLANE_DIR: stateDir },
  });
  child.unref();
  writeFileSync(join(stateDir, 'watchdog.pid'), `${child.pid}\n`);
  return { pid: child.pid, owner: ownerPid };
}

async function watch({ ownerPid }) {
  while (existsSync(statePath)) {
    if (!alive(ownerPid)) {
      say(`owner ${ownerPid} is gone: stopping`);
      await down({ fromWatchdog: true });
      return;
    }
    await sleep(1000);
  }
}

/** True once `pid` has exited (gone, or a zombie not yet reaped by whoever inherited it). */
function exited(pid) {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

async function stop(name, pid, binary, timeoutMs = STOP_TIMEOUT_MS) {
  if (!runs(pid, binary)) return false; // not ours (or gone): never signal a stranger
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (!exited(pid) && Date.now() < deadline) await sleep(100);
  if (!exited(pid)) {
    say(`${name} ${pid} ignored SIGTERM for ${timeoutMs / 1000} s: SIGKILL`);
    process.kill(pid, 'SIGKILL');
    while (!exited(pid)) await sleep(50);
  }
  return true;
}

async function down({ quiet = false, fromWatchdog = false } = {}) {
  if (!existsSync(stateDir)) {
    if (!quiet) say(`nothing running (no ${stateDir})`);
    return;
  }
  const state = readState();
  const stopped = [];
  const pidOf = (name) => {
    const pidFile = join(stateDir, `${name}.pid`);
    return existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined;
  };
  const binaryOf = (name) => state?.processes?.[name]?.binary ?? join(state?.binaries ?? '', name);
  // With etcd gone, the API server's graceful shutdown waits on its storage until killed: no use waiting long.
  const etcdPid = pidOf('etcd');
  const etcdGone = etcdPid === undefined || !runs(etcdPid, binaryOf('etcd'));
  for (const name of COMPONENTS) {
    const pid = pidOf(name);
    if (pid === undefined) continue;
    const timeoutMs = name === 'kube-apiserver' && etcdGone ? ORPHAN_STOP_TIMEOUT_MS : STOP_TIMEOUT_MS;
    if (await stop(name, pid, binaryOf(name), timeoutMs)) stopped.push(`${name} ${pid}`);
  }
  const watchdogFile = join(stateDir, 'watchdog.pid');
  if (!fromWatchdog && existsSync(watchdogFile)) {
    const pid = Number(readFileSync(watchdogFile, 'utf8'));
    if (alive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(import.meta.filename))
      process.kill(pid, 'SIGTERM');
  }
  rmSync(stateDir, { recursive: true, force: true });
  if (!quiet)
    say(
      stopped.length
        ? `stopped ${stopped.join(', ')}; removed ${stateDir}`
        : `nothing was running; removed ${stateDir}`,
    );
}

function env({ json }) {
  const state = readState();
  if (!state?.ready)
    fail(`none running (no ready state in ${stateDir}); start one with scripts/control-plane up`);
  const dead = deadComponents(state);
  if (dead.length)
    fail(
      `${dead.join(', ')} no longer running (scripts/control-plane down, then up)${dead.map((n) => `; ${n}.log ends:\n${logTail(n)}`).join('')}`,
    );
  if (json) process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
  else process.stdout.write(`KUBECONFIG=${state.kubeconfig}\n`);
}

const USAGE = 'usage: scripts/control-plane up [--owner-pid PID] | down | env [--json]';
async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { 'owner-pid': { type: 'string' }, json: { type: 'boolean', default: false } },
    });
  } catch (error) {
    process.stderr.write(`control-plane: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  const { positionals, values } = parsed;
  const ownerPid = values['owner-pid'] === undefined ? undefined : Number(values['owner-pid']);
  if (ownerPid !== undefined && !(Number.isInteger(ownerPid) && ownerPid > 0)) {
    process.stderr.write(
      `control-plane: --owner-pid must be a process id (got ${JSON.stringify(values['owner-pid'])})\n`,
    );
    return 2;
  }
  const [command, ...extra] = positionals;
  if (extra.length || !['up', 'down', 'env', 'watch'].includes(command)) {
    process.stderr.write(
      `control-plane: ${command ? `unknown command '${[command, ...extra].join(' ')}'` : 'no command'}\n${USAGE}\n`,
    );
    return 2;
  }
  try {
    if (command === 'up') {
      const config = await up({ ownerPid });
      process.stdout.write(`KUBECONFIG=${config}\n`);
    } else if (command === 'down') await down();
    else if (command === 'env') env(values);
    else await watch({ ownerPid });
    return 0;
  } catch (error) {
    if (!(error instanceof Failure)) throw error;
    if (error.message) say(error.message);
    if (command === 'up') await down({ quiet: true }); // leave nothing half-started behind
    return error.code;
  }
}

process.exitCode = await main();
