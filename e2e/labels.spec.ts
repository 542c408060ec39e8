import { expect, type Page, test } from '@playwright/test';
import { openApp, scenarioIds, selectScenario } from './helpers';

type R = { x: number; y: number; w: number; h: number; what: string };

/** The packet labels shown on the topology and the host boxes, in page px. */
async function labelsAndBoxes(page: Page): Promise<{ labels: R[]; boxes: R[] }> {
  return page.evaluate(() => {
    const r = (e: Element, what: string) => {
      const b = e.getBoundingClientRect();
      return { x: b.x, y: b.y, w: b.width, h: b.height, what };
    };
    const labels = [...document.querySelectorAll('.topology-wrap .pkt-label')]
      .filter((e) => !(e as HTMLElement).hidden)
      .map((e) => r(e, e.textContent ?? ''));
    const boxes = [...document.querySelectorAll('svg.topology g.host')].map((g) =>
      r(g.querySelector('rect.host-box')!, g.getAttribute('data-host') ?? ''),
    );
    return { labels, boxes };
  });
}

// Half a pixel of slack: positions are rounded to whole pixels.
const hit = (a: R, b: R) =>
  Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x) > 0.5 &&
  Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y) > 0.5;

test('packet labels never cover a host box or each other; packets besides the playhead one get labels where there is room', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await openApp(page);
  let others = 0;
  let moments = 0;
  for (const id of await scenarioIds(page)) {
    await selectScenario(page, id);
    for (let k = 0; k < 40; k++) {
      await page.getByRole('button', { name: 'Step', exact: true }).click();
      const { labels, boxes } = await labelsAndBoxes(page);
      const playhead = page.getByRole('note', { name: 'packet' });
      if (labels.length === 0) continue;
      moments++;
      if (await playhead.isVisible()) expect(labels.length).toBeGreaterThanOrEqual(1);
      others += labels.length - 1;
      for (const a of labels) {
        for (const b of boxes) expect(hit(a, b), `${id} step ${k}: "${a.what}" covers ${b.what}`).toBe(false);
        for (const b of labels) if (a !== b) expect(hit(a, b), `${id} step ${k}: labels overlap`).toBe(false);
      }
    }
  }
  expect(moments).toBeGreaterThan(50);
  // Somewhere in the built-in scenarios two packets are on the wire with room for both labels.
  expect(others).toBeGreaterThan(0);
});
