import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startLoopbackServer } from './loopback-server';
import { bundlePath, runBundle, spawnBundle } from './spawn-bundle';
import { startBundle } from './start-bundle';
import { waitFor } from './wait-for';

// Stand-in bundles: small scripts that behave as the apps do (a JSON `listening` line, SIGTERM exits 0), so
// this lib's tests never need an app built.
const dir = mkdtempSync(join(tmpdir(), 'test-support-bundles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function script(name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
}
const server = script(
  'server.cjs',
  `const s = require('node:http').createServer((q, r) => r.end(process.env.HOST + ' ' + process.env.GREETING));
s.listen(Number(process.env.PORT), process.env.HOST, () => {
  console.log('not json');
  console.log(JSON.stringify({ msg: 'listening', port: s.address().port, metricsPort: 7 }));
});
process.on('SIGTERM', () => { console.log(JSON.stringify({ msg: 'bye' })); s.close(() => process.exit(0)); });`,
);

describe('startBundle', () => {
  it('starts on loopback, reports the ports it logged, keeps JSON lines apart, stops with the exit code', async () => {
    const bundle = await startBundle('server', { file: server, env: { GREETING: 'hi' } });
    expect(bundle.metricsPort).toBe(7);
    expect(await (await fetch(`http://127.0.0.1:${bundle.port}/`)).text()).toBe('127.0.0.1 hi');
    expect(await bundle.stop()).toBe(0);
    expect(bundle.logs.map((line) => line.msg)).toEqual(['listening', 'bye']);
    expect(bundle.stdout()).toMatch(/^not json\n/);
  });

  it('rejects with the stderr when the process exits before listening', async () => {
    const file = script('fails.cjs', `console.error('bad config'); process.exit(3);`);
    await expect(startBundle('fails', { file })).rejects.toThrow(
      /fails exited with 3 before listening.*bad config/s,
    );
  });

  it('kills a process that never listens after listenTimeoutMs', async () => {
    const file = script('silent.cjs', `setInterval(() => {}, 1000);`);
    const started = Date.now();
    await expect(startBundle('silent', { file, listenTimeoutMs: 300 })).rejects.toThrow(
      /silent did not log "listening" within 300 ms/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('names the build to run when the bundle is missing', () => {
    expect(() => spawnBundle('no-such-app')).toThrow(
      `${bundlePath('no-such-app')} is missing: run \`npx nx build no-such-app\` first`,
    );
  });
});

describe('runBundle', () => {
  it('collects stdout, stderr and the code, with args and no inherited environment', async () => {
    const file = script(
      'cli.cjs',
      `console.log(process.argv.slice(2).join(','), process.env.HOME ?? 'no home'); console.error('e'); process.exitCode = 2;`,
    );
    expect(await runBundle('cli', { file, args: ['a', 'b'], privateCopy: true })).toMatchObject({
      code: 2,
      signal: null,
      stdout: 'a,b no home\n',
      stderr: 'e\n',
    });
  });

  it('SIGKILLs a run that outlives killAfterMs', async () => {
    const file = script('hangs.cjs', `setInterval(() => {}, 1000);`);
    expect(await runBundle('hangs', { file, killAfterMs: 200 })).toMatchObject({
      code: null,
      signal: 'SIGKILL',
    });
  });
});

describe('loopback helpers', () => {
  it('startLoopbackServer serves on 127.0.0.1; freePort is refused', async () => {
    const local = await startLoopbackServer((_req, res) => res.end('ok'));
    try {
      expect(local.url).toBe(`http://127.0.0.1:${local.port}`);
      expect(await (await fetch(local.url)).text()).toBe('ok');
    } finally {
      await local.close();
    }
    const port = await freePort();
    const refused = await new Promise<string>((resolve) =>
      connect(port, '127.0.0.1')
        .on('connect', () => resolve('connected'))
        .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? '')),
    );
    expect(refused).toBe('ECONNREFUSED');
  });

  it('waitFor resolves once the condition holds and names what timed out', async () => {
    let calls = 0;
    await waitFor(() => ++calls >= 3);
    expect(calls).toBe(3);
    await expect(
      waitFor(
        () => {
          throw new Error('nope');
        },
        { timeoutMs: 50, what: 'the moon' },
      ),
    ).rejects.toThrow('timed out waiting for the moon (last error: Error: nope)');
  });
});
