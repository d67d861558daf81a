import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBundle, type RunningBundle } from './support/start-bundle';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `SKIPPED browser test: no Chromium at ${CHROMIUM} (install it: apt-get install -y chromium, or set CHROMIUM_PATH)`,
  );
}

describe.skipIf(!hasChromium)(
  'the page in Chromium, served by the frontend bundle proxying the backend',
  () => {
    let backend: RunningBundle;
    let frontend: RunningBundle;
    let context: BrowserContext;
    let profileDir: string;

    beforeAll(async () => {
      backend = await startBundle('backend');
      frontend = await startBundle('frontend', { BACKEND_URL: `http://127.0.0.1:${backend.port}` });
      profileDir = mkdtempSync(join(tmpdir(), 'ztmesh-chromium-'));
      context = await chromium.launchPersistentContext(profileDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          '--disable-quic',
        ],
        viewport: { width: 1100, height: 900 },
      });
    }, 60_000);

    afterAll(async () => {
      await context?.close();
      await Promise.all([frontend?.stop(), backend?.stop()]);
      if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    });

    it('shows both services up, and which backend pod answered each call, without CSP violations or errors', async () => {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
      // Browser-side code as strings: this project's TypeScript has no DOM types.
      await page.addInitScript({
        content: `window.cspViolations = [];
        document.addEventListener('securitypolicyviolation', (event) =>
          window.cspViolations.push(event.violatedDirective + ' ' + event.blockedURI));`,
      });
      const cspViolations = () => page.evaluate<string[]>('window.cspViolations');

      const response = await page.goto(`http://127.0.0.1:${frontend.port}/`);
      expect(response?.status()).toBe(200);
      expect(await page.title()).toBe('ztmesh');
      const backendPod = hostname();
      await expect.poll(() => page.locator('#frontend-state').getAttribute('data-state')).toBe('up');
      await expect.poll(() => page.locator('#backend-state').getAttribute('data-state')).toBe('up');
      expect(await page.locator('#backend-host').textContent()).toBe(backendPod);
      expect(await page.locator('#frontend-host').textContent()).toBe(backendPod);

      // The status check counted one call for the backend pod; the data button adds one more.
      const podRow = page.locator(`#tally-body tr[data-hostname="${backendPod}"]`);
      await expect.poll(() => podRow.locator('td').nth(1).textContent()).toBe('1');
      await page.getByRole('button', { name: 'Fetch data', exact: true }).click();
      await expect.poll(() => podRow.locator('td').nth(1).textContent()).toBe('2');
      expect(await page.locator('#last-meta').textContent()).toContain(`answered by ${backendPod}`);
      expect(JSON.parse((await page.locator('#last-body').textContent()) ?? '')).toMatchObject({
        message: 'Hello from Backend!',
        hostname: backendPod,
      });
      await page.getByRole('button', { name: 'Fetch backend health' }).click();
      await expect.poll(() => podRow.locator('td').nth(1).textContent()).toBe('3');
      expect(await page.locator('#log-body tr').count()).toBe(3);
      await expect.poll(() => page.locator('#announce').textContent()).toContain(`answered by ${backendPod}`);

      const screenshot = process.env.ZTMESH_SCREENSHOT;
      if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });

      expect(await cspViolations()).toEqual([]);
      expect(problems).toEqual([]);

      // The policy is really enforced: an injected inline script is refused and reported.
      const ran = await page.evaluate<boolean>(`(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineRan = true';
      document.head.append(script);
      return window.inlineRan === true;
    })()`);
      expect(ran).toBe(false);
      await expect.poll(cspViolations).toEqual([expect.stringMatching(/^script-src/)]);
    });
  },
);
