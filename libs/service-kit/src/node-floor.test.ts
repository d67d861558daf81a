import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { minVersion, satisfies, validRange } from 'semver';
import { describe, expect, it } from 'vitest';

// The Node floor the root package.json states must be one every installed package accepts: `npm ci` on that
// floor then prints no EBADENGINE warning and nothing runs on a Node its authors do not support.
const root = join(__dirname, '..', '..', '..');
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[]; dev?: boolean }>;
};

describe('the Node floor in package.json', () => {
  it('is accepted by the engines field of every package in package-lock.json', () => {
    const floor = rootPackage.engines.node;
    // What npm checks (EBADENGINE): the Node that runs. Checked at the floor itself and at the Node running now.
    const nodes = [String(minVersion(floor)), process.versions.node];
    const refusing = Object.entries(lock.packages)
      // Installed ones only: npm skips an optional package whose engines refuse this Node, without a warning.
      .filter(([path]) => path.includes('node_modules/') && existsSync(join(root, path)))
      .flatMap(([path, entry]) => {
        const wanted = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
        if (!wanted || !validRange(wanted)) return [];
        const refused = nodes.filter((node) => !satisfies(node, wanted));
        return refused.length === 0 ? [] : [`${path} wants node ${wanted} (refuses ${refused.join(', ')})`];
      });
    expect(refusing, `packages that refuse node ${floor}`).toEqual([]);
  });

  it('runs inject with cookies (light-my-request on the cookie version pinned for Node 20)', async () => {
    const app = Fastify();
    app.get('/', async (request) => ({ cookie: request.headers.cookie ?? null }));
    const response = await app.inject({ url: '/', cookies: { session: 'a b', theme: 'dark' } });
    expect(response.json()).toEqual({ cookie: 'session=a%20b; theme=dark' });
    await app.close();
  });
});
