import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { openApp, selectScenario, setSwitch, waitReady, watchProblems } from './helpers';

// The editor (issue 10): a host's ruleset as iptables-save text with errors marked as you type,
// topology and traffic forms checked by the engine, undo/redo, the work kept in the browser,
// the saved scenario opened again.

const outcome = (page: Page) => page.getByRole('region', { name: 'Outcome' });
const editor = (page: Page) => page.getByRole('region', { name: 'Editor' });
const topology = (page: Page) => page.getByRole('region', { name: 'Topology' });

async function openEditor(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Editor' }).click();
  await expect(editor(page)).toBeVisible();
}

/** Presses End until the outcome says `text` (a re-run lands a moment after an edit). */
async function outcomeAtEnd(page: Page, text: string): Promise<void> {
  await expect(async () => {
    await page.getByRole('button', { name: 'End' }).click();
    await expect(outcome(page)).toContainText(text, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
}

async function addHost(page: Page, name: string): Promise<void> {
  const form = editor(page).getByRole('form', { name: 'Add a host' });
  await form.getByRole('textbox', { name: 'New host' }).fill(name);
  await form.getByRole('button', { name: 'Add host' }).click();
  await expect(editor(page).getByRole('combobox', { name: 'Host to edit' })).toHaveValue(name);
  await waitReady(page);
}

test("a ruleset typo is marked at its line with iptables-restore's message; fixed, the run follows", async ({
  page,
}) => {
  const problems = watchProblems(page);
  await openApp(page);
  await selectScenario(page, 'stateful-firewall');
  await outcomeAtEnd(page, 'peer -> 10.0.0.1:22 tcp failed');
  await openEditor(page);
  const box = editor(page).getByRole('textbox', { name: 'iptables-save on host' });
  const text = await box.inputValue();
  expect(text).toContain('-A INPUT -m conntrack --ctstate NEW -j DROP\n');

  await box.fill(text.replace('--ctstate NEW -j DROP', '--ctsate NEW -j ACCEPT'));
  await expect(box).toHaveAttribute('aria-invalid', 'true');
  // What iptables-restore 1.8.9 prints for this file on the kernel, at the line it names.
  await expect(box).toHaveAccessibleDescription(/unknown option "--ctsate"\s*Error occurred at line: 7/);
  await expect(editor(page).locator('.ed-ln.bad')).toHaveText('✖ 7');
  // The run keeps the last ruleset that parsed.
  await outcomeAtEnd(page, 'peer -> 10.0.0.1:22 tcp failed');

  await box.fill(text.replace('--ctstate NEW -j DROP', '--ctstate NEW -j ACCEPT'));
  await expect(box).not.toHaveAttribute('aria-invalid', 'true');
  await expect(editor(page).locator('.ed-ln.bad')).toHaveCount(0);
  await outcomeAtEnd(page, 'peer -> 10.0.0.1:22 tcp ok');
  await expect(page.getByRole('combobox', { name: 'Scenario' })).toHaveValue('');
  expect(problems).toEqual([]);
});

test('a host, a veth pair, an address, a route and traffic added with the forms; undo and redo', async ({
  page,
}) => {
  const problems = watchProblems(page);
  await openApp(page);
  await selectScenario(page, 'same-bridge-hairpin');
  await openEditor(page);
  const ed = editor(page);
  await addHost(page, 'pod-c');
  await expect(topology(page)).toContainText('pod-c');

  await ed.getByRole('combobox', { name: 'Host to edit' }).selectOption('node');
  const veth = ed.getByRole('form', { name: 'Add a veth pair' });
  await veth.getByRole('textbox', { name: 'This end' }).fill('veth-c');
  await veth.getByRole('combobox', { name: 'Bridge of this end' }).selectOption('cni0');
  await veth.getByRole('combobox', { name: 'Peer host' }).selectOption('pod-c');
  await veth.getByRole('textbox', { name: 'Peer end' }).fill('eth0');
  await veth.getByRole('button', { name: 'Add veth pair' }).click();
  await expect(ed.getByRole('group', { name: 'interface veth-c' })).toBeVisible();
  await waitReady(page);

  await ed.getByRole('combobox', { name: 'Host to edit' }).selectOption('pod-c');
  const addresses = ed
    .getByRole('group', { name: 'interface eth0' })
    .getByRole('textbox', { name: 'Addresses' });
  // The engine refuses an address it cannot read, at the field, and nothing changes.
  await addresses.fill('10.244.1.400/24');
  await addresses.press('Enter');
  await expect(addresses).toHaveAttribute('aria-invalid', 'true');
  await expect(addresses).toHaveAccessibleDescription(/hosts\[3\]\.interfaces\[1\]\.addresses\[0\]/);
  await addresses.fill('10.244.1.4/24');
  await addresses.press('Enter');
  await expect(addresses).not.toHaveAttribute('aria-invalid', 'true');
  await expect(topology(page)).toContainText('10.244.1.4/24');
  await waitReady(page);

  const route = ed.getByRole('form', { name: 'Add a route' });
  await route.getByRole('textbox', { name: 'New route destination' }).fill('default');
  await route.getByRole('textbox', { name: 'New route via' }).fill('10.244.1.1');
  await route.getByRole('button', { name: 'Add route' }).click();
  await expect(ed.getByRole('group', { name: 'route 1' })).toBeVisible();
  await waitReady(page);

  const traffic = ed.getByRole('form', { name: 'Add traffic' });
  await traffic.getByRole('combobox', { name: 'New traffic kind' }).selectOption('ping');
  await traffic.getByRole('combobox', { name: 'New traffic host' }).selectOption('pod-c');
  await traffic.getByRole('textbox', { name: 'New traffic target' }).fill('10.244.1.3');
  await traffic.getByRole('button', { name: 'Add traffic' }).click();
  await outcomeAtEnd(page, 'pod-c -> 10.244.1.3 icmp ok: 1/1 echo replies');

  // Undo takes the traffic item back, then the route; redo brings them back in order.
  await ed.getByRole('button', { name: 'Undo edit' }).click();
  await waitReady(page);
  await expect(ed.getByRole('group', { name: 'route 1' })).toBeVisible();
  await expect(outcome(page)).not.toContainText('pod-c ->');
  await ed.getByRole('button', { name: 'Undo edit' }).click();
  await expect(ed.getByRole('group', { name: 'route 1' })).toHaveCount(0);
  await waitReady(page);
  // Keyboard: Ctrl+Shift+Z redoes (focus outside a text field), twice.
  await ed.getByRole('button', { name: 'Undo edit' }).focus();
  await page.keyboard.press('Control+Shift+Z');
  await expect(ed.getByRole('group', { name: 'route 1' })).toBeVisible();
  await waitReady(page);
  await page.keyboard.press('Control+Shift+Z');
  await outcomeAtEnd(page, 'pod-c -> 10.244.1.3 icmp ok');
  await expect(ed.getByRole('button', { name: 'Redo edit' })).toBeDisabled();
  expect(problems).toEqual([]);
});

test('a reload keeps the work and its undo history, a bad link shows its error and loses nothing, the saved JSON opens again', async ({
  page,
}) => {
  test.slow(); // reloads
  const problems = watchProblems(page);
  await openApp(page);
  await selectScenario(page, 'same-bridge-hairpin');
  await setSwitch(page, 'node', 'net.bridge.bridge-nf-call-iptables', true);
  await openEditor(page);
  await addHost(page, 'pod-z');
  for (let i = 0; i < 5; i++) await page.getByRole('button', { name: 'Step', exact: true }).click();
  const counter = page.locator('.timeline');
  const at = (await counter.textContent())!.match(/event \d+ \/ \d+/)![0];

  await page.reload();
  await waitReady(page);
  await expect(topology(page)).toContainText('pod-z');
  await expect(
    page
      .getByRole('group', { name: 'node' })
      .getByRole('switch', { name: 'net.bridge.bridge-nf-call-iptables' }),
  ).toHaveAttribute('aria-checked', 'true');
  await expect(counter).toContainText(at);
  // The undo history came back with the work: Undo edit takes pod-z away, Redo edit brings it.
  if (!(await editor(page).isVisible())) await openEditor(page);
  await editor(page).getByRole('button', { name: 'Undo edit' }).click();
  await waitReady(page);
  await expect(topology(page)).not.toContainText('pod-z');
  await editor(page).getByRole('button', { name: 'Redo edit' }).click();
  await waitReady(page);
  await expect(topology(page)).toContainText('pod-z');
  await expect(editor(page).getByRole('button', { name: 'Redo edit' })).toBeDisabled();

  // A bad link: its error, and the work as it was.
  await page.goto('/#v=2&doc=not-a-scenario');
  await waitReady(page);
  await expect(page.getByRole('alert').first()).toContainText(
    'This link could not be opened (the scenario in the link is corrupt). Your last work is shown instead',
  );
  await expect(topology(page)).toContainText('pod-z');
  await page.reload();
  await waitReady(page);
  await expect(topology(page)).toContainText('pod-z');

  // Save scenario JSON, another scenario, Open JSON: the same work back.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Save scenario JSON' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('same-bridge-hairpin-scenario.json');
  const file = await download.path();
  await selectScenario(page, 'host-conntrack');
  await expect(topology(page)).not.toContainText('pod-z');
  await page.getByLabel('Scenario file').setInputFiles(file!);
  await waitReady(page);
  await expect(topology(page)).toContainText('pod-z');
  // A reload aborts whatever the old page was still loading (its icon): that is not a problem.
  expect(problems.filter((p) => !/^requestfailed: .* net::ERR_ABORTED$/.test(p))).toEqual([]);
});

for (const theme of ['light', 'dark'] as const)
  for (const lang of ['en', 'zh'] as const)
    test(`the editor has no serious or critical axe violations (${theme}, ${lang})`, async ({ page }) => {
      await openApp(page);
      await selectScenario(page, 'same-bridge-hairpin');
      await page.getByRole('combobox', { name: 'Theme' }).selectOption(theme);
      await page.getByRole('combobox', { name: 'Language' }).selectOption(lang);
      await openEditor(page);
      // With an error showing at a line, and one at a field.
      const box = editor(page).getByRole('textbox', { name: 'iptables-save on node' });
      await box.fill(`${await box.inputValue()}-A FORWARD -j NOPE\n`);
      await expect(box).toHaveAttribute('aria-invalid', 'true');
      const host = editor(page).getByRole('textbox', { name: 'Host name' });
      await host.fill('Bad Name');
      await host.press('Enter');
      await expect(host).toHaveAttribute('aria-invalid', 'true');
      const r = await new AxeBuilder({ page })
        .include('.editor-panel')
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
        .analyze();
      const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(
        bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
      ).toEqual([]);
    });

test('a node pasted into the scenario shows in the editor, and Undo edit takes the paste back', async ({
  page,
}) => {
  const problems = watchProblems(page);
  const testdata = (f: string) =>
    readFileSync(new URL(`../src/engine/import/testdata/${f}`, import.meta.url), 'utf8');
  await openApp(page);
  await selectScenario(page, 'same-bridge-hairpin');
  await page.getByRole('button', { name: 'Paste node' }).click();
  const d = page.getByRole('dialog', { name: 'Paste your own node' });
  await d.getByRole('textbox', { name: 'New host name' }).fill('edge');
  await d.getByRole('textbox', { name: 'ip -j addr' }).fill(testdata('ip-d-addr.json'));
  await d.getByRole('textbox', { name: 'iptables-save' }).fill(testdata('iptables-save.txt'));
  await d.getByRole('button', { name: 'Import' }).click();
  await expect(d.getByRole('status', { name: 'Paste status' })).toContainText('Built edge', {
    timeout: 30_000,
  });
  await d.getByRole('button', { name: 'Close' }).click();
  await waitReady(page);
  await expect(topology(page)).toContainText('edge');

  await openEditor(page);
  await editor(page).getByRole('combobox', { name: 'Host to edit' }).selectOption('edge');
  const rules = await editor(page).getByRole('textbox', { name: 'iptables-save on edge' }).inputValue();
  expect(rules).toContain('COMMIT');
  await editor(page).getByRole('button', { name: 'Undo edit' }).click();
  await waitReady(page);
  await expect(topology(page)).not.toContainText('edge');
  await editor(page).getByRole('button', { name: 'Redo edit' }).click();
  await waitReady(page);
  await expect(topology(page)).toContainText('edge');
  expect(problems).toEqual([]);
});

test("native nftables edited with nft -f -'s error at its line; a tcp-session with its actions and a tcp-inject added with the forms", async ({
  page,
}) => {
  test.slow(); // a dozen runs
  const problems = watchProblems(page);
  await openApp(page);
  await selectScenario(page, 'same-bridge-hairpin');
  await setSwitch(page, 'node', 'net.bridge.bridge-nf-call-iptables', true);
  await openEditor(page);
  const ed = editor(page);
  await ed.getByRole('combobox', { name: 'Host to edit' }).selectOption('pod-b');
  // pod-b has no nftables: the section is folded; opened, its ruleset is typed in.
  await ed.getByRole('group', { name: 'nftables' }).locator('summary').click();
  const nft = ed.getByRole('textbox', { name: 'nft list ruleset on pod-b' });
  const drop =
    'table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\ttcp dport 8080 drop\n\t}\n}\n';
  await nft.fill(drop.replace('drop\n', 'dorp\n'));
  await expect(nft).toHaveAttribute('aria-invalid', 'true');
  // What nft -f - prints for this text on the kernel (nftables 1.0.6), at the line it names.
  await expect(nft).toHaveAccessibleDescription(
    /\/dev\/stdin:4:22-22: Error: syntax error, unexpected newline/,
  );
  await expect(ed.locator('.ed-ln.bad')).toHaveText('✖ 4');
  await outcomeAtEnd(page, 'pod-a -> 10.96.0.10:80 tcp ok');
  await nft.fill(drop);
  await expect(nft).not.toHaveAttribute('aria-invalid', 'true');
  await outcomeAtEnd(page, 'pod-a -> 10.96.0.10:80 tcp failed');
  await ed.getByRole('button', { name: 'Undo edit' }).click();
  await waitReady(page);
  await outcomeAtEnd(page, 'pod-a -> 10.96.0.10:80 tcp ok');

  const traffic = ed.getByRole('form', { name: 'Add traffic' });
  await traffic.getByRole('combobox', { name: 'New traffic kind' }).selectOption('tcp-session');
  await traffic.getByRole('combobox', { name: 'New traffic host' }).selectOption('pod-a');
  await traffic.getByRole('textbox', { name: 'New traffic target' }).fill('10.244.1.3:8080');
  await traffic.getByRole('button', { name: 'Add traffic' }).click();
  await outcomeAtEnd(
    page,
    'pod-a -> 10.244.1.3:8080 tcp ok: connected to 10.244.1.3:8080, 1 of 1 message answered',
  );
  const session = ed.getByRole('group', { name: 'traffic 3' });
  await expect(session.getByRole('textbox', { name: 'Source port' })).toHaveValue('40000');
  const actions = session.getByRole('group', { name: 'actions of traffic 3' });
  await actions.getByRole('textbox', { name: 'New action at' }).fill('1500');
  await actions.getByRole('textbox', { name: 'New action text' }).fill('again\\n');
  await actions.getByRole('button', { name: 'Add action' }).click();
  await outcomeAtEnd(page, '2 of 2 messages answered');
  await expect(actions.getByRole('textbox', { name: 'Action 3 send' })).toHaveValue('again\\n');
  // An action's time the engine refuses is marked at its field, and nothing changes.
  const at = actions.getByRole('textbox', { name: 'Action 1 at' });
  await at.fill('-5');
  await at.press('Enter');
  await expect(at).toHaveAttribute('aria-invalid', 'true');
  await expect(at).toHaveAccessibleDescription(/traffic\[2\]\.actions\[0\]\.at/);
  await at.press('Escape');
  await expect(at).toHaveValue('1000');

  await traffic.getByRole('combobox', { name: 'New traffic kind' }).selectOption('tcp-inject');
  await traffic.getByRole('textbox', { name: 'New traffic target' }).fill('10.244.1.3:8080');
  await traffic.getByRole('button', { name: 'Add traffic' }).click();
  await waitReady(page);
  const inject = ed.getByRole('group', { name: 'traffic 4' });
  await expect(inject.getByRole('textbox', { name: 'Seq' })).toHaveValue('snd_nxt', { timeout: 30_000 });
  const seq = inject.getByRole('textbox', { name: 'Seq' });
  await seq.fill('snd_nxt+1073741824');
  await seq.press('Enter');
  await expect(seq).not.toHaveAttribute('aria-invalid', 'true');
  await waitReady(page);
  // The console (in the editor's place when it closes) shows the crafted segment on the wire.
  await page.getByRole('button', { name: 'Editor' }).click();
  await page.getByRole('button', { name: 'End' }).click();
  await page.getByRole('textbox', { name: 'command on pod-b' }).fill('tcpdump -n -i eth0 port 40000');
  await page.getByRole('textbox', { name: 'command on pod-b' }).press('Enter');
  await expect(page.getByRole('region', { name: 'console pod-b' })).toContainText('Flags [P.], seq');
  expect(problems).toEqual([]);
});
