import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The built backend, as shipped (`nx build backend`; the test target depends on build). */
export const BACKEND_BUNDLE = join(__dirname, '../../../dist/apps/backend/main.cjs');

/** One JSON log line of the bundle's stdout, as parsed. */
export type LogLine = Record<string, unknown> & { msg?: string; time?: string; level?: string };

/** A running bundle and what it has printed so far. */
export interface RunningBundle {
  readonly child: ChildProcess;
  readonly lines: LogLine[];
  readonly stderr: () => string;
  readonly port: number;
  readonly metricsPort: number;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** Runs the bundle with `env` (never inheriting PORT and friends from the test's environment). */
export function spawnBundle(env: Record<string, string>): {
  child: ChildProcess;
  lines: LogLine[];
  stdout: () => string;
  stderr: () => string;
  exited: RunningBundle['exited'];
} {
  if (!existsSync(BACKEND_BUNDLE))
    throw new Error(`${BACKEND_BUNDLE} is missing: run \`npx nx build backend\``);
  const child = spawn(process.execPath, [BACKEND_BUNDLE], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let stdout = '';
  let pending = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part) as LogLine);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, lines, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Starts the bundle on ephemeral ports on loopback and waits for its `listening` line. */
export async function startBundle(
  env: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<RunningBundle> {
  const started = spawnBundle({
    HOST: '127.0.0.1',
    METRICS_HOST: '127.0.0.1',
    PORT: '0',
    METRICS_PORT: '0',
    ...env,
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listening = started.lines.find((line) => line.msg === 'listening');
    if (listening) {
      return {
        ...started,
        port: listening['port'] as number,
        metricsPort: listening['metricsPort'] as number,
      };
    }
    if (started.child.exitCode !== null || Date.now() > deadline) {
      started.child.kill('SIGKILL');
      throw new Error(`backend did not log "listening" (stderr: ${started.stderr()})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Kills a bundle a test left running (after a failed assertion), so no process outlives the test file. */
export function killIfRunning(bundle: { child: ChildProcess } | undefined): void {
  if (bundle && bundle.child.exitCode === null && bundle.child.signalCode === null)
    bundle.child.kill('SIGKILL');
}
