// What the engine's budgets (src/engine/budget.ts) cost on the normal scenarios: the built-in
// scenarios run with a copy of the engine as it is, and with a copy whose budget checks are
// cut out (the checks after each scheduler task, the rule walks' evaluation counts, the frame
// and bridge-crossing counts of storm detection), passes of the two interleaved so that a
// machine shared with other jobs slows both alike. On this 2-core machine shared by many jobs
// (load 11-19) the figure moved between -11% and +5.5% from one run to the next (five runs of
// 100 passes): the checks cost less than that noise. Two copies, not the engine and one copy, so
// that both are loaded and compiled alike: against the engine itself, warmed by the benches
// before it, a fresh copy came out 39% slower in `npm run bench`. The copies are made at each run
// from the source, by the exact replacements below: one that no longer applies fails the bench
// rather than measure something else.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { simulate as Simulate } from '../src/engine';
import type { Scenario } from '../src/engine/api';
import { builtinScenarios } from '../src/scenarios';

const ROOT = join(import.meta.dirname, '..');
const CACHE = join(ROOT, 'node_modules/.cache');

/** [file under src/engine, text as it is, text without the check]. */
const CUTS: readonly (readonly [string, string, string])[] = [
  [
    'sim/run.ts',
    `          const stop = overBudget();
          if (stop) return finish(stop);`,
    '',
  ],
  [
    'iptables/walk.ts',
    `        evaluations += ops.length + 1;\n        if (evaluations > maxEvaluations) tooLong(t, nested, maxEvaluations);\n`,
    '',
  ],
  [
    'nft/eval.ts',
    `      if (++evaluations > this.maxEvaluations) throw new WalkTooLong(this.maxEvaluations);\n`,
    '',
  ],
  ['stack/bridge.ts', `  w.bridgeCrossing(++skb.crossings, h.name, br.name);\n`, ''],
  ['stack/ip.ts', `  w.frames++;\n`, ''],
];

/** A copy of src/engine under the cache, with the budget checks cut out if `cut`; its entry. */
function copy(name: string, cut: boolean): string {
  const dir = join(CACHE, name);
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(ROOT, 'src/engine'), join(dir, 'src/engine'), { recursive: true });
  for (const [file, from, to] of cut ? CUTS : []) {
    const path = join(dir, 'src/engine', file);
    const text = readFileSync(path, 'utf8');
    const parts = text.split(from);
    if (parts.length < 2) throw new Error(`budget overhead: the cut in src/engine/${file} no longer applies`);
    writeFileSync(path, parts.join(to));
  }
  return pathToFileURL(join(dir, 'src/engine/index.ts')).href;
}

/**
 * One pass over the scenarios, in CPU time (ms) of this process: on a machine shared with
 * other jobs, wall time mostly measures how long the process waited for a core.
 */
function pass(sim: typeof Simulate, scenarios: readonly Scenario[]): number {
  const c0 = process.cpuUsage();
  for (const s of scenarios) if (!sim(s).ok) throw new Error(`${s.id} failed`);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * `budget_overhead_pct`: (median pass with budgets / median pass without) - 1, in percent;
 * `scenarios_pass_cpu_ms` and `scenarios_pass_cpu_ms_no_budgets`: the two medians (CPU ms).
 */
export async function benchBudgetOverhead(passes = 100): Promise<{
  budget_overhead_pct: number;
  scenarios_pass_cpu_ms: number;
  scenarios_pass_cpu_ms_no_budgets: number;
}> {
  type Engine = { simulate: typeof Simulate };
  const full = ((await import(copy('nflab-budgets', false))) as Engine).simulate;
  const bare = ((await import(copy('nflab-no-budgets', true))) as Engine).simulate;
  // The same scenario objects for both (either copy's schema accepts what the engine's parsed).
  const scenarios = builtinScenarios;
  for (let i = 0; i < 3; i++) {
    pass(full, scenarios);
    pass(bare, scenarios);
  }
  const withB: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < passes; i++) {
    // Alternating which goes first: neither always runs on a warmer cache.
    if (i % 2) {
      withB.push(pass(full, scenarios));
      without.push(pass(bare, scenarios));
    } else {
      without.push(pass(bare, scenarios));
      withB.push(pass(full, scenarios));
    }
  }
  const a = median(withB);
  const b = median(without);
  return {
    budget_overhead_pct: Math.round((a / b - 1) * 1000) / 10,
    scenarios_pass_cpu_ms: Math.round(a * 100) / 100,
    scenarios_pass_cpu_ms_no_budgets: Math.round(b * 100) / 100,
  };
}

if (process.argv[1]?.endsWith('budgetOverhead.ts'))
  void benchBudgetOverhead(Number(process.argv[2] ?? 100)).then((r) =>
    process.stdout.write(`${JSON.stringify(r)}\n`),
  );
