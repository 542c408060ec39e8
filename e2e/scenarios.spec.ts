import { mkdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { openApp, scenarioIds, selectScenario, watchProblems } from './helpers';

const SHOTS = 'test-results/screenshots';

test('every built-in scenario plays to the end without an error, in both themes', async ({ page }) => {
  test.setTimeout(240_000);
  mkdirSync(SHOTS, { recursive: true });
  const problems = watchProblems(page);
  await openApp(page);
  const ids = await scenarioIds(page);
  expect(ids.length).toBeGreaterThanOrEqual(11);
  for (const id of ids) {
    await selectScenario(page, id);
    // A little real playback at the top speed, then the rest at once.
    await page.getByRole('combobox', { name: 'Speed' }).selectOption('480');
    await page.getByRole('button', { name: 'Play' }).click();
    await page.waitForTimeout(300);
    await page.getByRole('button', { name: 'End' }).click();
    const slider = page.getByRole('slider', { name: 'Playhead' });
    await expect(slider).toHaveValue((await slider.getAttribute('max')) ?? '-');
    const outcome = page.getByRole('region', { name: 'Outcome' });
    await expect(outcome.locator('li.pending')).toHaveCount(0);
    await expect(outcome).toContainText(/ok|failed|—/);
    for (const theme of ['light', 'dark'] as const) {
      await page.getByRole('combobox', { name: 'Theme' }).selectOption(theme);
      await page.waitForTimeout(150);
      await page.screenshot({ path: `${SHOTS}/${id}-${theme}.png` });
    }
    await page.getByRole('combobox', { name: 'Theme' }).selectOption('light');
    expect(problems, `while playing ${id}`).toEqual([]);
  }
});

test('the middle of a run, in Chinese, is drawn with packets in flight', async ({ page }) => {
  mkdirSync(SHOTS, { recursive: true });
  await openApp(page, '#v=1&s=same-bridge-hairpin&set=node%3Anet.bridge.bridge-nf-call-iptables%3D1&at=0');
  await page.getByRole('combobox', { name: 'Language' }).selectOption('zh');
  for (let i = 0; i < 12; i++) await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-Hans');
  await expect(page.getByRole('region', { name: 'Teaching' })).toContainText(/[\u4e00-\u9fff]/);
  await page.screenshot({ path: `${SHOTS}/same-bridge-hairpin-zh-mid.png` });
});
