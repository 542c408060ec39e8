import { expect, test } from '@playwright/test';
import { openApp, selectScenario, setSwitch, watchProblems } from './helpers';

const BNF = 'net.bridge.bridge-nf-call-iptables';

test('same-bridge hairpin: br_netfilter decides whether the Service call works', async ({ page }) => {
  const problems = watchProblems(page);
  await openApp(page);
  await selectScenario(page, 'same-bridge-hairpin');
  const outcome = page.getByRole('region', { name: 'Outcome' });
  const ct = page.getByRole('region', { name: 'conntrack node' });

  await setSwitch(page, 'node', BNF, false);
  await page.getByRole('button', { name: 'End' }).click();
  await expect(outcome).toContainText('failed');
  const unreplied = ct.getByRole('row').filter({ hasText: 'SYN_SENT' }).filter({ hasText: '[UNREPLIED]' });
  await expect(unreplied.first()).toBeVisible();

  // Flipping the switch re-runs at once and stays at the end.
  await setSwitch(page, 'node', BNF, true);
  await expect(outcome).toContainText(/\bok\b/);
  await expect(outcome).not.toContainText('failed');
  await expect(ct.getByRole('row').filter({ hasText: '[ASSURED]' }).first()).toBeVisible();
  await expect(page.getByRole('slider', { name: 'Playhead' })).toHaveValue(
    (await page.getByRole('slider', { name: 'Playhead' }).getAttribute('max')) ?? '-',
  );

  // Stepping back brings earlier tables back: the entry changes state or disappears.
  const atEnd = await ct.textContent();
  let changed = false;
  for (let i = 0; i < 80 && !changed; i++) {
    await page.getByRole('button', { name: 'Step back' }).click();
    await page.waitForTimeout(20);
    changed = (await ct.textContent()) !== atEnd;
  }
  expect(changed, 'Step back should change the conntrack table of node').toBe(true);
  // Further back, the entry leaves TIME_WAIT for an earlier state, then vanishes.
  for (let i = 0; i < 300 && (await ct.textContent())?.includes('TIME_WAIT'); i++)
    await page.getByRole('button', { name: 'Step back' }).click();
  await expect(ct).not.toContainText('TIME_WAIT');
  await expect(ct).toContainText(/ESTABLISHED|SYN_RECV|SYN_SENT|FIN_WAIT|CLOSE_WAIT|LAST_ACK|0 flow entries/);
  expect(problems).toEqual([]);
});

test('keyboard: space plays and pauses, arrows step', async ({ page }) => {
  await openApp(page, '#v=1&s=same-bridge-hairpin&at=0');
  const slider = page.getByRole('slider', { name: 'Playhead' });
  await page.locator('body').click({ position: { x: 5, y: 700 } });
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  const after2 = Number(await slider.inputValue());
  expect(after2).toBeGreaterThanOrEqual(2);
  await page.keyboard.press('ArrowLeft');
  expect(Number(await slider.inputValue())).toBeLessThan(after2);
  await page.keyboard.press(' ');
  await expect.poll(async () => Number(await slider.inputValue())).toBeGreaterThan(after2);
  await page.keyboard.press(' ');
  const paused = await slider.inputValue();
  await page.waitForTimeout(400);
  expect(await slider.inputValue()).toBe(paused);
});
