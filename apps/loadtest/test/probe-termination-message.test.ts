import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  removeBundleCopies,
  runBundle,
  startBundle,
  type RunningBundle,
} from '@ztmesh/test-support';
import { formatTerminationMessage, TERMINATION_MESSAGE_LIMIT_BYTES } from '../src/probe/termination-message';

const directory = mkdtempSync(join(tmpdir(), 'loadtest-verdict-'));
// The real backend, as shipped (the loadtest test target depends on the backend's build).
let backend: RunningBundle | undefined;
let backendUrl = '';
let refusedPort = 0;
// The CLI runs from a private copy of its bundle (see SpawnBundleOptions.privateCopy), killed after 20 s at most.
const runLoadtest = (args: readonly string[]) =>
  runBundle('loadtest', { args, killAfterMs: 20_000, privateCopy: true });

beforeAll(async () => {
  refusedPort = await freePort();
  backend = await startBundle('backend');
  backendUrl = `http://127.0.0.1:${backend.port}`;
});

afterAll(() => {
  backend?.kill();
  removeBundleCopies();
  rmSync(directory, { recursive: true, force: true });
});

describe('loadtest probe --termination-message (built bundle, real backend)', () => {
  it('writes "allowed" with the status for a backend answer and exits 0', async () => {
    const file = join(directory, 'allowed');
    const result = await runLoadtest(['probe', `${backendUrl}/api/data`, '--termination-message', file]);
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
    const result = await runLoadtest([
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
    const result = await runLoadtest(['probe', target, '--termination-message', file]);
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
    const result = await runLoadtest(['probe', `${backendUrl}/api/data`, '--termination-message', file]);
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
