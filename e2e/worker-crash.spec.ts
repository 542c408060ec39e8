import { expect, test } from '@playwright/test';
import { openApp, selectScenario, setSwitch, waitReady } from './helpers';

test('a crashed engine worker is reported and restarted without losing the scenario or settings', async ({
  page,
}) => {
  // Keep a handle on every worker the app creates, to crash the live one from the test.
  await page.addInitScript(() => {
    const Orig = window.Worker;
    const all: Worker[] = [];
    (window as unknown as { __workers: Worker[] }).__workers = all;
    window.Worker = class extends Orig {
      constructor(url: string | URL, opts?: WorkerOptions) {
        super(url, opts);
        all.push(this);
      }
    };
  });
  await openApp(page);
  await selectScenario(page, 'same-bridge-hairpin');
  await setSwitch(page, 'node', 'net.bridge.bridge-nf-call-iptables', true);
  await page.getByRole('button', { name: 'End' }).click();
  const outcome = page.getByRole('region', { name: 'Outcome' });
  await expect(outcome).toContainText(/\bok\b/);

  // What a crash looks like to the page: the worker is gone and fires `error`.
  await page.evaluate(() => {
    const ws = (window as unknown as { __workers: Worker[] }).__workers;
    const w = ws[ws.length - 1]!;
    w.terminate();
    w.dispatchEvent(new ErrorEvent('error', { message: 'simulated crash' }));
  });
  await expect(page.getByRole('alert')).toContainText('The engine stopped (simulated crash)');
  await waitReady(page, 'same-bridge-hairpin');
  expect(await page.evaluate(() => (window as unknown as { __workers: Worker[] }).__workers.length)).toBe(2);
  await expect(
    page
      .getByRole('group', { name: 'node' })
      .getByRole('switch', { name: 'net.bridge.bridge-nf-call-iptables' }),
  ).toHaveAttribute('aria-checked', 'true');
  await expect(outcome).toContainText(/\bok\b/);
  const slider = page.getByRole('slider', { name: 'Playhead' });
  await expect(slider).toHaveValue((await slider.getAttribute('max')) ?? '-');
  // The new worker answers: stepping back updates the conntrack view from it.
  await expect(page.getByRole('region', { name: 'conntrack node' })).toContainText('[ASSURED]');
  await page.getByRole('button', { name: 'Restart' }).click();
  await expect(page.getByRole('region', { name: 'conntrack node' })).toContainText('0 flow entries');
});
