import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from './local-server';
import { bundleBuilt, BUNDLE, removeBundleCopy, runBundle } from './run-bundle';
import { formatTerminationMessage, TERMINATION_MESSAGE_LIMIT_BYTES } from '../src/probe/termination-message';

// The real backend, as shipped (the loadtest test target depends on the backend's build).
const BACKEND = fileURLToPath(new URL('../../../dist/apps/backend/main.cjs', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'loadtest-verdict-'));
let backend: ChildProcess | undefined;
let backendUrl = '';
let refusedPort = 0;

beforeAll(async () => {
  if (!bundleBuilt) throw new Error(`${BUNDLE} is missing: run nx build loadtest first`);
  if (!existsSync(BACKEND)) throw new Error(`${BACKEND} is missing: run nx build backend first`);
  refusedPort = await closedPort();
  const child = spawn(process.execPath, [BACKEND], {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOST: '127.0.0.1',
      METRICS_HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  backend = child;
  let out = '';
  backendUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`backend did not listen: ${out}`)), 15_000);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n').find((text) => text.includes('"msg":"listening"'));
      if (line) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`);
      }
    });
    child.on('exit', (code) => reject(new Error(`backend exited ${code}: ${out}`)));
  });
});

afterAll(() => {
  if (backend && backend.exitCode === null) backend.kill('SIGKILL');
  removeBundleCopy();
  rmSync(directory, { recursive: true, force: true });
});

describe('loadtest probe --termination-message (built bundle, real backend)', () => {
  it('writes "allowed" with the status for a backend answer and exits 0', async () => {
    const file = join(directory, 'allowed');
    const result = await runBundle(['probe', `${backendUrl}/api/data`, '--termination-message', file]);
    expect(result.code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      target: `${backendUrl}/api/data`,
      verdict: 'allowed',
      allowed: true,
      status: 200,
      reason: 'HTTP 200',
    });
  });

  it('writes "denied" for a blocked status of the backend and exits 1', async () => {
    // An unknown path answers 404; declaring 404 a blocked status shows the verdict follows the blocked list.
    const file = join(directory, 'denied-status');
    const result = await runBundle([
      'probe',
      `${backendUrl}/no-such-route`,
      '--blocked-status',
      '404',
      '--termination-message',
      file,
    ]);
    expect(result.code).toBe(1);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      verdict: 'denied',
      allowed: false,
      status: 404,
      reason: 'HTTP 404 (a blocked status)',
    });
  });

  it('writes "denied" with the reason for a refused connection and exits 1', async () => {
    const file = join(directory, 'refused');
    const target = `http://127.0.0.1:${refusedPort}/api/data`;
    const result = await runBundle(['probe', target, '--termination-message', file]);
    expect(result.code).toBe(1);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      target,
      verdict: 'denied',
      allowed: false,
      status: null,
      reason: 'connection refused',
    });
  });

  it('exits 2 with one line naming the flag and path when the file cannot be written', async () => {
    const file = join(directory, 'missing-dir', 'verdict');
    const result = await runBundle(['probe', `${backendUrl}/api/data`, '--termination-message', file]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      `loadtest: --termination-message ${file}: cannot write the verdict (ENOENT)`,
    );
  });
});

describe('formatTerminationMessage', () => {
  it('cuts a long reason so the JSON fits the kubelet limit and stays valid', () => {
    const text = formatTerminationMessage({
      target: 'http://backend:5000/api/data',
      verdict: 'inconclusive',
      allowed: false,
      status: null,
      reason: 'x'.repeat(10_000),
    });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(TERMINATION_MESSAGE_LIMIT_BYTES);
    expect(JSON.parse(text)).toMatchObject({ verdict: 'inconclusive', status: null });
  });
});
