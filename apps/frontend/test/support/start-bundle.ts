import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root (this file is apps/frontend/test/support/). */
export const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

/** The built bundle of an app, as `nx build <app>` writes it. */
export function bundlePath(app: string): string {
  return join(REPO_ROOT, 'dist', 'apps', app, 'main.cjs');
}

/** A bundle running as a child process. */
export interface RunningBundle {
  readonly port: number;
  readonly metricsPort: number;
  readonly child: ChildProcess;
  /** Every JSON log line written so far. */
  readonly logs: Record<string, unknown>[];
  /** SIGTERM, then wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `dist/apps/<app>/main.cjs` on loopback (port 0 unless `env.PORT` says otherwise) and resolves once it
 * logged `listening` with its ports. Rejects if it exits first or takes longer than `timeoutMs`.
 */
export function startBundle(
  app: string,
  env: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<RunningBundle> {
  const file = bundlePath(app);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`nx build ${app}\` first`);
  const child = spawn(process.execPath, [file], {
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      METRICS_HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      SHUTDOWN_DELAY_MS: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} did not log "listening" within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    let buffered = '';
    child.stdout?.on('data', (chunk) => {
      buffered += String(chunk);
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line);
        } catch {
          continue;
        }
        logs.push(entry);
        if (entry.msg === 'listening') {
          clearTimeout(timer);
          resolve({
            port: Number(entry.port),
            metricsPort: Number(entry.metricsPort),
            child,
            logs,
            stop: async () => {
              if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
              return exited;
            },
          });
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${app} exited with ${code} before listening; stderr: ${stderr}`));
    });
  });
}
