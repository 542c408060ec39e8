import { expect, test } from '@playwright/test';
import { openApp, waitReady } from './helpers';

test('embed=1: the views and the playback controls, no scenario picker, file opener or share', async ({
  page,
}) => {
  await page.goto('/?embed=1#v=1&s=same-bridge-hairpin&at=40');
  await waitReady(page, 'same-bridge-hairpin');
  await expect(page.getByRole('combobox', { name: 'Scenario' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Share' })).toHaveCount(0);
  await expect(page.getByRole('textbox', { name: 'Share link' })).toHaveCount(0);
  for (const name of ['Play', 'Pause', 'Step', 'Step back', 'Restart', 'End'])
    await expect(page.getByRole('button', { name, exact: true })).toBeVisible();
  await expect(page.getByRole('region', { name: /^pipeline / })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Outcome' })).toBeVisible();
  await expect(page.getByRole('slider', { name: 'Playhead' })).toHaveValue('40');
  // The same in the hash, as appended to a share link.
  await page.goto('/#v=1&s=hook-paths&at=5&embed=1');
  await waitReady(page, 'hook-paths');
  await expect(page.getByRole('combobox', { name: 'Scenario' })).toHaveCount(0);
});

test('Presentation (button or F): topology, pipeline, outcome and playback only; again to leave', async ({
  page,
}) => {
  await openApp(page);
  const button = page.getByRole('button', { name: 'Presentation' });
  await button.click();
  await expect(button).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('combobox', { name: 'Scenario' })).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Topology' })).toBeVisible();
  await expect(page.getByRole('region', { name: /^pipeline / })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Outcome' })).toBeVisible();
  await expect(page.locator('section.hosts')).toHaveCount(0);
  await expect(page.locator('section.path-panel')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Step', exact: true })).toBeVisible();
  // Large type: the pipeline's hook names grow.
  const size = await page
    .getByRole('group', { name: 'PREROUTING', exact: true })
    .locator('.pl-hook-name')
    .evaluate((e) => Number.parseFloat(getComputedStyle(e).fontSize));
  expect(size).toBeGreaterThanOrEqual(15);
  await page.keyboard.press('f');
  await expect(button).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByRole('combobox', { name: 'Scenario' })).toBeVisible();
  await page.keyboard.press('F');
  await expect(button).toHaveAttribute('aria-pressed', 'true');
});
