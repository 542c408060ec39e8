// The engine's public surface: what the worker, the CLI, the parity harness and the tests use.
// Everything here is pure and deterministic: same scenario, settings and seed, same result.
import type { CtEntryData } from './conntrack/types';
import type { Counter } from './iptables/types';
import type { Scenario } from './scenario/schema';
import type { Micros, TableName, TimelineEvent } from './timeline/events';

export type { Counter, CtEntryData, Micros, Scenario, TableName, TimelineEvent };

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
}

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
  /** True when something in the ruleset makes this namespace track connections, and what. */
  readonly conntrackReason?: string;
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
}

/** The world at one point of the timeline, for the views. */
export interface WorldState {
  readonly now: Micros;
  /** Per host, the confirmed entries in `conntrack -L` order. */
  readonly conntrack: Readonly<Record<string, readonly CtEntryData[]>>;
  /** Per host, counters keyed `table/chain/rulenum` (rulenum 0 = policy). */
  readonly counters: Readonly<Record<string, ReadonlyMap<string, Counter>>>;
}
