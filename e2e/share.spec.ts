import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import lz from 'lz-string';
import { openApp, selectScenario, setSwitch, waitReady, watchProblems } from './helpers';

async function view(page: import('@playwright/test').Page) {
  return {
    scenario: await page.getByRole('combobox', { name: 'Scenario' }).inputValue(),
    bnf: await page
      .getByRole('group', { name: 'node' })
      .getByRole('switch', { name: 'net.bridge.bridge-nf-call-iptables' })
      .getAttribute('aria-checked'),
    playhead: await page.getByRole('slider', { name: 'Playhead' }).inputValue(),
    packet: await page.getByRole('combobox', { name: 'Packet' }).inputValue(),
    outcome: await page.getByRole('region', { name: 'Outcome' }).textContent(),
    conntrack: await page.getByRole('region', { name: 'conntrack node' }).textContent(),
  };
}

test('a share link reproduces scenario, settings, packet and playhead', async ({ page, context }) => {
  await openApp(page);
  await selectScenario(page, 'same-bridge-hairpin');
  await setSwitch(page, 'node', 'net.bridge.bridge-nf-call-iptables', true);
  for (let i = 0; i < 40; i++) await page.getByRole('button', { name: 'Step', exact: true }).click();
  const packet = page.getByRole('combobox', { name: 'Packet' });
  const second = await packet.locator('option').nth(2).getAttribute('value');
  await packet.selectOption(second!);
  await page.waitForTimeout(300); // let the snapshot at the playhead land
  const before = await view(page);
  await page.getByRole('button', { name: 'Share' }).click();
  const link = await page.getByRole('textbox', { name: 'Share link' }).inputValue();
  expect(link).toMatch(/#v=3&s=same-bridge-hairpin&/);

  const other = await context.newPage();
  const problems = watchProblems(other);
  await other.goto(link);
  await waitReady(other, 'same-bridge-hairpin');
  await expect.poll(() => view(other)).toEqual(before);
  expect(problems).toEqual([]);
});

test('a bad link says so and falls back to the default scenario', async ({ page }) => {
  const problems = watchProblems(page);
  await page.goto('/#v=1&doc=this-is-not-lz&at=5');
  await waitReady(page, 'same-bridge-hairpin');
  await expect(page.getByRole('alert')).toContainText('could not be opened');
  await page.goto('about:blank');
  problems.length = 0; // leaving a page aborts its pending requests: not a failure
  await page.goto('/#v=1&s=<img src=x onerror=alert(1)>');
  await waitReady(page, 'same-bridge-hairpin');
  await expect(page.getByRole('alert')).toContainText('malformed');
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('an edited scenario travels whole in the link', async ({ page, browser }) => {
  const problems = watchProblems(page);
  const json = JSON.parse(readFileSync('src/scenarios/host-conntrack.json', 'utf8')) as {
    id: string;
    title?: unknown;
  };
  json.id = 'my-edited-lab';
  json.title = { en: 'My edited lab', zh: '我的实验' };
  await page.goto(`/#v=1&doc=${lz.compressToEncodedURIComponent(JSON.stringify(json))}&at=9999`);
  await waitReady(page, 'my-edited-lab');
  await expect(page.getByRole('combobox', { name: 'Scenario' })).toHaveValue('');
  const slider = page.getByRole('slider', { name: 'Playhead' });
  await expect(slider).toHaveValue((await slider.getAttribute('max')) ?? '-');
  await page.getByRole('button', { name: 'Share' }).click();
  expect(await page.getByRole('textbox', { name: 'Share link' }).inputValue()).toContain('doc=');
  // An edited scenario that fails validation is refused with the field named. In a browser
  // of its own: in this one the first page's work is kept, and a bad link opens that instead.
  const fresh = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const bad = await fresh.newPage();
  const badProblems = watchProblems(bad);
  await bad.goto(`/#v=1&doc=${lz.compressToEncodedURIComponent(JSON.stringify({ ...json, hosts: [] }))}`);
  await waitReady(bad, 'same-bridge-hairpin');
  await expect(bad.getByRole('alert')).toContainText('hosts');
  expect([...problems, ...badProblems]).toEqual([]);
  await fresh.close();
});

for (const version of [1, 2, 3])
  test(`golden links of format ${version} open at the moment they were made at`, async ({ page }) => {
    test.slow(); // a page load per link, some with a whole scenario inline
    const golden = JSON.parse(readFileSync(`src/ui/links/v${version}.fixtures.json`, 'utf8')) as {
      links: {
        name: string;
        hash: string;
        expect: { scenario: string; playhead: number; packet: unknown };
      }[];
    };
    const problems = watchProblems(page);
    for (const f of golden.links.filter((l) => l.expect.scenario === 'same-bridge-hairpin')) {
      await page.goto('about:blank');
      await page.goto(`/${f.hash}`);
      await waitReady(page, f.expect.scenario);
      await expect(page.getByRole('slider', { name: 'Playhead' }), f.name).toHaveValue(
        String(f.expect.playhead),
      );
      const packet = page.getByRole('combobox', { name: 'Packet' });
      if (f.expect.packet === null) await expect(packet, f.name).toHaveValue('');
      else await expect(packet, f.name).not.toHaveValue('');
    }
    expect(problems).toEqual([]);
  });
