import { WalkTooLong } from '../budget';
import type { Ipv4 } from '../net/ipv4';
import { compileEffect } from './effects';
import { layoutChain } from './indexed';
import { compileRuleMatch } from './match';
import { conntrackReason } from './needs';
import {
  type CChain,
  type Op,
  RuleOp,
  T_ACCEPT,
  T_DROP,
  T_EFFECT,
  T_GOTO,
  T_JUMP,
  T_NONE,
  T_RETURN,
  T_VERDICT,
} from './ops';
import type { Rule, Ruleset, Target } from './ruleset';
import type { Counter, CounterLookup, Hook, PacketCtx, TableName, TableVerdict, WalkStep } from './types';

export interface IptablesRuntime {
  readonly ruleset: Ruleset;
  hasTable(t: TableName): boolean;
  chainExists(t: TableName, chain: string): boolean;
  /** Walks `table` at `hook` (reference §3.1). With no such table or chain: ACCEPT, nothing counted. */
  runTable(table: TableName, hook: Hook, ctx: PacketCtx, onStep?: (s: WalkStep) => void): TableVerdict;
  /** rulenum is 1-based; 0 is the chain's policy. */
  counter(table: TableName, chain: string, rulenum: number): Counter | undefined;
  /** A snapshot of every counter now. */
  counters(): CounterLookup;
  resetCounters(): void;
  needsConntrack(): string | undefined;
}

export interface CreateOptions {
  /** Scan every rule in order instead of using hashed runs (the reference for tests). */
  naive?: boolean;
  /** Rule evaluations allowed in one walk before it throws WalkTooLong (budget.ts, rulesPerWalk). */
  maxEvaluations?: number;
}

const ACCEPT: TableVerdict = Object.freeze({ verdict: 'ACCEPT' });
const DROP: TableVerdict = Object.freeze({ verdict: 'DROP' });

interface CTable {
  readonly chains: Map<string, BaseChain>;
  readonly pkts: Float64Array;
  readonly bytes: Float64Array;
  /** Reused call stack; a nested walk (from inside onStep) gets its own. */
  stackChain: CChain[];
  stackPos: Int32Array;
  busy: boolean;
  /** The built-in chain of each hook (chains.get(hook)), read by named field on every walk. */
  readonly byHook: ByHook;
}

type BaseChain = CChain & { readonly ruleBase: number; readonly ruleCount: number };

interface ByHook {
  readonly PREROUTING: BaseChain | undefined;
  readonly INPUT: BaseChain | undefined;
  readonly FORWARD: BaseChain | undefined;
  readonly OUTPUT: BaseChain | undefined;
  readonly POSTROUTING: BaseChain | undefined;
}

/** `tables.get(name)`, as named fields: a walk runs several times per packet. */
interface ByName {
  readonly raw: CTable | undefined;
  readonly mangle: CTable | undefined;
  readonly nat: CTable | undefined;
  readonly filter: CTable | undefined;
  readonly security: CTable | undefined;
}

function tableAt(b: ByName, name: TableName, tables: Map<TableName, CTable>): CTable | undefined {
  switch (name) {
    case 'filter':
      return b.filter;
    case 'nat':
      return b.nat;
    case 'raw':
      return b.raw;
    case 'mangle':
      return b.mangle;
    case 'security':
      return b.security;
    default:
      return tables.get(name);
  }
}

function chainAt(t: CTable, hook: Hook): BaseChain | undefined {
  const b = t.byHook;
  switch (hook) {
    case 'PREROUTING':
      return b.PREROUTING;
    case 'INPUT':
      return b.INPUT;
    case 'FORWARD':
      return b.FORWARD;
    case 'OUTPUT':
      return b.OUTPUT;
    case 'POSTROUTING':
      return b.POSTROUTING;
    default:
      return t.chains.get(hook);
  }
}

function verdictOf(t: Target): TableVerdict | null {
  switch (t.kind) {
    case 'REJECT':
      return Object.freeze({ verdict: 'DROP', reject: Object.freeze({ with: t.with }) });
    case 'DNAT':
    case 'SNAT': {
      const r = t.range;
      return Object.freeze({
        verdict: 'ACCEPT',
        nat: Object.freeze({
          target: t.kind,
          range: Object.freeze({
            ...(r.minIp !== undefined && { minIp: r.minIp as Ipv4 }),
            ...(r.maxIp !== undefined && { maxIp: r.maxIp as Ipv4 }),
            ...(r.minPort !== undefined && { minPort: r.minPort }),
            ...(r.maxPort !== undefined && { maxPort: r.maxPort }),
          }),
          random: t.random,
          randomFully: t.randomFully,
          persistent: t.persistent,
        }),
      });
    }
    case 'MASQUERADE':
    case 'REDIRECT':
      return Object.freeze({
        verdict: 'ACCEPT',
        nat: Object.freeze({
          target: t.kind,
          range: Object.freeze({
            ...(t.minPort !== undefined && { minPort: t.minPort }),
            ...(t.maxPort !== undefined && { maxPort: t.maxPort }),
          }),
          random: t.random,
          randomFully: t.randomFully,
          persistent: false,
        }),
      });
    default:
      return null;
  }
}

function codeOf(t: Target | undefined): number {
  if (t === undefined) return T_NONE;
  switch (t.kind) {
    case 'ACCEPT':
      return T_ACCEPT;
    case 'DROP':
      return T_DROP;
    case 'RETURN':
      return T_RETURN;
    case 'jump':
      return T_JUMP;
    case 'goto':
      return T_GOTO;
    case 'REJECT':
    case 'DNAT':
    case 'SNAT':
    case 'MASQUERADE':
    case 'REDIRECT':
      return T_VERDICT;
    default:
      return T_EFFECT;
  }
}

function compileRule(r: Rule, rulenum: number, ctr: number): RuleOp {
  const t = r.target;
  return new RuleOp(
    compileRuleMatch(r),
    codeOf(t),
    ctr,
    rulenum,
    r.chain,
    r,
    t?.kind === 'jump' || t?.kind === 'goto' ? t.chain : null,
    t ? compileEffect(t) : null,
    t ? verdictOf(t) : null,
    0,
  );
}

export function createIptables(ruleset: Ruleset, opts: CreateOptions = {}): IptablesRuntime {
  const naive = opts.naive === true;
  const maxEvaluations = opts.maxEvaluations ?? Number.POSITIVE_INFINITY;
  const tables = new Map<TableName, CTable>();
  for (const t of ruleset.tables) {
    let slots = 0;
    const chains: CTable['chains'] = new Map();
    for (const c of t.chains) {
      const policyCtr = slots++;
      const ruleBase = slots;
      slots += c.rules.length;
      const ops = layoutChain(c.rules, (i) => compileRule(c.rules[i]!, i + 1, ruleBase + i), naive);
      chains.set(c.name, {
        name: c.name,
        policy: c.policy,
        policyCtr,
        ops,
        ruleBase,
        ruleCount: c.rules.length,
      });
    }
    for (const c of chains.values())
      for (const op of c.ops) if (!op.head && op.jumpName !== null) op.jump = chains.get(op.jumpName)!;
    tables.set(t.name, {
      chains,
      pkts: new Float64Array(slots),
      bytes: new Float64Array(slots),
      stackChain: new Array<CChain>(chains.size + 1),
      stackPos: new Int32Array(chains.size + 1),
      busy: false,
      byHook: {
        PREROUTING: chains.get('PREROUTING'),
        INPUT: chains.get('INPUT'),
        FORWARD: chains.get('FORWARD'),
        OUTPUT: chains.get('OUTPUT'),
        POSTROUTING: chains.get('POSTROUTING'),
      },
    });
  }
  // The runtime never changes its chains after this point, so these stay right.
  const byName: ByName = {
    raw: tables.get('raw'),
    mangle: tables.get('mangle'),
    nat: tables.get('nat'),
    filter: tables.get('filter'),
    security: tables.get('security'),
  };
  const reason = conntrackReason(ruleset);

  function runTable(
    table: TableName,
    hook: Hook,
    ctx: PacketCtx,
    onStep?: (s: WalkStep) => void,
  ): TableVerdict {
    const t = tableAt(byName, table, tables);
    if (t === undefined) return ACCEPT;
    const base = chainAt(t, hook);
    if (base === undefined || base.policy === undefined) return ACCEPT;
    const pkts = t.pkts;
    const bytes = t.bytes;
    const len = ctx.ip.len;
    const nested = t.busy;
    const stackChain = nested ? new Array<CChain>(t.stackChain.length) : t.stackChain;
    const stackPos = nested ? new Int32Array(t.stackPos.length) : t.stackPos;
    t.busy = true;
    let chain: CChain = base;
    let ops: Op[] = chain.ops;
    let i = 0;
    let sp = 0;
    // Ops of every chain entered so far: within one entry ops are visited in increasing order,
    // so this bounds the evaluations, and it only grows at a jump or goto (no cost per rule).
    let evaluations = ops.length;
    let result: TableVerdict;
    for (;;) {
      if (i >= ops.length) {
        if (sp === 0) {
          result = policy(t, base, len, onStep);
          break;
        }
        sp--;
        chain = stackChain[sp]!;
        ops = chain.ops;
        i = stackPos[sp]!;
        continue;
      }
      const op = ops[i]!;
      if (op.head) {
        i = op.lookup(ctx);
        continue;
      }
      if (!op.match(ctx)) {
        i = op.next;
        continue;
      }
      pkts[op.ctr]! += 1;
      bytes[op.ctr]! += len;
      const code = op.code;
      if (code === T_JUMP) {
        if (onStep) step(onStep, op, `jump ${op.jumpName}`, len);
        stackChain[sp] = chain;
        stackPos[sp] = op.next;
        sp++;
        chain = op.jump!;
        ops = chain.ops;
        i = 0;
        evaluations += ops.length + 1;
        if (evaluations > maxEvaluations) tooLong(t, nested, maxEvaluations);
        continue;
      }
      if (code === T_GOTO) {
        if (onStep) step(onStep, op, `goto ${op.jumpName}`, len);
        chain = op.jump!;
        ops = chain.ops;
        i = 0;
        evaluations += ops.length + 1;
        if (evaluations > maxEvaluations) tooLong(t, nested, maxEvaluations);
        continue;
      }
      if (code === T_NONE || code === T_EFFECT) {
        if (onStep) step(onStep, op, 'continue', len);
        if (op.effect !== null) op.effect(ctx, onStep);
        i = op.next;
        continue;
      }
      if (code === T_RETURN) {
        if (onStep) step(onStep, op, 'return', len);
        if (sp === 0) {
          result = policy(t, base, len, onStep);
          break;
        }
        sp--;
        chain = stackChain[sp]!;
        ops = chain.ops;
        i = stackPos[sp]!;
        continue;
      }
      if (code === T_ACCEPT) {
        if (onStep) step(onStep, op, 'accept', len);
        result = ACCEPT;
        break;
      }
      if (code === T_DROP) {
        if (onStep) step(onStep, op, 'drop', len);
        result = DROP;
        break;
      }
      // T_VERDICT: REJECT or a NAT target
      result = op.verdict!;
      if (onStep) step(onStep, op, result.reject ? 'reject' : 'accept', len);
      break;
    }
    if (!nested) t.busy = false;
    return result;
  }

  function counter(table: TableName, chain: string, rulenum: number): Counter | undefined {
    const t = tables.get(table);
    const c = t?.chains.get(chain);
    if (!t || !c || rulenum < 0 || rulenum > c.ruleCount || (rulenum === 0 && c.policy === undefined))
      return undefined;
    const slot = rulenum === 0 ? c.policyCtr : c.ruleBase + rulenum - 1;
    return { pkts: t.pkts[slot]!, bytes: t.bytes[slot]! };
  }

  return {
    ruleset,
    hasTable: (t) => tables.has(t),
    chainExists: (t, chain) => tables.get(t)?.chains.has(chain) ?? false,
    runTable,
    counter,
    counters() {
      const snap = new Map<TableName, { pkts: Float64Array; bytes: Float64Array }>();
      for (const [name, t] of tables) snap.set(name, { pkts: t.pkts.slice(), bytes: t.bytes.slice() });
      return (table, chain, rulenum) => {
        const t = tables.get(table);
        const c = t?.chains.get(chain);
        const s = snap.get(table);
        if (!c || !s || rulenum < 0 || rulenum > c.ruleCount || (rulenum === 0 && c.policy === undefined))
          return undefined;
        const slot = rulenum === 0 ? c.policyCtr : c.ruleBase + rulenum - 1;
        return { pkts: s.pkts[slot]!, bytes: s.bytes[slot]! };
      };
    },
    resetCounters() {
      for (const t of tables.values()) {
        t.pkts.fill(0);
        t.bytes.fill(0);
      }
    },
    needsConntrack: () => reason,
  };
}

function tooLong(t: CTable, nested: boolean, limit: number): never {
  t.busy = nested;
  throw new WalkTooLong(limit);
}

function policy(
  t: CTable,
  base: CChain,
  len: number,
  onStep: ((s: WalkStep) => void) | undefined,
): TableVerdict {
  t.pkts[base.policyCtr]! += 1;
  t.bytes[base.policyCtr]! += len;
  const p = base.policy === 'DROP' ? 'DROP' : 'ACCEPT';
  if (onStep) onStep({ kind: 'policy', chain: base.name, policy: p, bytes: len });
  return p === 'DROP' ? DROP : ACCEPT;
}

function step(onStep: (s: WalkStep) => void, op: RuleOp, verdict: string, bytes: number): void {
  onStep({ kind: 'rule', chain: op.chain, rulenum: op.rulenum, text: op.text, verdict, bytes });
}
