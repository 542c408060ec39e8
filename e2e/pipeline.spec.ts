import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { parseScenario, runScenario } from '../src/engine';
import type { TimelineEvent } from '../src/engine/timeline/events';
import { waitReady } from './helpers';

const BRNF = 'node:net.bridge.bridge-nf-call-iptables';

/** The run the app will show, computed here by the same engine, for its hook events. */
function events(id: string, settings: Record<string, string>): readonly TimelineEvent[] {
  const json = JSON.parse(readFileSync(new URL(`../src/scenarios/${id}.json`, import.meta.url), 'utf8'));
  const r = parseScenario(json, `${id}.json`);
  if (!r.ok) throw new Error(r.error);
  return runScenario(r.scenario, { settings }).events;
}

function link(id: string, settings: Record<string, string>, at: number): string {
  const p = new URLSearchParams({ v: '1', s: id });
  for (const [k, v] of Object.entries(settings)) p.append('set', `${k}=${v}`);
  p.set('at', String(at));
  return `/#${p}`;
}

/** The shown pipeline's host and the names of the elements marked as the current step in it. */
async function pipelineNow(page: Page): Promise<{ region: string; current: string[] }> {
  return page.evaluate(() => {
    const region = document.querySelector('section[aria-label^="pipeline "]');
    return {
      region: region?.getAttribute('aria-label') ?? '',
      current: [...(region?.querySelectorAll('[aria-current="step"]') ?? [])].map(
        (e) => e.getAttribute('aria-label') ?? '',
      ),
    };
  });
}

for (const [id, settings] of [
  ['same-bridge-hairpin', { [BRNF]: '0' }],
  ['same-bridge-hairpin', { [BRNF]: '1' }],
  ['hook-paths', {}],
] as const)
  test(`${id} ${JSON.stringify(settings)}: at every hook event the pipeline marks that hook current`, async ({
    page,
  }) => {
    test.setTimeout(180_000);
    const evs = events(id, settings);
    await page.goto(link(id, settings, 0));
    await waitReady(page, id);
    await expect(page.locator('.counter')).toContainText(`/ ${evs.length}`);
    const slider = page.getByRole('slider', { name: 'Playhead' });
    let checked = 0;
    for (let i = 0; i < evs.length; i++) {
      const e = evs[i]!;
      if (e.type !== 'hook') continue;
      await slider.fill(String(i + 1));
      await expect
        .poll(() => pipelineNow(page), { message: `event ${i}: ${e.host} ${e.hook}` })
        .toEqual({ region: `pipeline ${e.host}`, current: [e.hook] });
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

test('each host shows only the hook functions it registered: pod-a has no conntrack, node has', async ({
  page,
}) => {
  await page.goto(link('same-bridge-hairpin', { [BRNF]: '1' }, 0));
  await waitReady(page, 'same-bridge-hairpin');
  const pick = page.getByRole('combobox', { name: 'Pipeline host' });
  await pick.selectOption('pod-a');
  const podA = page.getByRole('region', { name: 'pipeline pod-a' });
  await expect(podA.getByRole('group', { name: 'PREROUTING', exact: true })).toBeVisible();
  await expect(podA.getByLabel(/^(conntrack|confirm|nat) /)).toHaveCount(0);
  await pick.selectOption('node');
  const node = page.getByRole('region', { name: 'pipeline node' });
  for (const name of ['conntrack PREROUTING', 'nat PREROUTING', 'filter FORWARD', 'confirm POSTROUTING'])
    await expect(node.getByLabel(name, { exact: true })).toBeVisible();
  await expect(node.getByLabel('raw PREROUTING', { exact: true })).toHaveCount(0);
});

test('the matched rule opens in the rules view', async ({ page }) => {
  const evs = events('same-bridge-hairpin', { [BRNF]: '1' });
  const dnat = evs.findIndex((e) => e.type === 'rewrite' && e.what === 'DNAT');
  await page.goto(link('same-bridge-hairpin', { [BRNF]: '1' }, dnat + 1));
  await waitReady(page, 'same-bridge-hairpin');
  const nat = page
    .getByRole('region', { name: 'pipeline node' })
    .getByLabel('nat PREROUTING', { exact: true });
  await nat.getByRole('button').click();
  const shown = page.getByRole('article', { name: 'host node' }).locator('.rules-text mark');
  await expect(shown).toBeVisible();
  await expect(shown).toContainText('-j DNAT --to-destination 10.244.1.3:8080');
});

test('the packet label reads the Service before DNAT and the backend after, the rewrite marked', async ({
  page,
}) => {
  const evs = events('same-bridge-hairpin', { [BRNF]: '1' });
  const dnat = evs.findIndex((e) => e.type === 'rewrite' && e.what === 'DNAT');
  await page.goto(link('same-bridge-hairpin', { [BRNF]: '1' }, dnat));
  await waitReady(page, 'same-bridge-hairpin');
  const label = page.getByRole('note', { name: 'packet' });
  await expect(label).toBeVisible();
  await expect(label).toContainText('10.244.1.2:');
  await expect(label).toContainText('→ 10.96.0.10:80 [S]');
  await expect(label.locator('mark')).toHaveCount(0);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(label).toContainText('→ 10.244.1.3:8080 [S]');
  await expect(label.locator('mark')).toHaveText('10.244.1.3:8080');
  await page.getByRole('button', { name: 'Step back' }).click();
  await expect(label).toContainText('→ 10.96.0.10:80 [S]');
});

test('an nft rule matched in the pipeline opens, marked, in the nft list ruleset view', async ({ page }) => {
  const evs = events('iptables-vs-nftables', {});
  const dnat = evs.findIndex((e) => e.type === 'rewrite' && e.what === 'DNAT' && e.host === 'node-nft');
  await page.goto(link('iptables-vs-nftables', {}, dnat + 1));
  await waitReady(page, 'iptables-vs-nftables');
  await page.getByRole('combobox', { name: 'Pipeline host' }).selectOption('node-nft');
  const nat = page
    .getByRole('region', { name: 'pipeline node-nft' })
    .getByLabel('nat PREROUTING', { exact: true });
  await nat.getByRole('button').click();
  const host = page.getByRole('article', { name: 'host node-nft' });
  await expect(host.getByRole('combobox', { name: 'Rules view node-nft' })).toHaveValue('nft');
  const shown = host.locator('.rules-text mark');
  await expect(shown).toBeVisible();
  await expect(shown).toContainText('dnat to 10.244.2.3:8080');
});
