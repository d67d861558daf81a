import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI (the Nx test target depends on build, so it exists when tests run). */
export const BUNDLE = fileURLToPath(new URL('../../../dist/apps/loadtest/main.cjs', import.meta.url));

/** Whether the bundle is there (a clear failure beats a confusing spawn error). */
export const bundleBuilt = existsSync(BUNDLE);

// The tests run a private copy taken once: a build started meanwhile elsewhere in the workspace (it empties
// dist/apps/loadtest first) cannot pull the file from under a test.
let copy: string | undefined;
function bundleCopy(): string {
  if (!copy) {
    copy = join(mkdtempSync(join(tmpdir(), 'loadtest-bundle-')), 'main.cjs');
    copyFileSync(BUNDLE, copy);
  }
  return copy;
}

/** Deletes the private copy (call from afterAll). */
export function removeBundleCopy(): void {
  if (copy) rmSync(dirname(copy), { recursive: true, force: true });
  copy = undefined;
}

/** What a finished CLI process left behind. */
export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A started CLI process and the promise of its end. */
export interface Started {
  readonly child: ChildProcess;
  readonly finished: Promise<Finished>;
  /** Output so far. */
  stdout(): string;
}

/** Starts `node main.cjs ...args`; the process is killed if it outlives `timeoutMs`. */
export function startBundle(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 20_000,
): Started {
  const child = spawn(process.execPath, [bundleCopy(), ...args], {
    env: { PATH: process.env['PATH'], ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const finished = new Promise<Finished>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, finished, stdout: () => stdout };
}

/** Runs the CLI to its end. */
export function runBundle(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs?: number,
): Promise<Finished> {
  return startBundle(args, env, timeoutMs).finished;
}

/** Resolves once `condition` holds (polled), or rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
