import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { openApp, selectScenario, waitReady } from './helpers';

for (const theme of ['light', 'dark'] as const)
  for (const lang of ['en', 'zh'] as const)
    test(`no serious or critical axe violations (${theme}, ${lang})`, async ({ page }) => {
      await openApp(page);
      await selectScenario(page, 'same-bridge-hairpin');
      await page.getByRole('combobox', { name: 'Theme' }).selectOption(theme);
      await page.getByRole('combobox', { name: 'Language' }).selectOption(lang);
      for (let i = 0; i < 10; i++) await page.getByRole('button', { name: 'Step', exact: true }).click();
      // Open the rules of every host so their views are checked too.
      for (const s of await page.locator('details.rules > summary').all()) await s.click();
      const r = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
        .analyze();
      const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(
        bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
      ).toEqual([]);
    });

// Presentation and embed draw the same views in other sizes (larger type, another grid).
for (const [mode, theme, lang] of [
  ['presentation', 'dark', 'zh'],
  ['presentation', 'light', 'en'],
  ['embed', 'dark', 'en'],
  ['embed', 'light', 'zh'],
] as const)
  test(`no serious or critical axe violations in ${mode} mode (${theme}, ${lang})`, async ({ page }) => {
    await page.goto(`/${mode === 'embed' ? '?embed=1' : ''}#v=1&s=same-bridge-hairpin&at=47`);
    await waitReady(page, 'same-bridge-hairpin');
    await page.getByRole('combobox', { name: 'Theme' }).selectOption(theme);
    await page.getByRole('combobox', { name: 'Language' }).selectOption(lang);
    if (mode === 'presentation') {
      await page.getByRole('button', { name: 'Presentation' }).click();
      await expect(page.getByRole('button', { name: 'Presentation' })).toHaveAttribute(
        'aria-pressed',
        'true',
      );
    }
    const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    ).toEqual([]);
  });
