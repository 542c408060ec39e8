import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { parseScenario, runScenario } from '../src/engine';
import type { TimelineEvent } from '../src/engine/timeline/events';
import lz from 'lz-string';
import { waitReady, watchProblems } from './helpers';

// Issue 12: the packet at the playhead as `nft monitor trace` prints it (the path panel's tab and
// the console), and nft base chains in the pipeline and the path at their priorities, between
// the iptables tables and the kernel's own hook functions.

function scenarioJson(id: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../src/scenarios/${id}.json`, import.meta.url), 'utf8'));
}

function events(json: unknown, settings: Record<string, string>): readonly TimelineEvent[] {
  const r = parseScenario(json, 'scenario.json');
  if (!r.ok) throw new Error(r.error);
  return runScenario(r.scenario, { settings }).events;
}

function link(id: string, settings: Record<string, string>, at: number): string {
  const p = new URLSearchParams({ v: '1', s: id });
  for (const [k, v] of Object.entries(settings)) p.append('set', `${k}=${v}`);
  p.set('at', String(at));
  return `/#${p}`;
}

/** The accessible names of a hook's functions in the pipeline, in the order drawn. */
async function fnsAt(page: Page, host: string, hook: string): Promise<string[]> {
  const region = page.getByRole('region', { name: `pipeline ${host}` });
  return region
    .getByLabel(new RegExp(` ${hook}$`))
    .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
}

test('the nft monitor trace tab shows the SYN on node-nft as nft prints it, verdict map and DNAT', async ({
  page,
}) => {
  const problems = watchProblems(page);
  const evs = events(scenarioJson('iptables-vs-nftables'), {});
  const dnat = evs.findIndex((e) => e.type === 'rewrite' && e.what === 'DNAT' && e.host === 'node-nft');
  await page.goto(link('iptables-vs-nftables', {}, dnat + 1));
  await waitReady(page, 'iptables-vs-nftables');
  const panel = page.getByRole('region', { name: 'Netfilter path' });
  await panel.getByRole('tab', { name: 'nft monitor trace' }).click();
  await expect(panel.getByRole('tab', { name: 'nft monitor trace' })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  const trace = panel.getByRole('tabpanel', { name: 'nft monitor trace' });
  await expect(trace).toContainText(
    /trace id [0-9a-f]{8} ip kube-proxy nat-prerouting packet: iif "cni0" ether saddr \S+ ether daddr \S+ ip saddr 10\.244\.2\.2 ip daddr 10\.96\.0\.10 /,
  );
  await expect(trace).toContainText(
    /ip kube-proxy endpoint-\w+-default\/web\/tcp\/http__10\.244\.2\.3\/8080 rule meta l4proto tcp dnat to 10\.244\.2\.3:8080 \(verdict accept\)/,
  );
  // The line of the playhead's event is the current one; lines after it are still to come.
  await expect(trace.locator('li li.now')).toContainText('dnat to 10.244.2.3:8080 (verdict accept)');
  await expect(trace.locator('li li.future').first()).toContainText('filter-forward');
  await page.screenshot({ path: 'test-results/nft-trace-tab.png' });
  // Back to the path.
  await panel.getByRole('tab', { name: 'Netfilter path' }).click();
  await expect(panel.getByRole('tabpanel', { name: 'nft monitor trace' })).toHaveCount(0);
  await expect(panel).toContainText('kube-proxy nat-prerouting');
  await page.screenshot({ path: 'test-results/nft-trace-path.png' });
  expect(problems).toEqual([]);
});

test('the console prints nft monitor trace up to the playhead', async ({ page }) => {
  const evs = events(scenarioJson('iptables-vs-nftables'), {});
  const dnat = evs.findIndex((e) => e.type === 'rewrite' && e.what === 'DNAT' && e.host === 'node-nft');
  await page.goto(link('iptables-vs-nftables', {}, dnat + 1));
  await waitReady(page, 'iptables-vs-nftables');
  const box = page.getByRole('textbox', { name: 'command on node-nft' });
  await box.fill('nft monitor trace');
  await box.press('Enter');
  const out = page.getByRole('region', { name: 'console node-nft' });
  await expect(out).toContainText(
    'ip kube-proxy services rule ip daddr . meta l4proto . th dport vmap @service-ips',
  );
  // The monitor has printed up to the playhead: its last line is the DNAT rule of pod-2's SYN.
  await expect(out).toContainText(/dnat to 10\.244\.2\.3:8080 \(verdict accept\)\s*$/);
});

for (const [id, host, settings] of [
  ['same-bridge-hairpin', 'node', { 'node:kube-proxy-mode': 'nftables' }],
  ['node-port-snat', 'node-1', { 'kube-proxy-mode': 'nftables' }],
] as const)
  test(`${id} kube-proxy-mode=nftables: kube-proxy's base chains in the pipeline at their priorities`, async ({
    page,
  }) => {
    await page.goto(link(id, settings, 0));
    await waitReady(page, id);
    await page.getByRole('combobox', { name: 'Pipeline host' }).selectOption(host);
    // dstnat - 10 runs after conntrack (-200) and before the NAT core (-100).
    await expect
      .poll(() => fnsAt(page, host, 'PREROUTING'))
      .toEqual([
        'conntrack PREROUTING',
        'kube-proxy filter-prerouting-pre-dnat PREROUTING',
        'nat PREROUTING',
      ]);
    await expect
      .poll(() => fnsAt(page, host, 'OUTPUT'))
      .toEqual([
        'conntrack OUTPUT',
        'kube-proxy filter-output-pre-dnat OUTPUT',
        'nat OUTPUT',
        'kube-proxy filter-output OUTPUT',
      ]);
    await expect.poll(() => fnsAt(page, host, 'FORWARD')).toEqual(['kube-proxy filter-forward FORWARD']);
  });

test('an nft base chain beside iptables tables: drawn and walked between them by priority', async ({
  page,
}) => {
  const json = scenarioJson('same-bridge-hairpin');
  const hosts = json.hosts as Record<string, unknown>[];
  const node = hosts.find((h) => h.name === 'node')!;
  // mangle (-150) added to the node's iptables (it has nat and filter (0)); an inet table with chains at -160 and -10.
  node.iptables_save = `${String(node.iptables_save)}*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n`;
  node.nft_ruleset =
    'table inet lab {\n\tchain pre {\n\t\ttype filter hook prerouting priority mangle - 10; policy accept;\n\t}\n\n\tchain fwd {\n\t\ttype filter hook forward priority filter - 10; policy accept;\n\t\tcounter\n\t}\n}\n';
  json.id = 'nft-beside-iptables';
  const settings = { 'node:net.bridge.bridge-nf-call-iptables': '1' };
  const evs = events(json, settings);
  const fwd = evs.findIndex((e) => e.type === 'chain' && e.table === 'lab' && e.chain === 'fwd');
  expect(fwd).toBeGreaterThan(0);
  // A share link with the whole scenario in it, as the app writes one (src/ui/shareLink.ts).
  const p = new URLSearchParams({ v: '2', doc: lz.compressToEncodedURIComponent(JSON.stringify(json)) });
  for (const [k, v] of Object.entries(settings)) p.append('set', `${k}=${v}`);
  p.set('ix', String(fwd + 1));
  const hash = p.toString();
  await page.goto(`/#${hash}`);
  await waitReady(page);
  await page.getByRole('combobox', { name: 'Pipeline host' }).selectOption('node');
  await expect
    .poll(() => fnsAt(page, 'node', 'PREROUTING'))
    .toEqual(['conntrack PREROUTING', 'lab pre PREROUTING', 'mangle PREROUTING', 'nat PREROUTING']);
  await expect
    .poll(() => fnsAt(page, 'node', 'FORWARD'))
    .toEqual(['mangle FORWARD', 'lab fwd FORWARD', 'filter FORWARD']);
  // The path lists the chains walked at FORWARD in the same order.
  const path = page.getByRole('region', { name: 'Netfilter path' });
  const chains = await path.locator('.chain').allTextContents();
  const i = chains.indexOf('lab fwd');
  expect(chains.slice(i - 1, i + 2)).toEqual(['mangle FORWARD', 'lab fwd', 'filter FORWARD']);
  await page.screenshot({ path: 'test-results/nft-beside-iptables.png' });
});
