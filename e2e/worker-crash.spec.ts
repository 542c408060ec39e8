import { expect, type Page, test } from '@playwright/test';
import { openApp, selectScenario, setSwitch, waitReady, watchProblems } from './helpers';

interface Tracked {
  terminated: boolean;
  /** Set by the test: the worker swallows every message from now on (a silent exit). */
  mute: boolean;
  /** Set by the test: the next `run` posted to this worker kills it instead. */
  dieOnRun: boolean;
}

/** Keeps a handle on every worker the app creates, and whether the app terminated it. */
async function trackWorkers(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const Orig = window.Worker;
    const all: { w: Worker; t: Tracked }[] = [];
    interface Tracked {
      terminated: boolean;
      mute: boolean;
      dieOnRun: boolean;
    }
    (window as unknown as { __workers: typeof all }).__workers = all;
    (window as unknown as { __dieOnNextRun: boolean }).__dieOnNextRun = false;
    window.Worker = class extends Orig {
      private readonly t: Tracked = { terminated: false, mute: false, dieOnRun: false };
      constructor(url: string | URL, opts?: WorkerOptions) {
        super(url, opts);
        all.push({ w: this, t: this.t });
      }
      override postMessage(msg: unknown, ...rest: never[]): void {
        const g = window as unknown as { __dieOnNextRun: boolean };
        if (g.__dieOnNextRun && (msg as { type?: string }).type === 'run') {
          // Killed during a run: the request went out, the worker is gone before it answers.
          g.__dieOnNextRun = false;
          super.terminate();
          this.dispatchEvent(new ErrorEvent('error', { message: 'killed during the run' }));
          return;
        }
        if (!this.t.mute) super.postMessage(msg, ...rest);
      }
      override terminate(): void {
        this.t.terminated = true;
        super.terminate();
      }
    };
  });
}

const live = (page: Page) =>
  page.evaluate(
    () =>
      (window as unknown as { __workers: { t: Tracked }[] }).__workers.filter((x) => !x.t.terminated).length,
  );

async function crashNewest(page: Page, how: 'error' | 'silent'): Promise<void> {
  await page.evaluate((how) => {
    const ws = (window as unknown as { __workers: { w: Worker; t: Tracked }[] }).__workers;
    const x = ws.filter((y) => !y.t.terminated).at(-1)!;
    if (how === 'silent') {
      // The worker stops answering without any event: only a deadline can notice.
      x.t.mute = true;
      return;
    }
    Worker.prototype.terminate.call(x.w);
    x.w.dispatchEvent(new ErrorEvent('error', { message: 'simulated crash' }));
  }, how);
}

async function bnf(page: Page) {
  return page
    .getByRole('group', { name: 'node' })
    .getByRole('switch', { name: 'net.bridge.bridge-nf-call-iptables' })
    .getAttribute('aria-checked');
}

test('a crashed engine worker is terminated and replaced, keeping scenario, settings, packet and playhead', async ({
  page,
}) => {
  await trackWorkers(page);
  await openApp(page);
  await selectScenario(page, 'same-bridge-hairpin');
  await setSwitch(page, 'node', 'net.bridge.bridge-nf-call-iptables', true);
  for (let i = 0; i < 30; i++) await page.getByRole('button', { name: 'Step', exact: true }).click();
  const packet = page.getByRole('combobox', { name: 'Packet' });
  await packet.selectOption((await packet.locator('option').nth(3).getAttribute('value'))!);
  const slider = page.getByRole('slider', { name: 'Playhead' });
  const before = { at: await slider.inputValue(), pkt: await packet.inputValue() };
  const conntrack = page.getByRole('region', { name: 'conntrack node' });
  const ctBefore = await conntrack.textContent();

  await crashNewest(page, 'error');
  await expect(page.getByRole('alert')).toContainText('The engine stopped (simulated crash)');
  await waitReady(page, 'same-bridge-hairpin');
  expect(await bnf(page)).toBe('true');
  await expect(slider).toHaveValue(before.at);
  await expect(packet).toHaveValue(before.pkt);
  // The new worker answers: the conntrack view at that playhead comes from it.
  await expect(conntrack).toHaveText(ctBefore ?? '');
  expect(await live(page)).toBe(1);
  await page.getByRole('button', { name: 'End' }).click();
  await expect(conntrack).toContainText('[ASSURED]');
});

test('a worker killed during a re-run keeps the new setting, as the notice says', async ({ page }) => {
  await trackWorkers(page);
  const problems = watchProblems(page);
  await openApp(page);
  await selectScenario(page, 'same-bridge-hairpin');
  await page.getByRole('button', { name: 'End' }).click();
  await page.evaluate(() => {
    (window as unknown as { __dieOnNextRun: boolean }).__dieOnNextRun = true;
  });
  await page
    .getByRole('group', { name: 'node' })
    .getByRole('switch', { name: 'net.bridge.bridge-nf-call-iptables' })
    .click();
  await expect(page.getByRole('alert')).toContainText('The engine stopped (killed during the run)');
  await waitReady(page, 'same-bridge-hairpin');
  expect(await bnf(page)).toBe('true');
  // The run on screen is really the one with the new setting: the reply is de-NATed.
  await expect(page.getByRole('region', { name: 'Outcome' })).toContainText(/\bok\b/);
  await expect(page.getByRole('region', { name: 'conntrack node' })).toContainText('[ASSURED]');
  expect(await live(page)).toBe(1);
  expect(problems).toEqual([]);
});

test('a worker that goes silent is noticed by the heartbeat and replaced', async ({ page }) => {
  await trackWorkers(page);
  await openApp(page);
  await selectScenario(page, 'host-conntrack');
  await page.getByRole('button', { name: 'End' }).click();
  const slider = page.getByRole('slider', { name: 'Playhead' });
  const at = await slider.inputValue();
  await crashNewest(page, 'silent');
  await expect(page.getByRole('alert')).toContainText('no answer to ping', { timeout: 30_000 });
  await waitReady(page, 'host-conntrack');
  await expect(slider).toHaveValue(at);
  expect(await live(page)).toBe(1);
  // And it works: the conntrack view follows the playhead again.
  await page.getByRole('button', { name: 'Restart' }).click();
  await expect(page.getByRole('region', { name: 'conntrack host' })).toContainText('0 flow entries');
});
