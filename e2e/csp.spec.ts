import { expect, test } from '@playwright/test';
import { selectScenario, waitReady, watchProblems } from './helpers';

test('the built app runs under its Content-Security-Policy without a single violation', async ({ page }) => {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  const problems = watchProblems(page);
  const response = await page.goto('/');
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  await waitReady(page);
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(meta).toContain("script-src 'self'");
  expect(meta).toContain("worker-src 'self'");
  // Exercise what the app does: the worker, runs, replays, a share link, both languages.
  await selectScenario(page, 'same-bridge-hairpin');
  await page.getByRole('button', { name: 'End' }).click();
  await page.getByRole('button', { name: 'Share' }).click();
  await page.getByRole('combobox', { name: 'Language' }).selectOption('zh');
  await selectScenario(page, 'conntrack-table-full');
  await page.getByRole('button', { name: 'Play' }).click();
  await page.waitForTimeout(500);
  expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
  expect(problems).toEqual([]);

  // And the policy is enforced: an inline script injected into the page does not run.
  const ran = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.body.append(s);
    await new Promise((r) => setTimeout(r, 100));
    return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
  });
  expect(ran).toBe(false);
  // Reported once per policy: the meta tag's and the server header's.
  const seen = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
  expect(seen.length).toBeGreaterThan(0);
  for (const v of seen) expect(v).toMatch(/^script-src-elem inline /);
});
