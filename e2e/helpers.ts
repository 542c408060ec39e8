import { expect, type Page } from '@playwright/test';

/** Console errors and failed requests seen by a page, for "nothing went wrong" checks. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`http ${r.status()}: ${r.url()}`);
  });
  return problems;
}

/** Waits until a run has landed and the app is idle. */
export async function waitReady(page: Page, scenario?: string): Promise<void> {
  const app = page.locator('.app');
  await expect(app).toHaveAttribute('data-phase', 'ready', { timeout: 30_000 });
  if (scenario) await expect(app).toHaveAttribute('data-scenario', scenario, { timeout: 30_000 });
  await expect(page.getByRole('region', { name: 'Outcome' }).locator('li').first()).toBeVisible();
}

export async function openApp(page: Page, hash = ''): Promise<void> {
  await page.goto(`/${hash}`);
  await waitReady(page);
}

export async function selectScenario(page: Page, id: string): Promise<void> {
  await page.getByRole('combobox', { name: 'Scenario' }).selectOption(id);
  await waitReady(page, id);
}

export async function scenarioIds(page: Page): Promise<string[]> {
  return page
    .getByRole('combobox', { name: 'Scenario' })
    .locator('option')
    .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
}

/** Sets a sysctl switch in a host group and waits for the re-run to land. */
export async function setSwitch(page: Page, host: string, key: string, on: boolean): Promise<void> {
  const sw = page.getByRole('group', { name: host }).getByRole('switch', { name: key });
  if ((await sw.getAttribute('aria-checked')) !== String(on)) await sw.click();
  await expect(sw).toHaveAttribute('aria-checked', String(on));
  await waitReady(page);
}
