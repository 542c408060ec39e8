import { readFileSync } from 'node:fs';
import { expect, type Locator, type Page, test } from '@playwright/test';
import { parseScenario } from '../src/engine';
import { waitReady, watchProblems } from './helpers';

// Exports (issue 10): each button clicked as a person would, each file read back.

async function saved(page: Page, button: Locator): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), bytes: readFileSync(path) };
}

async function type(page: Page, host: string, line: string): Promise<void> {
  const box = page.getByRole('textbox', { name: `command on ${host}` });
  await box.fill(line);
  await box.press('Enter');
}

/** The output the console printed for its last line on `host`. */
async function lastOutput(page: Page, host: string, line: string): Promise<string> {
  const entry = page
    .getByRole('region', { name: `console ${host}` })
    .locator('.console-entry')
    .last();
  await expect(entry.locator('.console-cmd')).toHaveText(`${host}$ ${line}`);
  return (await entry.locator('pre').textContent()) ?? '';
}

/**
 * Parses an SVG document in a blank page (the app's own page would report the file's style
 * rules to its CSP listener): its root's name, a parse error if any, and its text.
 */
async function parseSvg(page: Page, text: string) {
  const blank = await page.context().newPage();
  const out = await blank.evaluate((t) => {
    const doc = new DOMParser().parseFromString(t, 'image/svg+xml');
    return {
      root: doc.documentElement.nodeName,
      error: doc.querySelector('parsererror')?.textContent ?? '',
      text: doc.documentElement.textContent ?? '',
    };
  }, text);
  await blank.close();
  return out;
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

test('exports: the scenario with its changes, a host files as its tools print them, topology and pipeline as SVG and PNG', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(`${e.effectiveDirective} ${e.blockedURI}`),
    );
  });
  const problems = watchProblems(page);
  await page.goto('/#v=1&s=same-bridge-hairpin&set=node:net.bridge.bridge-nf-call-iptables=1&at=0');
  await waitReady(page, 'same-bridge-hairpin');

  // A change from the console, so the scenario file has one to carry.
  const change = 'iptables -A FORWARD -s 10.9.9.9/32 -j DROP';
  await type(page, 'node', change);
  await expect(page.getByRole('region', { name: 'Changes' }).getByRole('listitem')).toHaveCount(1);
  await waitReady(page);
  await page.getByRole('button', { name: 'End' }).click();

  const json = await saved(page, page.getByRole('button', { name: 'Save scenario JSON' }));
  expect(json.name).toBe('same-bridge-hairpin-scenario.json');
  const parsed = parseScenario(JSON.parse(json.bytes.toString('utf8')), json.name);
  if (!parsed.ok) throw new Error(parsed.error);
  expect(parsed.scenario.changes.map((c) => [c.host, c.command])).toEqual([['node', change]]);
  // The switch as it was on screen is in the file.
  const node = parsed.scenario.hosts.find((h) => h.name === 'node')!;
  expect(node.sysctls['net.bridge.bridge-nf-call-iptables']).toBe('1');

  // Each host file is the tool's stdout, as the console prints it at this moment.
  const card = page.getByRole('article', { name: 'host node' });
  for (const [button, line, file] of [
    ['Save iptables-save', 'iptables-save', 'same-bridge-hairpin-node-iptables-save.txt'],
    ['Save conntrack -L', 'conntrack -L', 'same-bridge-hairpin-node-conntrack-L.txt'],
    [
      'Save /proc/net/nf_conntrack',
      'cat /proc/net/nf_conntrack',
      'same-bridge-hairpin-node-nf_conntrack.txt',
    ],
  ] as const) {
    const f = await saved(page, card.getByRole('button', { name: button, exact: true }));
    expect(f.name).toBe(file);
    const text = f.bytes.toString('utf8');
    expect(text.length, file).toBeGreaterThan(20);
    await type(page, 'node', line);
    const shown = await lastOutput(page, 'node', line);
    if (line === 'conntrack -L') {
      // The console shows stderr's summary line too; the file holds what `> file` would.
      expect(shown).toBe(`${text}conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n`);
      expect(text).toContain('[ASSURED]');
    } else expect(text).toBe(shown);
  }
  expect(
    (await saved(page, card.getByRole('button', { name: 'Save iptables-save' }))).bytes.toString(),
  ).toContain('-A FORWARD -s 10.9.9.9/32 -j DROP');

  await page.getByRole('combobox', { name: 'Pipeline host' }).selectOption('node');
  for (const [what, names] of [
    ['topology', ['node', 'pod-a', 'pod-b', 'cni0']],
    ['pipeline', ['pipeline node', 'PREROUTING', 'POSTROUTING']],
  ] as const) {
    const svg = await saved(page, page.getByRole('button', { name: `Save ${what} SVG` }));
    expect(svg.name).toMatch(/\.svg$/);
    const doc = await parseSvg(page, svg.bytes.toString('utf8'));
    expect(doc.error).toBe('');
    expect(doc.root).toBe('svg');
    for (const n of names) expect(doc.text, `${what} SVG names ${n}`).toContain(n);
    // Self-contained: nothing it would fetch.
    expect(svg.bytes.toString('utf8')).not.toMatch(/(href|src)="(?!data:|#)/);
    const png = await saved(page, page.getByRole('button', { name: `Save ${what} PNG` }));
    expect(png.name).toMatch(/\.png$/);
    expect(png.bytes.subarray(0, 8).equals(PNG), `${what} PNG signature`).toBe(true);
    expect(png.bytes.length, `${what} PNG size`).toBeGreaterThan(10_000);
  }
  expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
  expect(problems).toEqual([]);
});
