import { expect, type Page, test } from '@playwright/test';
import { openApp, selectScenario, waitReady, watchProblems } from './helpers';

// The console on every host (issue 10): commands typed as on the machine, changes that join
// the scenario at the playhead, undo/redo, and a share link that carries them.

async function type(page: Page, host: string, line: string): Promise<void> {
  const box = page.getByRole('textbox', { name: `command on ${host}` });
  await box.fill(line);
  await box.press('Enter');
}

const changes = (page: Page) => page.getByRole('region', { name: 'Changes' }).getByRole('listitem');

test('the hairpin fixed from the console: sysctl -w at the start, the connection succeeds, the link carries it', async ({
  page,
  context,
}) => {
  const problems = watchProblems(page);
  await openApp(page);
  await selectScenario(page, 'same-bridge-hairpin');
  await page.getByRole('button', { name: 'End' }).click();
  await expect(page.getByRole('region', { name: 'Outcome' })).toContainText('tcp failed');
  await page.getByRole('button', { name: 'Restart' }).click();
  await type(page, 'node', 'sysctl -w net.bridge.bridge-nf-call-iptables=1');
  const out = page.getByRole('region', { name: 'console node' });
  await expect(out).toContainText('net.bridge.bridge-nf-call-iptables = 1');
  await expect(changes(page)).toHaveCount(1);
  await expect(changes(page).first()).toContainText('node$ sysctl -w net.bridge.bridge-nf-call-iptables=1');
  await waitReady(page);
  await page.getByRole('button', { name: 'End' }).click();
  await expect(page.getByRole('region', { name: 'Outcome' })).toContainText('tcp ok');
  await type(page, 'node', 'conntrack -L');
  await expect(out).toContainText('[ASSURED]');
  await expect(out).toContainText('conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.');
  await type(page, 'node', 'sysctl net.bridge.bridge-nf-call-iptables');
  await expect(out).toContainText('net.bridge.bridge-nf-call-iptables = 1\n');

  await page.getByRole('button', { name: 'Share' }).click();
  const link = await page.getByRole('textbox', { name: 'Share link' }).inputValue();
  // The built-in scenario by its id and the command beside it, not the whole scenario again.
  expect(link).toMatch(/#v=3&s=same-bridge-hairpin&chg=[^&]+&/);
  expect(link).not.toContain('doc=');
  const other = await context.newPage();
  const otherProblems = watchProblems(other);
  await other.goto(link);
  await waitReady(other, 'same-bridge-hairpin');
  await other.getByRole('button', { name: 'End' }).click();
  await expect(other.getByRole('region', { name: 'Outcome' })).toContainText('tcp ok');
  await expect(changes(other)).toHaveCount(1);
  await expect(changes(other).first()).toContainText('sysctl -w net.bridge.bridge-nf-call-iptables=1');
  // The link reproduces the run, not only the list: the entry is [ASSURED] there too, and the
  // client's socket sits in TIME-WAIT.
  await type(other, 'node', 'conntrack -L');
  await expect(other.getByRole('region', { name: 'console node' })).toContainText('[ASSURED]');
  await type(other, 'pod-a', 'ss -tan');
  await expect(other.getByRole('region', { name: 'console pod-a' })).toContainText(
    'TIME-WAIT 0      0         10.244.1.2:',
  );
  expect(problems).toEqual([]);
  expect(otherProblems).toEqual([]);
});

test('a rule added and deleted, an error message, undo and redo', async ({ page }) => {
  const problems = watchProblems(page);
  await openApp(page);
  await selectScenario(page, 'same-bridge-hairpin');
  await page.getByRole('button', { name: 'Restart' }).click();
  const out = page.getByRole('region', { name: 'console node' });
  const box = page.getByRole('textbox', { name: 'command on node' });

  await type(page, 'node', 'iptables -t nat -I PREROUTING -p tcp -j ACCEPT');
  await expect(changes(page)).toHaveCount(1);
  await waitReady(page);
  await type(page, 'node', 'iptables -t nat -S PREROUTING');
  await expect(out).toContainText('-A PREROUTING -p tcp -j ACCEPT');

  await type(page, 'node', 'iptables -t nat -D PREROUTING 1');
  await expect(changes(page)).toHaveCount(2);
  await waitReady(page);
  await out.evaluate((el) => {
    el.textContent = '';
  });
  await type(page, 'node', 'iptables -t nat -S PREROUTING');
  await expect(out).toContainText(
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  );
  await expect(out).not.toContainText('-A PREROUTING -p tcp -j ACCEPT');

  await type(page, 'node', 'iptables -A FOO -j ACCEPT');
  await expect(out).toContainText('iptables: No chain/target/match by that name.');
  await expect(changes(page)).toHaveCount(2);
  await type(page, 'node', 'frobnicate');
  await expect(out).toContainText('frobnicate: command not found (known: bridge, cat, conntrack');

  // History: the last line comes back with the up arrow; Tab completes.
  await box.press('ArrowUp');
  await expect(box).toHaveValue('frobnicate');
  await box.fill('conntr');
  await box.press('Tab');
  await expect(box).toHaveValue('conntrack ');

  await page.getByRole('button', { name: 'Undo', exact: true }).click();
  await expect(changes(page)).toHaveCount(1);
  await waitReady(page);
  await page.getByRole('button', { name: 'Redo', exact: true }).click();
  await expect(changes(page)).toHaveCount(2);
  await waitReady(page);
  await page.getByRole('button', { name: 'Remove change 2' }).click();
  await expect(changes(page)).toHaveCount(1);
  await expect(changes(page).first()).toContainText('iptables -t nat -I PREROUTING -p tcp -j ACCEPT');
  await waitReady(page);
  expect(problems).toEqual([]);
});

test('the pcap of an interface downloads as a pcap file', async ({ page }) => {
  const problems = watchProblems(page);
  await openApp(page);
  await selectScenario(page, 'same-bridge-hairpin');
  const podA = page.locator('.console-host', {
    has: page.getByRole('textbox', { name: 'command on pod-a' }),
  });
  await podA.getByRole('combobox', { name: 'Interface' }).selectOption('eth0');
  await expect(podA.getByRole('button', { name: 'Save pcap' })).toHaveAccessibleDescription('pod-a');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    podA.getByRole('button', { name: 'Save pcap' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('same-bridge-hairpin-pod-a-eth0.pcap');
  const path = await download.path();
  const bytes = (await import('node:fs')).readFileSync(path!);
  expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
  expect(bytes.readUInt32LE(20)).toBe(1);
  expect(bytes.length).toBeGreaterThan(24 + 16 + 42);
  expect(problems).toEqual([]);
});

test('nft on an iptables host: the tables iptables-nft made, in the console and the rules view', async ({
  page,
}) => {
  const problems = watchProblems(page);
  await openApp(page);
  await selectScenario(page, 'same-bridge-hairpin');
  await page.getByRole('button', { name: 'End' }).click();
  await type(page, 'node', 'nft list table ip nat');
  const out = page.getByRole('region', { name: 'console node' });
  // nft's warning (stderr) comes before the table it is about, as in a terminal.
  await expect(out).toContainText(
    '# Warning: table ip nat is managed by iptables-nft, do not touch!\ntable ip nat {\n\tchain PREROUTING {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t\t counter packets 1 bytes 60 jump KUBE-SERVICES',
  );
  await expect(out).toContainText('meta l4proto tcp   counter packets 1 bytes 60 dnat to 10.244.1.3:8080');
  await type(page, 'node', 'nft list chain ip nat NOSUCH');
  await expect(out).toContainText(
    'Error: No such file or directory\nlist chain ip nat NOSUCH\n                  ^^^^^^',
  );
  const host = page.getByRole('article', { name: 'host node' });
  await host.locator('details.rules > summary').click();
  await host.getByRole('combobox', { name: 'Rules view node' }).selectOption('nft');
  await expect(host.locator('.rules-text')).toContainText('table ip filter {');
  await expect(host.locator('.rules-text')).toContainText(
    ' counter packets 1 bytes 60 jump KUBE-POSTROUTING',
  );
  expect(problems).toEqual([]);
});
