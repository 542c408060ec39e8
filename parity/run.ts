import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunOptions, RunResult } from '../src/engine/api';
import { applySettings } from '../src/engine/scenario/load';
import { withChangeClients } from '../src/engine/sim/changes';
import type { Scenario } from '../src/engine/scenario/schema';
import { settingRuns } from '../src/engine/scenario/variants';
import { cleanupStale, destroyWorld, type World } from './build';
import { type Cell, compareSides, packetListing } from './compare';
import { confirmFixes } from './fixes';
import { checkReadings } from './readings';
import { type KernelRunResult, runOnKernel } from './kernelRun';
import { EXTRA_SETTING_RUNS, loadBuiltins, loadFile } from './scenarios';
import { hasCommand, killAllStarted, sh } from './sh';
import { engineSide, kernelSide } from './side';

// npm run test:kernel [-- [scenario-id | file.json]... [--dump DIR] [--tcpdump] [--kernel-only] [--verbose] [--no-fixes]]
//
// Replays every built-in scenario, under each of its settings, on the real kernel and
// compares conntrack, outcomes, hook paths and conntrack -E events with the engine; then
// confirms every fix the engine's fix search proposes (parity/fixes.ts) on the kernel. Exit 0 when every cell is
// equal or its difference is a documented limitation; 1 otherwise; 0 with one `skipped`
// line when this machine cannot run it (not root, no netns or tools).

const here = dirname(fileURLToPath(import.meta.url));
const TOOLS = ['ip', 'iptables-restore', 'conntrack', 'nft', 'python3', 'stdbuf', 'sysctl'];
const TOTAL_BUDGET_MS = 9 * 60_000;

type RunScenario = (s: Scenario, o: RunOptions) => RunResult;

interface Args {
  readonly select: string[];
  readonly dump: string;
  readonly tcpdump: boolean;
  readonly kernelOnly: boolean;
  readonly verbose: boolean;
  /** Write the table as Markdown to this file (docs/parity.md). */
  readonly doc: string | undefined;
  /** Skip confirming the fix search's fixes on the kernel. */
  readonly noFixes: boolean;
  /** Only the console readings (parity/readings.ts), no scenario table, no fixes. */
  readonly readingsOnly: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const select: string[] = [];
  let dump = join('/tmp', 'nfp-parity-last');
  let tcpdump = false;
  let kernelOnly = false;
  let verbose = false;
  let doc: string | undefined;
  let noFixes = false;
  let readingsOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--dump') dump = argv[++i] ?? dump;
    else if (a === '--tcpdump') tcpdump = true;
    else if (a === '--kernel-only') kernelOnly = true;
    else if (a === '--verbose') verbose = true;
    else if (a === '--doc') doc = argv[++i];
    else if (a === '--no-fixes') noFixes = true;
    else if (a === '--readings-only') readingsOnly = true;
    else select.push(a);
  }
  return { select, dump, tcpdump, kernelOnly, verbose, doc, noFixes, readingsOnly };
}

function preflight(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  const missing = TOOLS.filter((t) => !hasCommand(t));
  if (missing.length) return `missing ${missing.join(', ')}`;
  if (sh(['ip', 'netns', 'list'], { timeoutMs: 5000 }).code !== 0) return '`ip netns` does not work here';
  return undefined;
}

async function loadEngine(): Promise<RunScenario | string> {
  const path = join(here, '..', 'src', 'engine', 'index.ts');
  if (!existsSync(path)) return 'src/engine/index.ts does not exist yet';
  try {
    const mod = (await import(path)) as { runScenario?: RunScenario };
    return typeof mod.runScenario === 'function'
      ? mod.runScenario
      : 'src/engine/index.ts exports no runScenario';
  } catch (e) {
    return `src/engine/index.ts failed to load: ${(e as Error).message.split('\n')[0]}`;
  }
}

function cellsText(cells: readonly Cell[]): string {
  return cells
    .map(
      (c) =>
        `${c.column}: ${c.equal ? 'equal' : c.excusedBy ? 'differs (documented limitation)' : 'DIFFERS'}`,
    )
    .join(' / ');
}

async function main(): Promise<number> {
  const why = preflight();
  if (why) {
    console.log(
      `kernel parity: skipped (${why}; this check needs root, ip netns, ${TOOLS.slice(1).join(', ')})`,
    );
    return 0;
  }
  const args = parseArgs(process.argv.slice(2));
  const stale = cleanupStale();
  if (stale.length) console.log(`removed stale namespaces: ${stale.join(' ')}`);

  let scenarios: Scenario[];
  const files = args.select.filter((s) => s.endsWith('.json'));
  const ids = args.select.filter((s) => !s.endsWith('.json'));
  const loaded = await loadBuiltins();
  for (const e of loaded.errors) console.log(`scenario not loaded: ${e}`);
  // Only files named: only those run; nothing named: every built-in.
  const runAll = !ids.length && !files.length;
  scenarios = [...loaded.scenarios.filter((s) => runAll || ids.includes(s.id)), ...files.map(loadFile)];
  const unknown = ids.filter((id) => !loaded.scenarios.some((s) => s.id === id));
  if (unknown.length) {
    console.error(
      `unknown scenario id: ${unknown.join(', ')} (known: ${loaded.scenarios.map((s) => s.id).join(', ')})`,
    );
    return 2;
  }
  console.log(`scenarios from ${loaded.source}: ${scenarios.map((s) => s.id).join(', ')}`);

  const engine = args.kernelOnly ? 'not asked for (--kernel-only)' : await loadEngine();
  if (typeof engine === 'string') console.log(`engine: ${engine}; kernel side only, nothing compared`);

  mkdirSync(args.dump, { recursive: true });
  const runId = randomBytes(2).toString('hex');
  let live: World | undefined;
  const onSignal = (sig: string) => {
    killAllStarted();
    if (live) destroyWorld(live);
    console.log(`\ninterrupted (${sig}); namespaces removed`);
    process.exit(130);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const began = Date.now();
  const rows: string[] = [];
  const cellMd = (c: Cell) =>
    c.equal ? 'equal' : c.excusedBy ? `differs (documented: ${c.excusedBy})` : `**differs**: ${c.diff ?? ''}`;
  let failures = 0;
  let n = 0;
  for (const base of args.readingsOnly ? [] : scenarios) {
    for (const row of [...settingRuns(base), ...(EXTRA_SETTING_RUNS[base.id] ?? [])]) {
      const tag = `${base.id} x ${row.label}`;
      if (Date.now() - began > TOTAL_BUDGET_MS) {
        console.log(`${tag} -> not run: time budget of ${TOTAL_BUDGET_MS / 60000} min used up`);
        failures++;
        continue;
      }
      const applied = applySettings(base, row.settings);
      if (!applied.ok) {
        console.log(`${tag} -> bad setting: ${applied.error}`);
        failures++;
        continue;
      }
      // curl/nc/ping changes become traffic items here as in the engine, so items line up.
      const scenario = withChangeClients(applied.scenario);
      let kernel: KernelRunResult;
      try {
        kernel = await runOnKernel(scenario, `${runId}${(n++).toString(16)}`, {
          tcpdump: args.tcpdump,
          onWorld: (w) => {
            live = w;
          },
        });
      } catch (e) {
        console.log(`${tag} -> kernel run failed: ${(e as Error).message}`);
        failures++;
        continue;
      }
      const file = join(args.dump, `${base.id}__${row.label.replace(/[^a-zA-Z0-9_.=-]+/g, '_')}.json`);
      writeFileSync(file, JSON.stringify({ scenario: scenario.id, setting: row.label, ...kernel }, null, 1));
      const ks = kernelSide(kernel);
      const outcomes = scenario.traffic
        .map((_t, i) =>
          ks.outcomes.has(i)
            ? `[${i}] ${ks.outcomes.get(i)!.ok ? 'ok' : 'failed'}: ${ks.outcomes.get(i)!.reason}`
            : '',
        )
        .filter(Boolean)
        .join('; ');
      const refused = kernel.notes.filter((x) => x.startsWith('not applied:'));
      if (typeof engine === 'string') {
        console.log(`${tag} -> kernel: ${outcomes} (${(kernel.durationMs / 1000).toFixed(1)} s)`);
        for (const note of kernel.notes) console.log(`    note: ${note}`);
        continue;
      }
      let cells: readonly Cell[];
      let es: ReturnType<typeof engineSide>;
      try {
        es = engineSide(engine(base, { settings: row.settings }));
        cells = compareSides(scenario, row.label, ks, es);
      } catch (e) {
        console.log(`${tag} -> engine failed: ${(e as Error).message.split('\n')[0]}`);
        if (process.env.NFP_DEBUG) console.log((e as Error).stack);
        failures++;
        continue;
      }
      if (refused.length) {
        console.log(`${tag} -> n/a: the kernel refused ${refused.map((r) => r.slice(13)).join('; ')}`);
        const rec = (c: Cell) => `n/a (for the record: ${c.equal ? 'equal' : 'differs'})`;
        rows.push(
          `| ${base.id} | \`${row.label}\` | ${cells.map(rec).join(' | ')} |`,
          `| | | the kernel refused ${refused.map((r) => r.slice(13).replace(/\|/g, '/')).join('; ')} | | | |`,
        );
        console.log(`    (for the record: ${cellsText(cells)}; kernel: ${outcomes})`);
        continue;
      }
      console.log(`${tag} -> ${cellsText(cells)}`);
      rows.push(
        `| ${base.id} | \`${row.label}\` | ${cells.map((c) => cellMd(c).replace(/\|/g, '/')).join(' | ')} |`,
      );
      for (const c of cells) {
        if (c.equal) continue;
        console.log(`    ${c.column}: ${c.diff}`);
        const host = c.diff?.split(':')[0] ?? '';
        if (args.verbose && c.column === 'path' && ks.packets[host]) {
          console.log(`      kernel packets at ${host}:`);
          for (const x of packetListing(scenario, ks, host)) console.log(`        ${x}`);
          console.log(`      engine packets at ${host}:`);
          for (const x of packetListing(scenario, es, host)) console.log(`        ${x}`);
        }
        if (c.excusedBy) console.log(`      documented: ${c.excusedBy}`);
        else failures++;
      }
      for (const note of kernel.notes) console.log(`    note: ${note}`);
    }
  }
  const fixRows: string[] = [];
  // Console commands read at the same moment on both sides, when every scenario runs (or asked for).
  const readingRows: string[] = [];
  if (typeof engine !== 'string' && (args.readingsOnly || (runAll && !files.length))) {
    const checks = await checkReadings(
      engine,
      runId,
      (w) => {
        live = w;
      },
      (line) => console.log(line),
    );
    for (const c of checks) {
      if (!c.equal) failures++;
      readingRows.push(`| ${c.tag.replace(/\|/g, '/')} | ${c.equal ? 'equal' : '**differs**'} |`);
    }
    console.log(
      `console readings equal on the kernel: ${checks.filter((c) => c.equal).length} of ${checks.length}`,
    );
  }
  if (typeof engine !== 'string' && !args.noFixes && !args.readingsOnly) {
    const checks = await confirmFixes(
      scenarios,
      runId,
      (w) => {
        live = w;
      },
      (line) => console.log(line),
    );
    for (const c of checks) {
      if (c.failed) failures++;
      fixRows.push(`| ${c.tag} | \`${c.fix.replace(/\|/g, '/')}\` | ${c.verdict.replace(/\|/g, '/')} |`);
    }
    console.log(
      `fixes confirmed on the kernel: ${checks.filter((c) => c.verdict === 'ok').length} of ${checks.length}`,
    );
  }
  const secs = ((Date.now() - began) / 1000).toFixed(1);
  console.log(`raw captures: ${args.dump}`);
  if (args.doc && typeof engine !== 'string') writeDoc(args.doc, rows, fixRows, readingRows, secs);
  if (typeof engine === 'string') {
    console.log(`kernel parity: NOT CHECKED (${engine}); ${failures} kernel run failure(s); ${secs} s`);
    return 1;
  }
  console.log(
    `kernel parity: ${failures ? `${failures} difference(s) not documented` : 'all equal or documented'}; ${secs} s`,
  );
  return failures ? 1 : 0;
}

function writeDoc(
  file: string,
  rows: readonly string[],
  fixRows: readonly string[],
  readingRows: readonly string[],
  secs: string,
): void {
  const v = (cmd: string[]) => sh(cmd, { timeoutMs: 5000 }).stdout.trim().split('\n')[0] ?? '?';
  const text = [
    '# Kernel parity, as last run',
    '',
    `Run by \`npm run test:kernel -- --doc ${file}\` on ${new Date().toISOString().slice(0, 10)}: Linux ${v(['uname', '-r'])},`,
    `${v(['iptables', '--version'])}, ${v(['conntrack', '--version'])}, ${v(['nft', '--version'])}; ${secs} s.`,
    '',
    'Each built-in scenario in each of its settings is built as network namespaces, its traffic is run',
    "by small Python clients and servers, and the kernel's `conntrack -L`, the outcome of each",
    'connection (and its errno when both sides name one), the hook/table/chain path of every',
    'packet (`nft monitor trace`) and the `conntrack -E` events ([NEW], and [DESTROY] of killed',
    'entries) are compared with the engine, after normalising only what the kernel picks freely',
    '(ephemeral ports, echo ids, timeouts, `use=`). `n/a`: the kernel refused a setting the',
    'scenario needs, so nothing was compared.',
    '',
    '| scenario | setting | conntrack | outcome | path | events |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...(fixRows.length
      ? [
          '## Fixes confirmed on the kernel',
          '',
          'Every fix `--explain-fix` proposes for a built-in scenario, its commands run in the namespaces',
          'before the traffic starts: `ok` when the connection it fixes succeeds on the kernel too.',
          '',
          '| scenario | fix | kernel |',
          '| --- | --- | --- |',
          ...fixRows,
          '',
        ]
      : []),
    ...(readingRows.length
      ? [
          '## Console readings at the same moment',
          '',
          'Commands run by the agent in the namespaces at their time and by the console at the same',
          'virtual time (parity/readings.ts), client ports as `P<item>` and conntrack seconds within 2 s.',
          '',
          '| reading | kernel vs console |',
          '| --- | --- |',
          ...readingRows,
          '',
        ]
      : []),
  ].join('\n');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(`parity table written to ${file}`);
}

main().then(
  (code) => process.exit(code),
  (e) => {
    killAllStarted();
    console.error(`kernel parity: crashed: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
