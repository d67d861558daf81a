import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './repo-root';

/** The built bundle of an app, as `nx build <app>` writes it: `dist/apps/<app>/main.cjs`. */
export function bundlePath(app: string): string {
  return join(REPO_ROOT, 'dist', 'apps', app, 'main.cjs');
}

/** One JSON log line of a bundle's stdout, as parsed. */
export type LogLine = Record<string, unknown> & { msg?: string; time?: string; level?: string };

/** How a bundle process ended, and everything it printed. */
export interface BundleExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** `Date.now()` when the process exited. */
  readonly at: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of spawnBundle. */
export interface SpawnBundleOptions {
  /** Arguments after the bundle (default none). */
  readonly args?: readonly string[];
  /** The whole environment beside PATH: nothing else is inherited from the test's own (default none). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** SIGKILL the process if it is still running after this long (default: never). */
  readonly killAfterMs?: number;
  /**
   * Run a private copy of the bundle, taken once per test process (default false): a build started meanwhile
   * elsewhere in the workspace (it empties dist/apps/<app> first) cannot pull the file from under a test.
   * removeBundleCopies() deletes the copies.
   */
  readonly privateCopy?: boolean;
  /** Working directory (default the test's). */
  readonly cwd?: string;
  /** The script to run instead of bundlePath(app) (the app name then only names it in messages). */
  readonly file?: string;
}

/** A bundle running as a child process, and what it has printed so far. */
export interface BundleProcess {
  readonly child: ChildProcess;
  /** Every JSON line of stdout so far; a line that is not JSON is kept in stdout() only. */
  readonly logs: LogLine[];
  stdout(): string;
  stderr(): string;
  /** Resolves once the process is gone and its output read to the end. */
  readonly exited: Promise<BundleExit>;
  /** Sends `signal` (default SIGTERM), SIGKILL after `killAfterMs` (default 10 s); resolves with the exit code. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<number | null>;
  /** SIGKILL if still running (for afterEach, after a failed assertion), so no process outlives the test file. */
  kill(): void;
}

const copies = new Map<string, string>();

function privateCopyOf(file: string): string {
  let copy = copies.get(file);
  if (!copy) {
    copy = join(mkdtempSync(join(tmpdir(), 'ztmesh-bundle-')), 'main.cjs');
    copyFileSync(file, copy);
    copies.set(file, copy);
  }
  return copy;
}

/** Deletes the private copies spawnBundle took (call from afterAll). */
export function removeBundleCopies(): void {
  for (const copy of copies.values()) rmSync(dirname(copy), { recursive: true, force: true });
  copies.clear();
}

/** Whether the child has neither exited nor been killed by a signal. */
function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * Runs `node dist/apps/<app>/main.cjs ...args` with `env` and PATH only, collecting stdout (text and JSON lines)
 * and stderr. Throws at once, naming the build to run, when the bundle is missing.
 */
export function spawnBundle(app: string, options: SpawnBundleOptions = {}): BundleProcess {
  const file = options.file ?? bundlePath(app);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npx nx build ${app}\` first`);
  const child = spawn(
    process.execPath,
    [options.privateCopy ? privateCopyOf(file) : file, ...(options.args ?? [])],
    {
      cwd: options.cwd,
      env: { PATH: process.env['PATH'] ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: LogLine[] = [];
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) {
      try {
        const parsed: unknown = JSON.parse(part);
        if (parsed !== null && typeof parsed === 'object') logs.push(parsed as LogLine);
      } catch {
        // Not a JSON log line (a CLI's table, a blank line): it stays in stdout().
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer =
    options.killAfterMs === undefined
      ? undefined
      : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
  let exitedAt = 0;
  child.once('exit', () => (exitedAt = Date.now()));
  const exited = new Promise<BundleExit>((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, at: exitedAt || Date.now(), stdout, stderr });
    }),
  );
  return {
    child,
    logs,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    stop: async (signal = 'SIGTERM', killAfterMs = 10_000) => {
      if (running(child)) {
        child.kill(signal);
        const fallback = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        await exited;
        clearTimeout(fallback);
      }
      return (await exited).code;
    },
    kill: () => {
      if (running(child)) child.kill('SIGKILL');
    },
  };
}

/** Runs the bundle to its end (a CLI run); resolves with its exit and output. */
export function runBundle(app: string, options: SpawnBundleOptions = {}): Promise<BundleExit> {
  return spawnBundle(app, options).exited;
}
