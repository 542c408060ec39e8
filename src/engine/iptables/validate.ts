import { dict } from '../dict';
import type { Rule, Table } from './ruleset';

// Checks the kernel makes when a table is committed: a target or match is only valid in the
// hooks its module allows, and for a user chain that means every built-in chain reaching it
// (xt_check_target with the chain's hook mask). Jumps deeper than the kernel's jump stack and
// loops reachable from a base chain are refused (EMLINK): the walk relies on it.

const TARGET_HOOKS: Readonly<Record<string, readonly string[]>> = dict({
  DNAT: ['PREROUTING', 'OUTPUT'],
  REDIRECT: ['PREROUTING', 'OUTPUT'],
  SNAT: ['POSTROUTING', 'INPUT'],
  MASQUERADE: ['POSTROUTING'],
  REJECT: ['INPUT', 'FORWARD', 'OUTPUT'],
});

/** A rule the kernel refuses: at its line, why, and as iptables reports it (`errno`, `chain`). */
export interface TableProblem {
  readonly line: number;
  readonly message: string;
  readonly errno: string;
  readonly chain: string;
}

export function validateTable(t: Table): TableProblem | undefined {
  const byName = new Map(t.chains.map((c) => [c.name, c]));
  const hooksOf = new Map<string, Set<string>>();
  const deep = jumpDepth(t);
  if (deep) return deep;

  for (const c of t.chains) {
    if (!c.builtin) continue;
    const stack = [c.name];
    while (stack.length > 0) {
      const name = stack.pop()!;
      let set = hooksOf.get(name);
      if (!set) {
        set = new Set();
        hooksOf.set(name, set);
      }
      if (set.has(c.name)) continue;
      set.add(c.name);
      for (const r of byName.get(name)!.rules) {
        const tg = r.target;
        if (tg?.kind === 'jump' || tg?.kind === 'goto') stack.push(tg.chain);
      }
    }
  }
  for (const c of t.chains) {
    const hooks = hooksOf.get(c.name);
    if (!hooks) continue;
    for (const r of c.rules) {
      const bad = checkRule(r, hooks);
      if (bad)
        return {
          line: r.line,
          message: `${bad}: RULE_APPEND failed (Invalid argument): rule in chain ${c.name}`,
          errno: 'Invalid argument',
          chain: c.name,
        };
    }
  }
  return undefined;
}

function checkRule(r: Rule, hooks: Set<string>): string | undefined {
  const kind = r.target?.kind;
  const allowed = kind === undefined ? undefined : TARGET_HOOKS[kind];
  if (allowed) {
    for (const h of hooks)
      if (!allowed.includes(h))
        return `${kind} is only valid in ${allowed.join(', ')}${h === r.chain ? '' : ` (chain ${r.chain} is reached from ${h})`}`;
  }
  for (const m of r.matches) {
    // xt_physdev: an out-port test needs bridged traffic, which local output never is.
    if (
      m.kind === 'physdev' &&
      (m.out || m.isOut) &&
      (!m.isBridged || m.isBridged.invert) &&
      hooks.has('OUTPUT')
    )
      return '--physdev-out and --physdev-is-out only supported in the FORWARD and POSTROUTING chains with bridged traffic';
    if (m.kind !== 'addrtype') continue;
    if (m.limitIn && (hooks.has('OUTPUT') || hooks.has('POSTROUTING')))
      return 'addrtype --limit-iface-in cannot be used in the OUTPUT or POSTROUTING chain';
    if (m.limitOut && (hooks.has('PREROUTING') || hooks.has('INPUT')))
      return 'addrtype --limit-iface-out cannot be used in the PREROUTING or INPUT chain';
  }
  return undefined;
}

/**
 * NFT_JUMP_STACK_SIZE: a chain may sit at most 15 jumps (or gotos) below a base chain. The
 * kernel checks it from the base chains each time a rule is appended (nft_chain_validate),
 * so a loop reachable from a base chain fails the same way, and an unreachable loop is
 * accepted. Seen on Linux 6.18, iptables 1.8.9 (nf_tables): INPUT -> C0 -> ... -> C14 loads,
 * one more level gives `line N: RULE_APPEND failed (Too many links): rule in chain C14`.
 */
const JUMP_STACK_SIZE = 16;

interface Jump {
  readonly from: string;
  readonly to: string;
  readonly line: number;
}

/** The first rule, in file order, whose append makes the table too deep (as the kernel reports it). */
function jumpDepth(t: Table): TableProblem | undefined {
  const jumps: Jump[] = [];
  for (const c of t.chains)
    for (const r of c.rules) {
      const tg = r.target;
      if (tg?.kind === 'jump' || tg?.kind === 'goto')
        jumps.push({ from: c.name, to: tg.chain, line: r.line });
    }
  jumps.sort((a, b) => a.line - b.line);
  const bases = t.chains.filter((c) => c.builtin).map((c) => c.name);
  if (!tooDeep(bases, jumps, jumps.length)) return undefined;
  // Appending only adds edges, so "too deep" is monotone in the number of rules: bisect.
  let lo = 1;
  let hi = jumps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tooDeep(bases, jumps, mid)) hi = mid;
    else lo = mid + 1;
  }
  const bad = jumps[lo - 1]!;
  return {
    line: bad.line,
    message: `RULE_APPEND failed (Too many links): rule in chain ${bad.from}`,
    errno: 'Too many links',
    chain: bad.from,
  };
}

/** With the first `n` jumps: does a path from a base chain reach JUMP_STACK_SIZE jumps (a loop does)? Iterative. */
function tooDeep(bases: readonly string[], jumps: readonly Jump[], n: number): boolean {
  const out = new Map<string, string[]>();
  for (let i = 0; i < n; i++) {
    const j = jumps[i]!;
    const list = out.get(j.from);
    if (list) list.push(j.to);
    else out.set(j.from, [j.to]);
  }
  // Longest path below each chain, by depth-first search with an explicit stack; 1 = on the stack.
  const height = new Map<string, number>();
  const onStack = new Set<string>();
  for (const b of bases) {
    if (height.has(b)) continue;
    const stack: { name: string; next: number }[] = [{ name: b, next: 0 }];
    onStack.add(b);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const kids = out.get(top.name) ?? [];
      if (top.next < kids.length) {
        const k = kids[top.next++]!;
        if (onStack.has(k)) return true;
        if (!height.has(k)) {
          onStack.add(k);
          stack.push({ name: k, next: 0 });
        }
        continue;
      }
      let h = 0;
      for (const k of kids) h = Math.max(h, height.get(k)! + 1);
      if (h >= JUMP_STACK_SIZE) return true;
      height.set(top.name, h);
      onStack.delete(top.name);
      stack.pop();
    }
  }
  return false;
}
