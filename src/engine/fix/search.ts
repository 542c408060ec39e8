import type { Outcome, RunOutcomeOf, RunResult, Settings } from '../api';
import type { Scenario } from '../scenario/schema';
import { simulate } from '../sim/run';
import { type FixChange, withFix } from './apply';
import { type Candidate, candidatesFor } from './candidates';
import type { FixReason } from './reasons';
import { accountText, type FixAccount, type FixPath, fixAccount, fixPath } from './why';

// "What would make this work?": for each failed connection of a run, the smallest sets of
// changes (one command, else two) that make it succeed without failing a connection that
// worked. Candidates come from the failed run's timeline (candidates.ts); each is applied as a
// change at time 0 through the scenario's `changes`, exactly as a typed command would be, and
// the scenario is run again. A generator, so the worker can run it in slices and cancel it.

export { type FixChange, withFix } from './apply';
export type { FixReason, FixReasonKey } from './reasons';
export type { FixAccount, FixPath, PathStep, StepSay } from './why';

export interface Fix {
  /** The traffic item it fixes. */
  readonly conn: number;
  readonly from: string;
  readonly to: string;
  /** One command, or two when no single one works; applied in this order at time 0. */
  readonly changes: readonly FixChange[];
  /** One line in English: what changes on the packet's path (the runner prints it). */
  readonly why: string;
  /** The same in parts, for other languages: each change's reason, then what changes. */
  readonly reasons: readonly FixReason[];
  readonly account?: FixAccount;
  /** The same, step by step, for the path view (absent when the path shows no difference). */
  readonly path?: FixPath;
}

export interface FixReport {
  /** The outcomes of the run as it is. */
  readonly outcomes: readonly Outcome[];
  readonly fixes: readonly Fix[];
  /** The runs the search made (the scenario as it is included). */
  readonly runs: number;
  /** True when the run budget ran out before every candidate was tried. */
  readonly truncated: boolean;
}

export interface FixProgress {
  /** Timeline events the runs so far recorded. */
  readonly events: number;
  readonly runs: number;
  /** Runs planned so far; grows when pairs are tried. */
  readonly planned: number;
}

export interface FixSearchOptions {
  readonly settings?: Settings;
  /** At most this many runs in all (default 60): the search is bounded, whatever the scenario. */
  readonly maxRuns?: number;
  /** At most this many fixes per connection (default 6). */
  readonly maxFixes?: number;
}

const keyOf = (changes: readonly FixChange[]) =>
  changes
    .map((c) => `${c.host}\0${c.command}`)
    .sort()
    .join('\n');

interface Tried {
  readonly result?: RunResult;
  /** The conns this set of changes makes succeed, when it breaks none that worked. */
  readonly fixes: ReadonlySet<number>;
}

export function* searchFixes(
  scenario: Scenario,
  opts: FixSearchOptions = {},
): Generator<FixProgress, RunOutcomeOf<FixReport>, void> {
  const settings = opts.settings ?? {};
  const maxRuns = opts.maxRuns ?? 60;
  const maxFixes = opts.maxFixes ?? 6;
  const base = simulate(scenario, { settings });
  if (!base.ok) return base;
  const outcomes = base.result.outcomes;
  const failed = outcomes.filter((o) => !o.ok);
  const worked = new Set(outcomes.filter((o) => o.ok).map((o) => o.conn));
  let runs = 1;
  let events = base.result.events.length;
  let planned = 1;
  let truncated = false;
  const tried = new Map<string, Tried>();

  const attempt = (changes: readonly FixChange[]): Tried | undefined => {
    const key = keyOf(changes);
    const known = tried.get(key);
    if (known) return known;
    if (runs >= maxRuns) {
      truncated = true;
      return undefined;
    }
    runs++;
    const r = simulate(withFix(scenario, changes), { settings });
    if (r.ok) events += r.result.events.length;
    let t: Tried = { fixes: new Set() };
    if (r.ok && !r.result.stopped) {
      const res = r.result;
      // A command the tool refuses is no fix, whatever the run does next.
      const refused = res.events.some((e) => e.type === 'change' && e.exit !== 0);
      const byConn = new Map(res.outcomes.map((o) => [o.conn, o]));
      const breaks = [...worked].some((c) => !byConn.get(c)?.ok);
      const fixes = refused || breaks ? [] : failed.filter((o) => byConn.get(o.conn)?.ok).map((o) => o.conn);
      t = { result: res, fixes: new Set(fixes) };
    }
    tried.set(key, t);
    return t;
  };

  const found: Fix[] = [];
  const fixOf = (o: Outcome, cands: readonly Candidate[], t: Tried): Fix => {
    const path = fixPath(base.result.events, t.result!.events, o.conn);
    const account = fixAccount(base.result.events, t.result!.events, o.conn);
    return {
      conn: o.conn,
      from: o.from,
      to: o.to,
      changes: cands.map((c) => c.change),
      why: accountText(cands.map((c) => c.hint).join('; and '), account),
      reasons: cands.map((c) => c.reason),
      ...(account ? { account } : {}),
      ...(path ? { path } : {}),
    };
  };

  const singles = new Map(failed.map((o) => [o.conn, candidatesFor(base.result, o.conn)]));
  planned += [...singles.values()].reduce((n, c) => n + c.length, 0);
  for (const o of failed) {
    const mine: Fix[] = [];
    for (const c of singles.get(o.conn)!) {
      yield { events, runs, planned };
      const t = attempt([c.change]);
      if (t?.fixes.has(o.conn) && mine.length < maxFixes) mine.push(fixOf(o, [c], t));
    }
    if (mine.length === 0) {
      // No single change works: each single that broke nothing may have moved the failure on;
      // the next change is read off that run, as it was off the first.
      for (const c1 of singles.get(o.conn)!) {
        const t1 = attempt([c1.change]);
        if (!t1?.result || mine.length >= maxFixes) continue;
        const seconds = candidatesFor(t1.result, o.conn).filter(
          (c2) => keyOf([c2.change]) !== keyOf([c1.change]),
        );
        planned += seconds.length;
        for (const c2 of seconds) {
          if (mine.length >= maxFixes) break;
          if (mine.some((f) => keyOf(f.changes) === keyOf([c1.change, c2.change]))) continue;
          yield { events, runs, planned };
          const t = attempt([c1.change, c2.change]);
          if (t?.fixes.has(o.conn)) mine.push(fixOf(o, [c1, c2], t));
        }
      }
    }
    found.push(...mine);
  }
  return { ok: true, result: { outcomes, fixes: found, runs, truncated } };
}

/** Runs the whole search at once (the runner, tests). */
export function findFixes(scenario: Scenario, opts: FixSearchOptions = {}): RunOutcomeOf<FixReport> {
  const g = searchFixes(scenario, opts);
  for (;;) {
    const n = g.next();
    if (n.done) return n.value;
  }
}

/** `--explain-fix` lines (design.md section 3). */
export function formatFixes(r: FixReport): string {
  const failed = r.outcomes.filter((o) => !o.ok);
  if (failed.length === 0) return 'nothing failed: every connection succeeded, so there is nothing to fix\n';
  let s = '';
  for (const o of failed) {
    const mine = r.fixes.filter((f) => f.conn === o.conn);
    if (mine.length === 0) s += `no fix found for ${o.from} -> ${o.to} ${o.proto}\n`;
    for (const f of mine)
      s += `fix ${f.from} -> ${f.to}: ${f.changes.map((c) => `${c.host}: ${c.command}`).join(' ; ')}  # ${f.why}\n`;
  }
  if (r.truncated) s += `# the search stopped after ${r.runs} runs; it may have missed fixes\n`;
  return s;
}
