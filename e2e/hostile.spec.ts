// The hostile inputs of issue 8 that reach a browser, as share links: the tab survives each,
// says what happened, and a built-in scenario picked afterwards runs.
import { expect, type Page, test } from '@playwright/test';
import lz from 'lz-string';
import { hostileCases } from '../src/cli/testdata/hostile';
import { lzBomb } from '../src/ui/links/lzBomb';
import { waitReady, watchProblems } from './helpers';

const linkOf = (text: string) => `/#v=1&doc=${lz.compressToEncodedURIComponent(text)}`;
const caseText = (name: string) => hostileCases.find((c) => c.name === name)!.text;

/** The app answers again: a built-in scenario runs to its outcome within 20 s. */
async function pickBuiltin(page: Page): Promise<void> {
  await page.getByRole('combobox', { name: 'Scenario' }).selectOption('host-conntrack');
  await expect(page.locator('.app')).toHaveAttribute('data-scenario', 'host-conntrack', { timeout: 20_000 });
  await expect(page.locator('.app')).toHaveAttribute('data-phase', 'ready', { timeout: 20_000 });
  await page.getByRole('button', { name: 'End' }).click();
  await expect(page.getByRole('region', { name: 'Outcome' })).toContainText(/\bok\b/);
}

for (const [name, says] of [
  ['l2-loop-bridges', /storm: stopped after \d+ frames/],
  ['l2-loop-hosts', /storm: stopped after \d+ frames/],
  ['veth-loop-hairpin', /storm: stopped after \d+ frames/],
  ['jump-tree-15', /budget: stopped after 200000 rule evaluations/],
] as const)
  test(`${name}: the run ends at its budget with a message, the views show it, the tab lives on`, async ({
    page,
  }) => {
    const problems = watchProblems(page);
    await page.goto(linkOf(caseText(name)));
    await waitReady(page);
    await expect(page.getByRole('alert')).toContainText(says);
    await expect(page.getByRole('alert')).toContainText('The views show what happened up to there');
    await pickBuiltin(page);
    expect(problems).toEqual([]);
  });

// The rest of the runner's hostile cases, as links (a `--set` becomes a `set=` parameter): the
// tab lives on and a built-in scenario runs afterwards. What the engine answers to each (a
// refusal in the kernel's words, a budget, a clean run) is tested on the runner, src/cli.
const OWN_TESTS = new Set([
  'l2-loop-bridges',
  'l2-loop-hosts',
  'veth-loop-hairpin',
  'jump-tree-15',
  'json-nested-100000',
  'udp-flood-300k-interval-0',
  'udp-flood-300k-interval-1',
]);
for (const c of hostileCases.filter((x) => !OWN_TESTS.has(x.name)))
  test(`${c.name}: the tab lives on, a built-in scenario runs afterwards`, async ({ page }) => {
    const problems = watchProblems(page);
    const sets = (c.args ?? []).flatMap((a, i, all) =>
      all[i - 1] === '--set' ? [`&set=${encodeURIComponent(a)}`] : [],
    );
    await page.goto(`${linkOf(c.text)}${sets.join('')}`);
    await expect(page.locator('.app')).toHaveAttribute('data-phase', 'ready', { timeout: 20_000 });
    await pickBuiltin(page);
    expect(problems).toEqual([]);
  });

test('deeply nested JSON in a link: refused before it reaches postMessage, with the place named', async ({
  page,
}) => {
  const problems = watchProblems(page);
  await page.goto(linkOf(caseText('json-nested-100000')));
  await waitReady(page, 'same-bridge-hairpin');
  await expect(page.getByRole('alert')).toContainText('nested deeper than 64 levels at hosts[0][0]');
  await pickBuiltin(page);
  expect(problems).toEqual([]);
});

test('a 64 kB link that would inflate to hundreds of millions of characters is refused at the cap', async ({
  page,
}) => {
  const problems = watchProblems(page);
  // Each lz code one character longer than the one before: some 265 million characters.
  const bomb = lzBomb(23_000);
  expect(bomb.length).toBeLessThanOrEqual(64 * 1024);
  await page.goto(`/#v=1&doc=${bomb}`);
  await waitReady(page, 'same-bridge-hairpin');
  await expect(page.getByRole('alert')).toContainText('larger than 1024 kB');
  await pickBuiltin(page);
  expect(problems).toEqual([]);
});

test('a flood that runs for minutes shows progress; Stop ends it with what happened so far', async ({
  page,
}) => {
  const problems = watchProblems(page);
  await page.goto(linkOf(caseText('udp-flood-300k-interval-0')));
  const status = page.getByRole('status', { name: 'Run progress' });
  await expect(status).toContainText(/[\d,]+ events/, { timeout: 20_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByRole('alert')).toContainText('The run was stopped', { timeout: 5_000 });
  await waitReady(page);
  await expect(status).toHaveCount(0);
  await pickBuiltin(page);
  expect(problems).toEqual([]);
});

test('a new choice during a long run cancels it at once', async ({ page }) => {
  const problems = watchProblems(page);
  await page.goto(linkOf(caseText('udp-flood-300k-interval-1')));
  await expect(page.getByRole('status', { name: 'Run progress' })).toBeVisible({ timeout: 20_000 });
  await pickBuiltin(page);
  // The flood's worker is gone: nothing of it lands later.
  await page.waitForTimeout(500);
  await expect(page.locator('.app')).toHaveAttribute('data-scenario', 'host-conntrack');
  expect(problems).toEqual([]);
});
