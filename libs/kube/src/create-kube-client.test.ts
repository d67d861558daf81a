import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKubeClient } from './create-kube-client';
import { KubeError } from './kube-error';

const work = mkdtempSync(join(tmpdir(), 'ztmesh-kube-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function kubeconfig(name: string, server: string, contexts = ['test']): string {
  const file = join(work, name);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 'not-a-real-token' } }],
      contexts: contexts.map((c) => ({ name: c, context: { cluster: 'c', user: 'u' } })),
      'current-context': contexts[0],
    }),
  );
  return file;
}

async function listen(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

async function failure(run: () => Promise<unknown>): Promise<KubeError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof KubeError) return error;
    throw error;
  }
  throw new Error('expected a KubeError');
}

describe('createKubeClient', () => {
  it('without any kubeconfig says so, and never falls back to http://localhost:8080', () => {
    const emptyHome = mkdtempSync(join(work, 'home-'));
    expect(() => createKubeClient({ env: {}, homeDir: emptyHome })).toThrow(
      new KubeError(
        'config',
        'no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config',
      ),
    );
  });

  it('names a missing --kubeconfig file, an unreadable one, and an unknown --context', () => {
    expect(() => createKubeClient({ kubeconfig: join(work, 'nope') })).toThrow(
      `--kubeconfig ${join(work, 'nope')}: no such file`,
    );
    const garbage = join(work, 'garbage');
    writeFileSync(garbage, 'clusters: [oops');
    expect(() => createKubeClient({ kubeconfig: garbage })).toThrow(
      /^--kubeconfig .*garbage: not a kubeconfig: /,
    );
    const file = kubeconfig('two.json', 'https://127.0.0.1:1', ['a', 'b']);
    expect(() => createKubeClient({ kubeconfig: file, context: 'c' })).toThrow(
      `--context c: no such context in ${file} (it has: a, b)`,
    );
    expect(createKubeClient({ kubeconfig: file, context: 'b' }).context).toBe('b');
    expect(createKubeClient({ env: { KUBECONFIG: file }, homeDir: work }).server).toBe('https://127.0.0.1:1');
  });

  it('an API server that refuses connections: one line naming it', async () => {
    const { server, port } = await listen((socket) => socket.destroy());
    await new Promise((resolve) => server.close(resolve)); // the port is now closed
    const client = createKubeClient({ kubeconfig: kubeconfig('closed.json', `https://127.0.0.1:${port}`) });
    const error = await failure(() => client.list('v1', 'Pod', 'default'));
    expect(error.kind).toBe('unreachable');
    expect(error.message).toBe(`cannot reach the API server https://127.0.0.1:${port}: ECONNREFUSED`);
  });

  it('an API server that accepts and never answers: a timeout within the limit, naming it', async () => {
    const sockets: Socket[] = [];
    const { server, port } = await listen((socket) => sockets.push(socket));
    try {
      const client = createKubeClient({
        kubeconfig: kubeconfig('silent.json', `https://127.0.0.1:${port}`),
        timeoutMs: 500,
      });
      const started = Date.now();
      const error = await failure(() => client.list('v1', 'Pod', 'default'));
      expect(error.kind).toBe('timeout');
      expect(error.message).toBe(
        `the API server https://127.0.0.1:${port} did not answer within 0.5 s (Pod (v1))`,
      );
      expect(Date.now() - started).toBeLessThan(10_000); // does not hang
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });
});
