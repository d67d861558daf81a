import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm start` (scripts/start.mjs) on a taken port: one line naming the port and the variable that moves it, exit 2,
// before anything is built or started. Real script, real listening socket.
const ROOT = join(__dirname, '..', '..', '..');

function runStart(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.mjs'), '--skip-build'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGTERM'), 15_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm start on a port already in use', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each(['FRONTEND_PORT', 'BACKEND_METRICS_PORT'])(
    'names the port and %s in one line, exit 2, nothing started',
    async (variable) => {
      const result = await runStart({ [variable]: String(port) });
      expect(result.stderr).toBe(
        `start: port ${port} is already in use (${variable}); set ${variable} to a free port, e.g. ` +
          `${variable}=${port + 1000} npm start\n`,
      );
      expect(result.code).toBe(2);
      expect(result.stdout).not.toMatch(/ready: open/);
    },
  );

  it('a port that is no number is exit 2 naming the variable', async () => {
    const result = await runStart({ FRONTEND_PORT: 'eighty' });
    expect(result.stderr).toBe('start: FRONTEND_PORT must be a port number (got "eighty")\n');
    expect(result.code).toBe(2);
  });
});
