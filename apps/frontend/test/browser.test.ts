import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startBundle, type RunningBundle } from '@ztmesh/test-support';
import { LOCAL_RATE_LIMITED, RBAC_DENIED, startTestMesh, type TestMesh } from './support/start-test-mesh';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `SKIPPED browser test: no Chromium at ${CHROMIUM} (install it: apt-get install -y chromium, or set CHROMIUM_PATH)`,
  );
}

/** Screenshots land here (git-ignored): test-results/ at the repository root. */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-results', 'screenshots');
const UPSTREAM_TIMEOUT_MS = 600;
// Chromium logs every non-2xx fetch as a console error; these are the ones this test causes on purpose.
const INDUCED = /^Failed to load resource: the server responded with a status of (403|429|502|504)\b/;

describe.skipIf(!hasChromium)(
  'the live page in Chromium: frontend bundle, two backend bundles behind a stand-in Service',
  () => {
    let backendA: RunningBundle;
    let backendB: RunningBundle;
    let mesh: TestMesh;
    let frontend: RunningBundle;
    let context: BrowserContext;
    let profileDir: string;

    beforeAll(async () => {
      [backendA, backendB] = await Promise.all([
        startBundle('backend', { env: { POD_NAME: 'backend-a' } }),
        startBundle('backend', { env: { POD_NAME: 'backend-b' } }),
      ]);
      mesh = await startTestMesh([`http://127.0.0.1:${backendA.port}`, `http://127.0.0.1:${backendB.port}`]);
      frontend = await startBundle('frontend', {
        env: {
          BACKEND_URL: mesh.url,
          UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
        },
      });
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
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
      await mesh?.close();
      await Promise.all([frontend?.stop(), backendA?.stop(), backendB?.stop()]);
      if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    });

    const condition = (page: Page) => page.locator('#condition').getAttribute('data-condition');
    const podCalls = async (page: Page, pod: string) =>
      Number(
        (await page
          .locator(`#tally-body tr[data-hostname="${pod}"] td`)
          .nth(1)
          .textContent({ timeout: 200 })
          .catch(() => '0')) ?? '0',
      );
    const shot = (page: Page, name: string) =>
      page.screenshot({ path: join(SCREENSHOT_DIR, `page-${name}.png`), fullPage: true });

    it('fills itself, splits the load across both pods, pauses, stops when hidden and shows each failure as such', async () => {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        const text = message.text();
        if ((message.type() === 'error' || message.type() === 'warning') && !INDUCED.test(text))
          problems.push(text);
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

      const response = await page.goto(`http://127.0.0.1:${frontend.port}/?interval=250`);
      expect(response?.status()).toBe(200);
      expect(await page.title()).toBe('ztmesh');
      expect(await page.locator('#poll-state').textContent()).toBe('Polling every 250 ms');

      // No click: the page polls, and both replicas answer a share of the calls.
      await expect.poll(() => condition(page), { timeout: 10_000 }).toBe('ok');
      await expect.poll(() => podCalls(page, 'backend-a'), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
      await expect.poll(() => podCalls(page, 'backend-b'), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
      await expect.poll(() => page.locator('#frontend-state').getAttribute('data-state')).toBe('up');
      expect(await page.locator('#log-body tr').count()).toBeGreaterThanOrEqual(6);
      const firstRow = page.locator('#log-body tr').first().locator('td');
      expect(await firstRow.nth(1).textContent()).toBe('GET /api/data');
      expect(await firstRow.nth(2).textContent()).toBe('200');
      expect(await firstRow.nth(4).textContent()).toMatch(/^backend-[ab]$/);
      expect((await page.locator('#spark-line').getAttribute('points'))?.split(' ').length).toBeGreaterThan(
        5,
      );
      expect(await page.locator('#spark-summary').textContent()).toMatch(
        /^last \d+ ms, median \d+ ms, max \d+ ms$/,
      );
      expect(await page.getByRole('meter', { name: /Share of backend-a: \d+ percent/ }).count()).toBe(1);
      await shot(page, 'live');

      // Pause: no more calls reach the backends until resumed (keyboard: the button is focusable, Enter presses).
      await page.locator('#pause').focus();
      await page.keyboard.press('Enter');
      expect(await page.locator('#pause').getAttribute('aria-pressed')).toBe('true');
      expect(await page.locator('#poll-state').textContent()).toBe('Paused');
      await page.waitForTimeout(400); // let a call in flight finish
      const pausedAt = mesh.requests;
      await page.waitForTimeout(1_000);
      expect(mesh.requests).toBe(pausedAt);
      await page.keyboard.press('Enter');
      expect(await page.locator('#pause').getAttribute('aria-pressed')).toBe('false');
      await expect.poll(() => mesh.requests).toBeGreaterThan(pausedAt);

      // Hidden tab: polling stops, and starts again when visible.
      const setVisibility = (state: 'hidden' | 'visible') =>
        page.evaluate(`Object.defineProperty(document, 'visibilityState', { value: '${state}', configurable: true });
          document.dispatchEvent(new Event('visibilitychange'));`);
      await setVisibility('hidden');
      expect(await page.locator('#poll-state').textContent()).toBe('Stopped while the tab is hidden');
      await page.waitForTimeout(400);
      const hiddenAt = mesh.requests;
      await page.waitForTimeout(1_000);
      expect(mesh.requests).toBe(hiddenAt);
      await setVisibility('visible');
      await expect.poll(() => mesh.requests).toBeGreaterThan(hiddenAt);

      // Backend down: stop backend-b for real and send every call to its closed port.
      const deadB = `http://127.0.0.1:${backendB.port}`;
      expect(await backendB.stop()).toBe(0);
      mesh.targets = [deadB];
      await expect.poll(() => condition(page), { timeout: 10_000 }).toBe('down');
      expect(await page.locator('#condition-title').textContent()).toBe('Backend down (502)');
      expect(await page.locator('#backend-state').getAttribute('data-state')).toBe('down');
      await shot(page, 'backend-down');

      // Backend slow: backend-a answers after the frontend's upstream timeout.
      mesh.targets = [`http://127.0.0.1:${backendA.port}`];
      mesh.mode = { kind: 'delay', delayMs: UPSTREAM_TIMEOUT_MS * 3 };
      await expect.poll(() => condition(page), { timeout: 10_000 }).toBe('slow');
      expect(await page.locator('#condition-title').textContent()).toBe('Backend slow (504)');

      // Refused by the mesh and rate-limited: what Envoy answers itself.
      mesh.mode = RBAC_DENIED;
      await expect.poll(() => condition(page), { timeout: 10_000 }).toBe('refused');
      expect(await page.locator('#condition-title').textContent()).toBe('Refused by the mesh (403)');
      await shot(page, 'refused');
      mesh.mode = LOCAL_RATE_LIMITED;
      await expect.poll(() => condition(page), { timeout: 10_000 }).toBe('limited');
      expect(await page.locator('#condition-title').textContent()).toBe('Rate-limited (429)');

      // And back: the page recovers on its own; the stream kept a row for each kind of failure.
      mesh.mode = { kind: 'forward' };
      await expect.poll(() => condition(page), { timeout: 10_000 }).toBe('ok');
      const seen = await page.locator('#log-body tr').evaluateAll(
        // Browser-side callback: rows carry data-condition.
        (rows) =>
          rows.map((row) => (row as unknown as { dataset: Record<string, string> }).dataset.condition),
      );
      expect(new Set(seen)).toEqual(new Set(['ok', 'down', 'slow', 'refused', 'limited']));
      await shot(page, 'recovered');

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
    }, 90_000);
  },
);
