import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Whole-CLI tests through the built bundle (the Nx test target builds it first).
const root = join(__dirname, '..', '..', '..');
const bundle = join(root, 'dist', 'apps', 'ztctl', 'main.cjs');
const fixture = join(root, 'libs', 'policy', 'test', 'fixtures', 'zero-trust.yaml');
const flows = join(root, 'k8s', 'flows.yaml');
const work = mkdtempSync(join(tmpdir(), 'ztctl-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function ztctl(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bundle, ...args], {
    cwd: root,
    input,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function write(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

describe('ztctl', () => {
  it('prints its package version for --version and exits 0', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'apps', 'ztctl', 'package.json'), 'utf8')) as {
      version: string;
    };
    const r = ztctl(['--version']);
    expect([r.code, r.stdout.trim()]).toEqual([0, version]);
  });

  it('names every command in its top-level help, validate included', () => {
    const r = ztctl(['--help']);
    expect(r.code).toBe(0);
    const summary = r.stdout.split('\nOptions:')[0];
    for (const word of ['analyze', 'validate', 'draw']) expect(summary).toContain(word);
    expect(r.stdout).toMatch(/^ {2}validate \[options\]/m);
  });

  it.each([
    [['bogus'], "ztctl: error: unknown command 'bogus' (see `ztctl --help`)"],
    [['analyze'], "ztctl analyze: error: missing required argument 'input' (see `ztctl analyze --help`)"],
    [
      ['validate', '--bogus'],
      "ztctl validate: error: unknown option '--bogus' (see `ztctl validate --help`)",
    ],
  ])('answers the usage error %j with one line naming the command and its --help, exit 2', (args, line) => {
    const r = ztctl(args);
    expect([r.code, r.stderr, r.stdout]).toEqual([2, `${line}\n`, '']);
  });
});

describe('ztctl analyze', () => {
  it('prints np-guard connlist lines for the allowed pairs', () => {
    const r = ztctl(['analyze', fixture, '--output', 'connlist']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'webapp/frontend[Deployment] => webapp/backend[Deployment] : TCP 5000',
      'webapp/loadtest[Deployment] => webapp/frontend[Deployment] : TCP 8080',
    ]);
  });

  it('prints JSON for machines', () => {
    const r = ztctl(['analyze', fixture, '-o', 'json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as {
      workloads: Array<{ id: string; mesh: boolean }>;
      connections: unknown[];
    };
    expect(json.workloads.map((w) => [w.id, w.mesh])).toEqual([
      ['webapp/backend[Deployment]', true],
      ['webapp/frontend[Deployment]', true],
      ['webapp/loadtest[Deployment]', true],
    ]);
    expect(json.connections).toContainEqual({
      from: 'webapp/frontend[Deployment]',
      to: 'webapp/backend[Deployment]',
      conn: 'TCP 5000',
      l7: 'allows 5000',
    });
  });

  it('prints a table by default and reads stdin with -', () => {
    const r = ztctl(['analyze', '-'], readFileSync(fixture, 'utf8'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /webapp\/frontend\[Deployment\] .*webapp\/backend\[Deployment\] .*TCP 5000 .*allows 5000/,
    );
    expect(r.stdout).toContain('3 workloads (3 distinct label sets), 9 network policies');
  });

  it('draws the analyzed connections as Mermaid', () => {
    const r = ztctl(['analyze', fixture, '-o', 'mermaid']);
    expect(r.stdout).toContain('webapp_frontend_Deployment_ -->|"TCP 5000"| webapp_backend_Deployment_');
  });

  it('exits 0 with MATCH when the manifests allow exactly the declared flows', () => {
    const r = ztctl(['analyze', fixture, '--flows', flows]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('MATCH: the manifests allow exactly the declared flows');
    expect(r.stdout).toContain('Probes that must be denied: 29/29 denied');
    expect(r.stdout).toContain('Layout default: backend in webapp, frontend in webapp, loadtest in webapp');
  });

  it('holds the manifests to the layout --layout names: another placement is drift, an unknown one bad input', () => {
    const held = ztctl(['analyze', fixture, '--flows', flows, '--layout', 'split', '-o', 'json']);
    expect(held.code).toBe(1);
    const json = JSON.parse(held.stdout) as { layout: { name: string }; missing: string[] };
    expect(json.layout.name).toBe('split');
    expect(json.missing).toEqual(['backend', 'frontend']);
    expect(ztctl(['analyze', fixture, '--flows', flows, '--layout', 'splt'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--layout splt: not a layout of'),
    });
    expect(ztctl(['analyze', fixture, '--layout', 'split'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--layout split: a layout is of a flow graph; pass --flows too'),
    });
  });

  it('exits 1 on drift, naming the flow and the layer', () => {
    const drifted = write(
      'drift.yaml',
      readFileSync(fixture, 'utf8').replace(
        'methods: [GET], paths: [/, /health, /api/data]',
        'methods: [GET, DELETE], paths: [/, /health, /api/data]',
      ),
    );
    const r = ztctl(['analyze', drifted, '--flows', flows]);
    expect(r.code).toBe(1);
    // Long lines wrap at 100 columns with an indent: read them joined.
    expect(r.stdout.replace(/\n {6}/g, ' ')).toContain(
      '[L7] webapp/frontend[Deployment] -> webapp/backend[Deployment]: port 5000: AuthorizationPolicy webapp/backend rules[0] allows method DELETE',
    );
    const json = JSON.parse(ztctl(['analyze', drifted, '--flows', flows, '-o', 'json']).stdout) as {
      match: boolean;
    };
    expect(json.match).toBe(false);
  });

  it.each([
    ['invalid YAML', 'kind: Pod\nmetadata: {name: [x\n', /^ztctl: error: .*bad\.yaml:\d+: invalid YAML/],
    [
      'an unknown kind',
      'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n',
      /bad\.yaml:1: Widget w: unknown kind Widget/,
    ],
    [
      'a malformed Calico selector',
      'apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: p, namespace: n}\nspec: {selector: "app == web"}\n',
      /bad\.yaml:1: NetworkPolicy n\/p: spec.selector: malformed selector "app == web" at position 7/,
    ],
    [
      'a port out of range',
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: n}\nspec: {podSelector: {}, ingress: [{ports: [{port: 0}]}]}\n',
      /bad\.yaml:1: NetworkPolicy n\/p: spec.ingress\[0\].ports\[0\].port: port out of range \(0\)/,
    ],
  ])('exits 2 on %s, naming file and object', (_name, text, message) => {
    const r = ztctl(['analyze', write('bad.yaml', text)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('exits 2 on usage errors: missing input, unknown output format, bad flow graph', () => {
    expect(ztctl(['analyze', join(work, 'missing.yaml')])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('missing.yaml: no such file or directory'),
    });
    expect(ztctl(['analyze', fixture, '-o', 'xml'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Allowed choices are table, json, mermaid, connlist'),
    });
    const badFlows = write(
      'flows.yaml',
      readFileSync(flows, 'utf8').replace('port: 5000\n    why: The proxy', 'port: 0\n    why: The proxy'),
    );
    const r = ztctl(['analyze', fixture, '--flows', badFlows]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /flows\.yaml:\d+: FlowGraph: does not match the flow graph schema: line \d+: \/flows\/2\/port must be >= 1/,
    );
  });

  it('exits 2 with the reason when a kustomize directory needs kubectl and kubectl is absent', () => {
    const r = spawnSync(process.execPath, [bundle, 'analyze', 'k8s/overlays/zero-trust'], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: '' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('is a kustomize directory but kubectl is not installed');
  });

  it('reads every YAML file of a plain directory', () => {
    const dir = mkdtempSync(join(work, 'dir-'));
    const [first, ...rest] = readFileSync(fixture, 'utf8').split('\n---\n');
    writeFileSync(join(dir, 'a.yaml'), first);
    writeFileSync(join(dir, 'b.yml'), rest.join('\n---\n'));
    expect(ztctl(['analyze', dir, '-o', 'connlist']).stdout).toBe(
      ztctl(['analyze', fixture, '-o', 'connlist']).stdout,
    );
  });
});

describe('ztctl analyze: output that fits and inputs that prove nothing', () => {
  it.each([
    ['the --flows diff', ['--flows', flows]],
    ['the connection table', []],
  ])('fits every line of %s in 100 columns, while -o json keeps every field in full', (_name, flags) => {
    const r = ztctl(['analyze', fixture, ...flags]);
    expect(r.code).toBe(0);
    const long = r.stdout.split('\n').filter((line) => [...line].length > 100);
    expect(long).toEqual([]);
    // Wrapped at `/`, not cut with an ellipsis.
    expect(r.stdout).toContain('webapp/frontend');
    expect(r.stdout).not.toContain('…');
    const json = ztctl(['analyze', fixture, ...flags, '-o', 'json']).stdout;
    expect(json).toContain('"webapp/frontend[Deployment]"');
  });

  it('explains in its help why the gateway, Prometheus, DNS and istiod appear only with --flows', () => {
    const help = ztctl(['analyze', '--help']).stdout;
    expect(help).toMatch(/ingress gateway, Prometheus, kube-dns and istiod are not in the app manifests/);
    expect(help).toMatch(/appear only with --flows/);
  });

  it.each([
    ['an empty file', () => write('empty.yaml', '')],
    ['a file of comments only', () => write('comments.yaml', '# nothing here\n---\n')],
    ['an empty directory', () => mkdtempSync(join(work, 'empty-'))],
    [
      'policies but no workload',
      () =>
        write(
          'policy-only.yaml',
          readFileSync(fixture, 'utf8')
            .split('\n---\n')
            .filter((doc) => /kind: (NetworkPolicy|AuthorizationPolicy)/.test(doc))
            .join('\n---\n'),
        ),
    ],
  ])('exits 2 with "nothing to analyze" for %s, with and without --flows', (_name, make) => {
    const input = make();
    for (const flags of [[], ['--flows', flows]]) {
      const r = ztctl(['analyze', input, ...flags]);
      expect(r.stderr).toMatch(/^ztctl: error: .*: nothing to analyze: /);
      expect([r.code, r.stdout]).toEqual([2, '']);
    }
  });
});

describe('ztctl graph', () => {
  it('draws k8s/flows.yaml as a Mermaid flowchart', () => {
    const r = ztctl(['graph']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('flowchart LR');
    expect(r.stdout).toContain('frontend -->|"TCP 5000 GET 3 paths"| backend');
  });
});

describe('ztctl verify: bad input and no cluster, one line each, exit 2', () => {
  const emptyHome = mkdtempSync(join(work, 'home-'));
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [bundle, 'verify', '--no-probes', ...args], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, HOME: emptyHome, KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '' },
    });
    return [r.status, r.stdout, r.stderr.trim()];
  };

  it('no kubeconfig anywhere: says so instead of trying http://localhost:8080', () => {
    expect(run([])).toEqual([
      2,
      '',
      'ztctl: error: no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config',
    ]);
  });

  it('a timeout that is not a duration, and a flow graph that cannot be read', () => {
    expect(run(['--timeout', 'soon'])).toEqual([
      2,
      '',
      'ztctl: error: --timeout soon: not a duration (e.g. 30s, 1m, 500ms)',
    ]);
    expect(run(['--flows', 'nope.yaml'])).toEqual([
      2,
      '',
      'ztctl: error: --flows nope.yaml: cannot read the file',
    ]);
  });
});
