import { expect, type Page, test } from '@playwright/test';
import { openApp, watchProblems } from './helpers';

/** Everything the views show that depends on the playhead, as text and attributes. */
async function viewState(page: Page) {
  return page.evaluate(() => {
    const txt = (sel: string) => [...document.querySelectorAll(sel)].map((e) => e.textContent ?? '');
    return {
      slider: (document.querySelector('input[aria-label="Playhead"]') as HTMLInputElement | null)?.value,
      // The packets on the wire, as the canvas drew them (pkt@event proto x,y).
      packets: (document.querySelector('canvas.topology-packets') as HTMLElement | null)?.dataset.packets,
      current: [...document.querySelectorAll('svg.topology .current')]
        .map((e) => `${e.tagName}:${e.getAttribute('data-host') ?? ''}:${e.getAttribute('data-dev') ?? ''}`)
        .sort(),
      path: txt('section.path-panel .body'),
      conntrack: txt('section.conntrack'),
      touched: txt('.ct-row.touched'),
      // Rules with their counters, in every form the panel can show (iptables-save -c is rendered).
      rules: txt('.rules-text'),
      outcome: txt('section[aria-label="Outcome"]'),
      account: txt('section[aria-label="Account"]'),
    };
  });
}

for (const [scenario, start, n] of [
  ['same-bridge-hairpin', 40, 30],
  ['node-port-snat', 60, 45],
  ['conntrack-table-full', 300, 60],
] as const)
  test(`${scenario}: Step x${n} then Step back x${n} restores every view exactly`, async ({ page }) => {
    const problems = watchProblems(page);
    await openApp(page, `#v=1&s=${scenario}&at=${start}`);
    const slider = page.getByRole('slider', { name: 'Playhead' });
    await expect(slider).toHaveValue(String(start));
    await expect(page.locator('section.conntrack').first()).toBeVisible();
    // Let the snapshot for this playhead land before reading the views.
    await page.waitForTimeout(300);
    const before = await viewState(page);
    expect(before.path.join('').length).toBeGreaterThan(0);
    for (let i = 0; i < n; i++) await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect(slider).not.toHaveValue(String(start));
    await page.waitForTimeout(200);
    const moved = await viewState(page);
    // The steps did change what is shown, so the comparison below can fail.
    expect(moved).not.toEqual(before);
    for (let i = 0; i < n; i++) await page.getByRole('button', { name: 'Step back' }).click();
    await expect(slider).toHaveValue(String(start));
    await expect.poll(() => viewState(page), { timeout: 5000 }).toEqual(before);
    expect(problems).toEqual([]);
  });
