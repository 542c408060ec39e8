// Budgets: the limits a run lives within, so that no scenario (a share link comes from a
// stranger) can take a tab or the runner down. The kernel has its own: it refuses jump depths
// and loops when a ruleset is loaded, TTL ends routing loops, and a bridge loop without STP
// floods for ever. Where the kernel has a limit the model follows it at load time; these are
// the model's own, for what the kernel would simply keep doing (a storm, a huge walk), and
// they stop the run with a message naming the budget, after a timeline of what happened.
import type { RunStop, StopKey } from './api';
import { printable } from './printable';

export interface Budgets {
  /** Rule evaluations (matches tried) for one packet in one table at one hook. */
  readonly rulesPerWalk: number;
  /** Timeline events recorded in one run: the bulk of a run's memory. */
  readonly events: number;
  /** Frames put on a link in one run. */
  readonly frames: number;
  /** Scheduler tasks run in one run (with the timeline off, the events bound). */
  readonly tasks: number;
  /** Tasks waiting in the scheduler at once (packets in flight, timers): the rest of the memory. */
  readonly inFlight: number;
  /** Frames that went round an L2 loop before the storm is cut off. */
  readonly stormFrames: number;
}

export const DEFAULT_BUDGETS: Budgets = Object.freeze({
  rulesPerWalk: 200_000,
  events: 1_000_000,
  frames: 500_000,
  tasks: 5_000_000,
  inFlight: 500_000,
  stormFrames: 1_000,
});

export function budgetsOf(over: Partial<Budgets> | undefined): Budgets {
  return over ? { ...DEFAULT_BUDGETS, ...over } : DEFAULT_BUDGETS;
}

/** The English text of each stop; `params` fill it. The UI translates by `key` with the same params. */
const TEXT: Readonly<Record<StopKey, (p: Readonly<Record<string, string | number>>) => string>> = {
  'budget.rules': (p) =>
    `budget: stopped after ${p.limit} rule evaluations for packet #${p.pkt} in ${p.table} ${p.hook} on ${p.host} (chains jumping to chains)`,
  'budget.events': (p) => `budget: stopped after ${p.limit} timeline events`,
  'budget.frames': (p) => `budget: stopped after ${p.limit} frames on the links`,
  'budget.tasks': (p) => `budget: stopped after ${p.limit} scheduler steps`,
  'budget.memory': (p) => `budget: stopped with ${p.limit} packets and timers in flight at once`,
  storm: (p) =>
    `storm: stopped after ${p.frames} frames (a bridge loop: a frame came back to ${p.bridge} on ${p.host}, which it had already crossed)`,
  cancelled: (p) => `cancelled after ${p.tasks} scheduler steps`,
};

export function stopOf(key: StopKey, params: Readonly<Record<string, string | number>>): RunStop {
  return Object.freeze({ key, params: Object.freeze({ ...params }), text: printable(TEXT[key](params)) });
}

/**
 * Thrown from deep inside a step (the rule walk) when going on would explode; the run loop
 * catches it and ends the run with `stop`. Nothing else in the engine throws it.
 */
export class BudgetExceeded extends Error {
  constructor(readonly stop: RunStop) {
    super(stop.text);
    this.name = 'BudgetExceeded';
  }
}

/**
 * A walk that evaluated more rules than allowed. Within the kernel's jump depth (15 user
 * chains below a base chain) chains that jump to the same chain several times still multiply
 * the work per packet (two jumps per level: 2^15 walks of the deepest chain); the kernel would
 * grind through it, the model stops and says so.
 */
export class WalkTooLong extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} rule evaluations in one walk`);
    this.name = 'WalkTooLong';
  }
}
