import type { IntMap } from './intMap';
import type { Check } from './match';
import type { Rule } from './ruleset';
import { formatRule } from './save';
import type { PacketCtx, TableVerdict, WalkStep } from './types';

// The compiled form of a chain: a flat array of ops walked by index. A RuleOp is one rule; a
// HeadOp starts a run of rules that share a hashable key and jumps straight to the first rule
// whose key equals the packet's (or past the run). Every RuleOp knows the op to try next: the
// following one, or inside a run the next rule with the same key (the others cannot match).

export const T_NONE = 0;
export const T_ACCEPT = 1;
export const T_DROP = 2;
export const T_RETURN = 3;
export const T_JUMP = 4;
export const T_GOTO = 5;
export const T_VERDICT = 6; // REJECT and NAT targets: a precomputed TableVerdict
export const T_EFFECT = 7; // LOG, MARK, CONNMARK, TRACE, CT, NOTRACK: side effect, then continue

export type Effect = (ctx: PacketCtx, onStep: ((s: WalkStep) => void) | undefined) => void;

export interface CChain {
  readonly name: string;
  readonly policy: 'ACCEPT' | 'DROP' | undefined;
  /** Counter slot of the policy (built-in chains). */
  readonly policyCtr: number;
  ops: Op[];
}

export class RuleOp {
  readonly head = false;
  /** Set once all chains of the table exist. */
  jump: CChain | null = null;
  constructor(
    readonly match: Check,
    readonly code: number,
    readonly ctr: number,
    readonly rulenum: number,
    readonly chain: string,
    /** The rule as read; its text is printed when a walk reports it, not for every rule at load. */
    readonly rule: Rule,
    readonly jumpName: string | null,
    readonly effect: Effect | null,
    readonly verdict: TableVerdict | null,
    /** Op index to try after this one. */
    public next: number,
  ) {}

  /** `-A CHAIN ...` as iptables-save prints the rule (printed once, see formatRule). */
  get text(): string {
    return formatRule(this.rule);
  }
}

export const KEY_DST = 0;
export const KEY_SRC = 1;
export const KEY_DPORT = 2;

export class HeadOp {
  readonly head = true;
  constructor(
    readonly keyKind: number,
    readonly map: IntMap,
    /** Op index just past the run. */
    readonly end: number,
  ) {}

  /** Op index of the first rule in the run that can match ctx. */
  lookup(ctx: PacketCtx): number {
    const ip = ctx.ip;
    if (this.keyKind === KEY_DST) return this.map.get(ip.dst, this.end);
    if (this.keyKind === KEY_SRC) return this.map.get(ip.src, this.end);
    const l4 = ip.l4;
    if (l4.proto !== 6 && l4.proto !== 17) return this.end;
    return this.map.get((l4.proto << 16) | l4.dport, this.end);
  }
}

export type Op = RuleOp | HeadOp;
