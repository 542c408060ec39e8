// The engine's public surface: what the worker, the CLI, the parity harness and the tests use.
// Everything here is pure and deterministic: same scenario, settings and seed, same result.
import type { Budgets } from './budget';
import type { CtEntryData } from './conntrack/types';
import type { Counter } from './iptables/types';
import type { Scenario } from './scenario/schema';
import type { HookRegistration } from './stack/netfilter';
import type { Hook, Micros, TableName, TimelineEvent } from './timeline/events';

export type {
  Budgets,
  Counter,
  CtEntryData,
  Hook,
  HookRegistration,
  Micros,
  Scenario,
  TableName,
  TimelineEvent,
};

/** `host:key` (one host) or `key` (every host) -> value, exactly as `--set` takes them. */
export type Settings = Readonly<Record<string, string>>;

export interface RunOptions {
  readonly settings?: Settings;
  /** Record the timeline (default true). Benchmarks turn it off. */
  readonly timeline?: boolean;
  /** Stop after this much virtual time (µs); by default when the traffic script is done. */
  readonly until?: Micros;
  /** Walk rules by a plain first-match scan instead of the indexed walk (the reference for tests and benchmarks). */
  readonly naiveRules?: boolean;
  /** Override some of the run's budgets (see budget.ts, DEFAULT_BUDGETS); tests use small ones. */
  readonly budgets?: Partial<Budgets>;
  /**
   * Called between scheduler tasks, every `progressEvery` tasks (default 4096): a cooperative
   * cancel. Returning true ends the run at once with `stopped.key === 'cancelled'` and the
   * timeline so far. Inside a Web Worker, whose message queue does not run while a synchronous
   * run goes on, use `startRun` and `advance` in slices instead (see RunSession).
   */
  readonly shouldStop?: (p: RunProgress) => boolean;
  /** Called at the same moments as shouldStop, with how far the run is. */
  readonly onProgress?: (p: RunProgress) => void;
  readonly progressEvery?: number;
  /**
   * Called between scheduler tasks (and once at the end) with each host's live conntrack
   * table, so tests can hold the timeline's replay against the table it stands for. Unset,
   * it costs nothing.
   */
  readonly observe?: (live: LiveTables) => void;
  /** What error messages name as the scenario's source (the runner: the file), instead of its id. */
  readonly source?: string;
}

/** The live conntrack tables at a quiet moment of a run: no packet is half-way through a host. */
export interface LiveTables {
  /** How many timeline events had been recorded by then. */
  readonly index: number;
  readonly now: Micros;
  /** Per host with a conntrack table, its confirmed entries in `conntrack -L` order. */
  readonly conntrack: Readonly<Record<string, readonly CtEntryData[]>>;
}

/** Why a run ended before its traffic script was done. */
export type StopKey =
  | 'budget.rules'
  | 'budget.events'
  | 'budget.frames'
  | 'budget.tasks'
  | 'budget.memory'
  | 'budget.bytes'
  | 'storm'
  | 'cancelled';

/**
 * A run that ended early: `key` names the budget (stable: the UI translates by it), `params`
 * fill the message (`limit`, and per key: `pkt`, `table`, `hook`, `host`; `frames`, `bridge`
 * for a storm; `tasks` when cancelled), `text` is the English line, e.g.
 * `storm: stopped after 1000 frames (a bridge loop: ...)`. The same stop is the last event of
 * the timeline (type 'stopped'), so the views show what happened up to there.
 */
export interface RunStop {
  readonly key: StopKey;
  readonly params: Readonly<Record<string, string | number>>;
  readonly text: string;
}

/** How far a run is; cheap to take, plain data (postMessage-able). */
export interface RunProgress {
  /** Virtual time reached (µs). */
  readonly now: Micros;
  /**
   * The virtual time at which the traffic script's last timer fires (its last timeout), known
   * when the run starts: `now / horizon` is a fair progress fraction (runs may end earlier).
   */
  readonly horizon: Micros;
  readonly tasks: number;
  readonly events: number;
  readonly frames: number;
}

/**
 * A run that can be stepped, for callers that must stay responsive (the worker): start it with
 * `startRun`, call `advance(n)` repeatedly (each call runs at most n scheduler tasks, roughly
 * n × a few µs, so ~2000 keeps a slice well under 50 ms on normal scenarios), yield to the
 * event loop between calls to receive a Stop, and `cancel()` to end it at once. A run stepped
 * to its end gives exactly the result `simulate` gives (same timeline, byte for byte).
 */
export interface RunSession {
  /** Runs up to `maxTasks` tasks. The outcome once the run is over (done or stopped by a budget), else undefined. */
  advance(maxTasks: number): RunOutcomeOf<RunResult> | undefined;
  progress(): RunProgress;
  /** Ends the run now: the result holds the timeline so far and `stopped.key === 'cancelled'`. */
  cancel(): RunOutcomeOf<RunResult>;
}

export type RunOutcomeOf<R> = { ok: true; result: R } | { ok: false; error: string };

export interface InterfaceSummary {
  readonly name: string;
  readonly kind: 'loopback' | 'veth' | 'bridge' | 'ethernet';
  readonly mac: string;
  readonly addresses: readonly string[];
  readonly master?: string;
  readonly hairpin?: boolean;
  readonly peer?: { readonly host: string; readonly ifname: string };
}

export interface HostSummary {
  readonly name: string;
  readonly interfaces: readonly InterfaceSummary[];
  /** `ip route` lines of the main table. */
  readonly routes: readonly string[];
  /** The effective sysctls after settings were applied, by their real names. */
  readonly sysctls: Readonly<Record<string, string>>;
  /** The ruleset as loaded, as `iptables-save` prints it (no counters). */
  readonly iptablesSave: string;
  /** The native nftables ruleset as loaded, as `nft list ruleset` prints it (no live counters); empty when none. */
  readonly nftRuleset?: string;
  /** True when something in the ruleset makes this namespace track connections, and what. */
  readonly conntrackReason?: string;
  /**
   * The functions this namespace registered at each IPv4 hook, in priority order: a table only
   * where it exists, conntrack and confirm only when the ruleset needs tracking.
   */
  readonly hooks: Readonly<Record<Hook, readonly HookRegistration[]>>;
}

export interface Outcome {
  readonly conn: number;
  readonly from: string;
  readonly to: string;
  readonly proto: 'tcp' | 'udp' | 'icmp';
  readonly ok: boolean;
  readonly reason: string;
  /** `<from> -> <to> <proto> <ok or failed>: <short reason>`. */
  readonly line: string;
}

export interface RunResult {
  readonly scenario: Scenario;
  readonly settings: Settings;
  readonly hosts: readonly HostSummary[];
  readonly events: readonly TimelineEvent[];
  readonly endTime: Micros;
  readonly outcomes: readonly Outcome[];
  /** Set when the run ended early (a budget, a storm, a cancel); the timeline ends with a 'stopped' event. */
  readonly stopped?: RunStop;
}

/** The world at one point of the timeline, for the views. */
export interface WorldState {
  readonly now: Micros;
  /** Per host, the confirmed entries in `conntrack -L` order. */
  readonly conntrack: Readonly<Record<string, readonly CtEntryData[]>>;
  /** Per host, counters keyed `table/chain/rulenum` (rulenum 0 = policy). */
  readonly counters: Readonly<Record<string, ReadonlyMap<string, Counter>>>;
}
