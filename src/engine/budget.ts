// Budgets: the limits a run lives within, so that no scenario (a share link comes from a
// stranger) can take a tab or the runner down. The kernel has its own: it refuses jump depths
// and loops when a ruleset is loaded, TTL ends routing loops, and a bridge loop without STP
// floods for ever. Where the kernel has a limit the model follows it at load time; these are
// the model's own, for what the kernel would simply keep doing (a storm, a huge walk), and
// they stop the run with a message naming the budget, after a timeline of what happened.
import type { RunStop, StopKey } from './api';
import { printable } from './printable';
import type { TimelineEvent } from './timeline/events';

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
  /**
   * The timeline's estimated size in bytes (see eventBytes). The counts above do not bound
   * memory by themselves: an event carries text the run builds for it (a message received,
   * quoted whole; a LOG line; a change's output and the ruleset after it), so a million events
   * can be 200 MB or, with big messages, far more.
   */
  readonly timelineBytes: number;
}

export const DEFAULT_BUDGETS: Budgets = Object.freeze({
  rulesPerWalk: 200_000,
  events: 1_000_000,
  frames: 500_000,
  tasks: 5_000_000,
  inFlight: 500_000,
  stormFrames: 1_000,
  timelineBytes: 512 * 1024 * 1024,
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
  'budget.bytes': (p) => `budget: stopped at about ${p.mb} MB of timeline (limit ${p.limit} bytes)`,
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

/**
 * An event's object with its fields, frames and small values, in bytes: the V8 heap grew by
 * 196-305 bytes per event over runs of every built-in scenario and of the 1M-event udp-flood
 * (node --expose-gc, heapUsed after gc, results kept), so 320 is on the safe side.
 */
export const EVENT_BYTES = 320;

/**
 * What one event adds to the run's memory, estimated from above: EVENT_BYTES plus two bytes per
 * character of the text it carries (two-byte strings, and text shared with the scenario is
 * counted as if it were a copy). The host's name and a rule's text are references to strings
 * the world holds once, so they are not counted.
 */
export function eventBytes(e: TimelineEvent): number {
  switch (e.type) {
    case 'app':
    case 'target':
    case 'drop':
    case 'stopped':
      return EVENT_BYTES + 2 * e.text.length;
    case 'ctstate':
      return EVENT_BYTES + 2 * e.note.length;
    case 'conntrack':
      return EVENT_BYTES + 2 * (e.note?.length ?? 0);
    case 'outcome':
      return EVENT_BYTES + 2 * e.line.length;
    case 'change': {
      const spec = e.spec;
      const rules = (spec?.iptables_save?.length ?? 0) + (spec?.nft_ruleset?.length ?? 0);
      return EVENT_BYTES * 4 + 2 * (e.command.length + e.stdout.length + e.stderr.length + rules);
    }
    default:
      return EVENT_BYTES;
  }
}
