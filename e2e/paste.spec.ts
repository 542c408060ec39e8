import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { hairpinKubeNode, kubeServices } from '../bench/kubeRules';
import { openApp, selectScenario, waitReady, watchProblems } from './helpers';

// "Paste your own node" (issue 10): what a real machine printed, pasted into a new or an
// existing host. The small node is the capture of src/engine/import/testdata (README there).

const testdata = (f: string) =>
  readFileSync(new URL(`../src/engine/import/testdata/${f}`, import.meta.url), 'utf8');

const dialog = (page: Page) => page.getByRole('dialog', { name: /Paste your own node|粘贴你自己的节点/ });

async function openDialog(page: Page) {
  await page.getByRole('button', { name: 'Paste node' }).click();
  await expect(dialog(page)).toBeVisible();
  return dialog(page);
}

test('a small real node pasted into a new host appears with its interfaces, addresses and routes', async ({
  page,
}) => {
  const problems = watchProblems(page);
  await openApp(page);
  await selectScenario(page, 'same-bridge-hairpin');
  const d = await openDialog(page);
  await expect(d.getByRole('combobox', { name: 'Host' })).toHaveValue('');
  await d.getByRole('textbox', { name: 'New host name' }).fill('edge');
  await d.getByRole('textbox', { name: 'ip -j addr' }).fill(testdata('ip-d-addr.json'));
  await d.getByRole('textbox', { name: 'ip -j route' }).fill(testdata('ip-route.json'));
  await d.getByRole('textbox', { name: 'sysctl -a' }).fill(testdata('sysctl-a.txt'));
  await d.getByRole('textbox', { name: 'iptables-save' }).fill(testdata('iptables-save.txt'));
  await d.getByRole('button', { name: 'Import' }).click();
  await expect(d.getByRole('status', { name: 'Paste status' })).toContainText('Built edge', {
    timeout: 30_000,
  });
  await d.getByText(/Left out or kept/).click();
  await expect(d).toContainText('ip -j addr: 5 IPv6 addresses left out (the model is IPv4 only)');
  await d.getByRole('button', { name: 'Close' }).click();
  await expect(dialog(page)).toBeHidden();
  await waitReady(page);
  const topo = page.getByRole('region', { name: 'Topology' });
  for (const text of ['edge', 'br0', 'eth1', '10.244.1.1/24', '192.168.50.2/24'])
    await expect(topo).toContainText(text);
  // The host prints the routes of the namespace it was captured in, byte for byte.
  const box = page.getByRole('textbox', { name: 'command on edge' });
  await box.fill('ip route');
  await box.press('Enter');
  await expect(page.getByRole('region', { name: 'console edge' })).toContainText(
    'default via 192.168.50.1 dev eth1 \n10.50.0.0/16 via 192.168.50.254 dev eth1 metric 100',
  );
  expect(problems).toEqual([]);
});

test('a broken line is refused naming the paste and the line, and nothing changes', async ({ page }) => {
  await openApp(page);
  await selectScenario(page, 'same-bridge-hairpin');
  const d = await openDialog(page);
  await d.getByRole('combobox', { name: 'Host' }).selectOption('node');
  const ipt = d.getByRole('textbox', { name: 'iptables-save' });
  await ipt.fill(
    '*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp --dport 80 -j DNAT --to-destination\nCOMMIT\n',
  );
  await d.getByRole('button', { name: 'Import' }).click();
  const alert = d.getByRole('alert');
  await expect(alert).toContainText('iptables-save, line 3:');
  await expect(alert).toContainText('Nothing was changed.');
  await expect(ipt).toHaveAttribute('aria-invalid', 'true');
  // The line at fault is selected in its box.
  expect(
    await ipt.evaluate((el: HTMLTextAreaElement) => el.value.slice(el.selectionStart, el.selectionEnd)),
  ).toBe('-A PREROUTING -p tcp --dport 80 -j DNAT --to-destination');
  await d.getByRole('button', { name: 'Close' }).click();
  await expect(page.locator('.app')).toHaveAttribute('data-scenario', 'same-bridge-hairpin');
});

test('a 10,000-Service paste: progress while it is read, then the run and a packet traced through it', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const problems = watchProblems(page);
  await openApp(page);
  await selectScenario(page, 'same-bridge-hairpin');
  const rules = hairpinKubeNode(10_000);
  const lines = rules.split('\n').length - 1;
  const d = await openDialog(page);
  await d.getByRole('combobox', { name: 'Host' }).selectOption('node');
  const chooser = page.waitForEvent('filechooser');
  await d.getByRole('button', { name: 'Open files…' }).click();
  await (await chooser).setFiles({ name: 'node.rules', mimeType: 'text/plain', buffer: Buffer.from(rules) });
  await expect(d).toContainText(/node\.rules: [\d.]+ MB, from a file/);
  // Every status the dialog shows, as it shows it.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { pasteSeen: string[] }).pasteSeen = seen;
    const el = document.querySelector('.paste-dialog')!;
    new MutationObserver(() => {
      const s = el.querySelector('[aria-label="Paste status"]')?.textContent;
      if (s && seen.at(-1) !== s) seen.push(s);
    }).observe(el, { subtree: true, childList: true, characterData: true });
  });
  await d.getByRole('button', { name: 'Import' }).click();
  await expect(d.getByRole('status', { name: 'Paste status' })).toContainText('Built node', {
    timeout: 120_000,
  });
  const seen = await page.evaluate(() => (window as unknown as { pasteSeen: string[] }).pasteSeen);
  expect(
    seen.some((s) =>
      new RegExp(`^Reading iptables-save: line [\\d,]+ of ${lines.toLocaleString('en-US')}$`).test(s),
    ),
  ).toBe(true);
  expect(seen).toContain('Running the scenario with the new host…');
  await d.getByRole('button', { name: 'Close' }).click();
  await waitReady(page);
  // node kept its bridge-nf-call-iptables=0: the hairpin fails as in the built-in scenario,
  // now through kube-proxy's 10,000 Services.
  await expect(page.getByRole('region', { name: 'Outcome' })).toContainText(
    'pod-a -> 10.96.0.10:80 tcp failed',
  );
  await page.getByRole('combobox', { name: 'Packet' }).selectOption({ index: 1 });
  const path = page.getByRole('region', { name: 'Netfilter path' });
  await expect(path).toContainText('DNAT');
  await expect(path).toContainText(svcChainOf10());
  // The node's rules stay in the worker: the rules view asks for the lines it shows.
  const card = page.getByRole('article', { name: 'host node' });
  await card.locator('.rules summary').click();
  const shown = card.locator('.rules-lines');
  // The worker prints the whole text at the playhead first (about a second unloaded).
  await expect(shown).toContainText(':KUBE-FORWARD - [', { timeout: 30_000 });
  expect(Number(await shown.getAttribute('data-lines'))).toBeGreaterThan(100_000);
  await card.getByRole('combobox', { name: 'Rules view node' }).selectOption('nat');
  await expect(shown).toContainText('Chain PREROUTING (policy ACCEPT', { timeout: 30_000 });
  await card.screenshot({ path: 'test-results/paste-rules-node.png' });
  expect(problems).toEqual([]);
});

/** The KUBE-SVC chain of Service 10 in the generated node. */
function svcChainOf10(): string {
  return kubeServices(11)[10]!.svcChain;
}

test('the paste dialog is accessible in both languages and themes', async ({ page }) => {
  await openApp(page);
  for (const [lang, theme] of [
    ['en', 'light'],
    ['zh', 'dark'],
  ] as const) {
    await page.getByRole('combobox', { name: 'Language' }).selectOption(lang);
    await page.getByRole('combobox', { name: 'Theme' }).selectOption(theme);
    const d = await openDialog(page);
    await d.getByRole('textbox', { name: 'ip -j route' }).fill('[{"dst":"default","gateway":"10.9.9.9"}]');
    await d.getByRole('button', { name: 'Import' }).click();
    await expect(d.getByRole('alert')).toContainText('ip -j route');
    if (lang === 'zh') await expect(d).toContainText('没有做任何更改');
    const r = await new AxeBuilder({ page }).include('.paste-dialog').analyze();
    expect(r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
    await d.getByRole('button', { name: 'Close' }).click();
  }
});
