import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '@ztmesh/manifests';
import { REPO_ROOT } from '@ztmesh/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKEN_OBJECTS, inNamespace } from './broken-objects';
import { serverUnderTest } from './testing/server';

const server = serverUnderTest();
const ZTCTL = join(REPO_ROOT, 'dist', 'apps', 'ztctl', 'main.cjs');
const noCrds = !server.skipped && server.crdFiles === 0;
if (noCrds) console.warn('SKIPPED: the CRD table: the control plane serves no Istio or Calico CRDs');
if (!existsSync(ZTCTL))
  console.warn(`SKIPPED: the offline half of the table: ${ZTCTL} is not built (npx nx build ztctl)`);

/** `ztctl validate --json` over the table's objects (one file each): the findings by file, and the exit code. */
function validateOffline(files: Record<string, Record<string, unknown>>, schemas: string) {
  const repo = mkdtempSync(join(tmpdir(), 'ztmesh-broken-objects-'));
  for (const [name, object] of Object.entries(files))
    writeFileSync(join(repo, `${name}.yaml`), JSON.stringify(object));
  const args = [
    ZTCTL,
    'validate',
    '--repo',
    repo,
    '--schemas',
    schemas,
    '--no-run-apps',
    '--json',
    '--target',
  ];
  args.push(...Object.keys(files).map((name) => `${name}.yaml`));
  return new Promise<{ code: number; findings: Finding[] }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      rmSync(repo, { recursive: true, force: true });
      if (code !== 0 && code !== 1) reject(new Error(`ztctl validate exited ${code}: ${stderr}`));
      else resolve({ code, findings: (JSON.parse(stdout) as { findings: Finding[] }).findings });
    });
  });
}

describe.skipIf(server.skipped || noCrds)('deliberately broken objects: the API server refuses each', () => {
  const namespace = `schema-check-${randomBytes(3).toString('hex')}`;
  // `kubectl apply --server-side --dry-run=server --validate=strict` in-process: exit 0 and its warnings, or
  // exit 1 and the server's refusal.
  const dryRun = (object: Record<string, unknown>) =>
    server.api
      .apply(inNamespace(object, namespace), { fieldManager: 'ztmesh-schema-check', dryRun: true })
      .then(
        ({ warnings }) => ({ code: 0, stderr: warnings.join('\n') }),
        (error: Error) => ({ code: 1, stderr: error.message }),
      );

  beforeAll(async () => {
    await server.api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  });
  afterAll(async () => {
    await server.api.delete('v1', 'Namespace', namespace);
  });

  // The rows are independent dry runs in one namespace: all at once.
  it.concurrent.for(BROKEN_OBJECTS)(
    '$name: the valid object is accepted, the broken one refused',
    async (row, { expect }) => {
      const valid = await dryRun(row.valid);
      expect(valid.stderr, `${row.name} (valid)`).toBe('');
      expect(valid.code).toBe(0);
      const broken = await dryRun(row.broken);
      expect(broken.code, `${row.name} (broken) was accepted`).not.toBe(0);
      expect(broken.stderr).toMatch(row.server);
    },
  );
});

describe.skipIf(server.skipped || noCrds || !existsSync(ZTCTL))(
  'the same table offline: ztctl validate',
  () => {
    it('accepts every valid object and refuses each broken one as the server does, every row', async () => {
      const files = Object.fromEntries(
        BROKEN_OBJECTS.flatMap((row) => [
          [`${row.name}.valid`, inNamespace(row.valid, 'webapp')],
          [`${row.name}.broken`, inNamespace(row.broken, 'webapp')],
        ]),
      );
      const { findings } = await validateOffline(files, server.crdDir);
      const at = (file: string) => findings.filter((f) => f.target === `${file}.yaml`);
      const verdicts = BROKEN_OBJECTS.map((row) => ({
        name: row.name,
        validSchemaFindings: at(`${row.name}.valid`)
          .filter((f) => f.check === 'schema' || f.check === 'cel')
          .map((f) => f.message),
        brokenRefused: at(`${row.name}.broken`).some((f) => row.offline.test(f.message)),
      }));
      expect(verdicts).toEqual(
        BROKEN_OBJECTS.map((row) => ({
          name: row.name,
          validSchemaFindings: [],
          brokenRefused: true,
        })),
      );
    });
  },
);
