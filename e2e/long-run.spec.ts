// Issue 8: a run of a million events (the udp-flood link, stopped by the events budget) reaches
// the page in bounded chunks, never in one message whose reading freezes the tab, and the
// views stay usable on it. The chunks' structure is asserted; the long tasks the page saw are
// attached as figures only (timing is `npm run bench:ui`'s job, see bench/longtasks.ts).
import { expect, test } from '@playwright/test';
import lz from 'lz-string';
import { hostileCases } from '../src/cli/testdata/hostile';
import { EVENTS_PER_MESSAGE } from '../src/worker/protocol';
import { watchProblems } from './helpers';

interface Seen {
  type: string;
  from?: number;
  count?: number;
  streamed?: number;
  answerEvents?: number;
}

declare global {
  interface Window {
    __seen: Seen[];
    __longtasks: number[];
  }
}

// Before any page script: records what each message from a worker carries, and long tasks.
const SPY = `(() => {
  window.__seen = [];
  window.__longtasks = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longtasks.push(e.duration); })
    .observe({ type: 'longtask', buffered: true });
  const add = EventTarget.prototype.addEventListener;
  Worker.prototype.addEventListener = function (type, fn, opts) {
    if (type !== 'message') return add.call(this, type, fn, opts);
    const spy = (e) => {
      const m = e.data;
      if (m && m.type === 'events') window.__seen.push({ type: 'events', from: m.data.from, count: m.data.count });
      else if (m && m.type === 'ok' && m.data && m.data.result && Array.isArray(m.data.result.events))
        window.__seen.push({ type: 'run', streamed: m.data.streamed, answerEvents: m.data.result.events.length });
      fn.call(this, e);
    };
    return add.call(this, type, spy, opts);
  };
})();`;

const flood = hostileCases.find((c) => c.name === 'udp-flood-300k-interval-1')!.text;

test('a million-event run arrives in bounded chunks ahead of an answer without them; the views work on it', async ({
  page,
}, info) => {
  test.setTimeout(240_000);
  const problems = watchProblems(page);
  await page.addInitScript(SPY);
  await page.goto(`/#v=1&doc=${lz.compressToEncodedURIComponent(flood)}`);
  const app = page.locator('.app');
  await expect(app).toHaveAttribute('data-scenario', 'udp-flood-1', { timeout: 180_000 });
  await expect(app).toHaveAttribute('data-phase', 'ready', { timeout: 180_000 });
  await expect(page.getByRole('alert')).toContainText('budget: stopped after 1000000 timeline events');

  const slider = page.getByRole('slider', { name: 'Playhead' });
  const n = Number(await slider.getAttribute('max'));
  expect(n).toBeGreaterThan(1_000_000);
  const seen = await page.evaluate(() => window.__seen);
  const chunks = seen.filter((s) => s.type === 'events');
  const answers = seen.filter((s) => s.type === 'run');
  // The flood's run answer (the last one) carried none of the timeline; its chunks did, in order.
  expect(answers.at(-1)).toEqual({ type: 'run', streamed: n, answerEvents: 0 });
  const mine = chunks.slice(chunks.findLastIndex((c) => c.from === 0));
  expect(mine.length).toBe(Math.ceil(n / EVENTS_PER_MESSAGE));
  let from = 0;
  for (const c of mine) {
    expect(c.from).toBe(from);
    expect(c.count).toBeGreaterThan(0);
    expect(c.count).toBeLessThanOrEqual(EVENTS_PER_MESSAGE);
    from += c.count!;
  }
  expect(from).toBe(n);

  // The views read the timeline where the playhead is: at the end, in the middle, stepping.
  const counter = page.locator('.timeline .counter');
  await page.getByRole('button', { name: 'End' }).click();
  await expect(counter).toContainText(String(n));
  await expect(page.locator('.timeline .now-line')).toContainText(
    'budget: stopped after 1000000 timeline events',
  );
  await slider.fill(String(Math.floor(n / 2)));
  await expect(slider).toHaveValue(String(Math.floor(n / 2)));
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(async () => Number(await slider.inputValue())).toBeGreaterThan(Math.floor(n / 2));
  const mid = Number(await slider.inputValue());
  await page.getByRole('button', { name: 'Step back' }).click();
  await expect(slider).not.toHaveValue(String(mid));
  await expect(page.getByRole('region', { name: 'Account' })).toContainText(/#\d+/);
  await page.getByRole('button', { name: 'Share' }).click();
  await expect(page.getByRole('textbox', { name: 'Share link' })).toHaveValue(/#v=/);

  const longtasks = await page.evaluate(() => window.__longtasks);
  info.annotations.push({
    type: 'figure',
    description: `long tasks (wall ms, a loaded machine counts waits too): ${longtasks.length}, longest ${Math.round(Math.max(0, ...longtasks))}`,
  });
  expect(problems).toEqual([]);
});
