import type {
  CtEntryData,
  HostSummary,
  LiveTables,
  RunOptions,
  RunOutcomeOf,
  RunResult,
  RunSession,
  RunStop,
} from '../api';
import { BudgetExceeded, type Budgets, budgetsOf, DEFAULT_BUDGETS, eventBytes, stopOf } from '../budget';
import { formatIpv4 } from '../net/ipv4';
import { printable } from '../printable';
import { applySettings } from '../scenario/load';
import type { Scenario } from '../scenario/schema';
import { createNetfilterFor } from '../stack/ct';
import { buildHost, type Host } from '../stack/host';
import { hookRegistrations } from '../stack/netfilter';
import { formatRoute } from '../stack/route';
import { Sockets } from '../stack/sockets';
import { scheduleChanges, withChangeClients } from './changes';
import { Traffic } from './traffic';
import { World } from './world';

export type RunOutcome = RunOutcomeOf<RunResult>;

/**
 * Loads a validated scenario into a world, plays its traffic script on the virtual clock and
 * returns the timeline. Never throws for a scenario that passed `parseScenario`; errors that
 * only show when building (a route via an address on no link, a broken ruleset) come back
 * as `{ ok: false, error }` naming the field. A run that hits a budget (budget.ts) is still
 * `ok`: its result carries `stopped` and the timeline up to there.
 */
export function simulate(scenario0: Scenario, opts: RunOptions = {}): RunOutcome {
  const started = startRun(scenario0, opts);
  if (!started.ok) return started;
  const run = started.session;
  const every = Math.max(1, opts.progressEvery ?? 4096);
  const poll = opts.shouldStop !== undefined || opts.onProgress !== undefined;
  for (;;) {
    const r = run.advance(poll ? every : Number.POSITIVE_INFINITY);
    if (r) return r;
    const p = run.progress();
    opts.onProgress?.(p);
    if (opts.shouldStop?.(p)) return run.cancel();
  }
}

/** Starts a run that the caller steps (see RunSession in api.ts); errors as `simulate` gives them. */
export function startRun(
  scenario0: Scenario,
  opts: RunOptions = {},
): { ok: true; session: RunSession } | { ok: false; error: string } {
  try {
    const r = startUnguarded(scenario0, opts);
    return r.ok ? r : { ok: false, error: printable(r.error) };
  } catch (e) {
    return { ok: false, error: printable(internalError(scenario0, e, opts.source)) };
  }
}

function internalError(scenario: Scenario, e: unknown, source = scenario.id): string {
  // A bug in the model must not take the worker or the runner down with it: say where.
  return `${source}: internal error in the model: ${(e as Error).message}`;
}

function startUnguarded(
  scenario0: Scenario,
  opts: RunOptions,
): { ok: true; session: RunSession } | { ok: false; error: string } {
  const settings = opts.settings ?? {};
  const source = opts.source ?? scenario0.id;
  const applied = applySettings(scenario0, settings);
  if (!applied.ok) return { ok: false, error: opts.source ? `${source}: ${applied.error}` : applied.error };
  const scenario = withChangeClients(applied.scenario);
  const budgets = budgetsOf(opts.budgets);
  const built = buildWorld(scenario, opts.timeline ?? true, opts.naiveRules ?? false, budgets, source);
  if (!built.ok) return built;
  const { world: w, traffic } = built;
  // The hosts as they start: the views replay the changes on top of this (timeline/specs.ts).
  const hosts = [...w.hosts.values()].map(summarise);
  scheduleChanges(w, scenario, { naiveRules: opts.naiveRules ?? false, rulesPerWalk: budgets.rulesPerWalk });
  const err = traffic.start(w.hosts, scenario.traffic);
  if (err) return { ok: false, error: `${source}: ${err}` };
  const until = opts.until ?? Number.POSITIVE_INFINITY;
  const horizon = w.sched.lastTime() ?? 0;
  const observe = opts.observe;
  let tasks = 0;
  let done: RunOutcome | undefined;

  const finish = (stop: RunStop | undefined): RunOutcome => {
    // A cut (`until`, the runner's --at) ends the run at that very moment: timers that ran
    // out by then have fired, and what was still going on is reported as such.
    const cut = !stop && Number.isFinite(until) ? until : undefined;
    const endTime = Math.max(w.now, cut ?? 0, 0);
    expireUpTo(w, endTime);
    if (observe) observe(liveTables(w, endTime));
    if (stop && w.tl)
      w.emit({
        t: w.now,
        host: typeof stop.params.host === 'string' ? stop.params.host : '-',
        type: 'stopped',
        key: stop.key,
        params: stop.params,
        text: stop.text,
      });
    done = {
      ok: true,
      result: {
        scenario,
        settings,
        hosts,
        events: w.events,
        endTime,
        outcomes: traffic.outcomes(stop?.key, cut),
        ...(stop ? { stopped: stop } : {}),
      },
    };
    return done;
  };

  // The timeline's estimated bytes, added up as events are recorded (a task records a few).
  let counted = 0;
  let bytes = 0;
  // After each task: the budgets a single task cannot blow by itself (one task is one hop of
  // one packet; the rule walk, which can, checks its own budget and throws BudgetExceeded).
  const overBudget = (): RunStop | undefined => {
    if (w.stop) return w.stop;
    const events = w.events;
    if (events.length > budgets.events) return stopOf('budget.events', { limit: budgets.events });
    while (counted < events.length) bytes += eventBytes(events[counted++]!);
    if (bytes > budgets.timelineBytes)
      return stopOf('budget.bytes', { limit: budgets.timelineBytes, mb: Math.round(bytes / 2 ** 20) });
    if (w.frames > budgets.frames) return stopOf('budget.frames', { limit: budgets.frames });
    if (w.sched.pending > budgets.inFlight) return stopOf('budget.memory', { limit: budgets.inFlight });
    if (tasks >= budgets.tasks) return stopOf('budget.tasks', { limit: budgets.tasks });
    return undefined;
  };

  const session: RunSession = {
    advance(maxTasks) {
      if (done) return done;
      try {
        for (let n = 0; n < maxTasks; n++) {
          const next = w.sched.peekTime();
          if (next === undefined || next > until) return finish(undefined);
          expireUpTo(w, next);
          w.sched.step();
          tasks++;
          if (observe) observe(liveTables(w));
          const stop = overBudget();
          if (stop) return finish(stop);
        }
        return undefined;
      } catch (e) {
        if (e instanceof BudgetExceeded) return finish(e.stop);
        done = { ok: false, error: printable(internalError(scenario0, e, source)) };
        return done;
      }
    },
    progress: () => ({ now: w.now, horizon, tasks, events: w.events.length, frames: w.frames }),
    cancel() {
      return done ?? finish(stopOf('cancelled', { tasks }));
    },
  };
  return { ok: true, session };
}

/** The public entry: like `simulate`, but bad input throws a one-line Error (for callers that validated already). */
export function runScenario(scenario: Scenario, opts: RunOptions = {}): RunResult {
  const r = simulate(scenario, opts);
  if (!r.ok) throw new Error(r.error);
  return r.result;
}

export function buildWorld(
  scenario: Scenario,
  timeline: boolean,
  naiveRules = false,
  budgets: Budgets = DEFAULT_BUDGETS,
  source: string = scenario.id,
): { ok: true; world: World; traffic: Traffic } | { ok: false; error: string } {
  const w = new World(scenario.seed, timeline, budgets);
  const traffic = new Traffic(w, scenario.traffic);
  for (const [hi, spec] of scenario.hosts.entries()) {
    const h = buildHost(spec, scenario.seed, hi);
    if (!(h instanceof Object) || 'where' in h) {
      const e = h as { where: string; message: string };
      return { ok: false, error: `${source}: ${e.where}: ${e.message}` };
    }
    const host = h as Host;
    const nf = createNetfilterFor(
      host,
      `${source}: hosts[${hi}].iptables_save`,
      naiveRules,
      budgets.rulesPerWalk,
    );
    if (typeof nf === 'string') return { ok: false, error: nf };
    host.nf = nf;
    host.sockets = new Sockets(traffic);
    w.hosts.set(host.name, host);
    for (const i of host.ifaces.values()) if (i.kind === 'bridge') w.bridges++;
  }
  for (const h of w.hosts.values())
    for (const s of h.spec.interfaces) {
      if (!s.peer) continue;
      h.ifaces.get(s.name)!.peer = w.hosts.get(s.peer.host)!.ifaces.get(s.peer.ifname);
    }
  return { ok: true, world: w, traffic };
}

function liveTables(w: World, now = w.now): LiveTables {
  const conntrack: Record<string, CtEntryData[]> = {};
  for (const h of w.hosts.values()) if (h.nf.table) conntrack[h.name] = h.nf.table.list(now);
  return { index: w.events.length, now, conntrack };
}

function expireUpTo(w: World, t: number): void {
  for (const h of w.hosts.values()) h.nf.expire?.(w, h, t);
}

function summarise(h: Host): HostSummary {
  // The netfilter the host starts with (a change may replace h.nf later in the run).
  const nf = h.nf;
  return {
    name: h.name,
    interfaces: [...h.ifaces.values()].map((i) => ({
      name: i.name,
      kind: i.kind,
      mac: i.mac,
      addresses: i.addrs.map((a) => `${formatIpv4(a.addr)}/${a.len}`),
      ...(i.master ? { master: i.master.name } : {}),
      ...(i.master ? { hairpin: i.hairpin } : {}),
      ...(i.peer ? { peer: { host: i.peer.host.name, ifname: i.peer.name } } : {}),
    })),
    routes: h.routes.main.map(formatRoute),
    sysctls: h.sysctl.entries(),
    get iptablesSave() {
      return nf.saveText ?? '';
    },
    ...(h.nf.nftText ? { nftRuleset: h.nf.nftText } : {}),
    ...(h.nf.ctReason ? { conntrackReason: h.nf.ctReason } : {}),
    hooks: hookRegistrations(h.nf),
  };
}
