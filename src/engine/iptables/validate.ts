import type { Rule, Table } from './ruleset';

// Checks the kernel makes when a table is committed: a target or match is only valid in the
// hooks its module allows, and for a user chain that means every built-in chain reaching it
// (xt_check_target with the chain's hook mask). Loops are refused (ELOOP): the walk relies on it.

const TARGET_HOOKS: Readonly<Record<string, readonly string[]>> = {
  DNAT: ['PREROUTING', 'OUTPUT'],
  REDIRECT: ['PREROUTING', 'OUTPUT'],
  SNAT: ['POSTROUTING', 'INPUT'],
  MASQUERADE: ['POSTROUTING'],
  REJECT: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export function validateTable(t: Table): { line: number; message: string } | undefined {
  const byName = new Map(t.chains.map((c) => [c.name, c]));
  const hooksOf = new Map<string, Set<string>>();
  // Loop check: depth-first with colours over chains reachable from the built-ins.
  const colour = new Map<string, 1 | 2>();
  let loop: { line: number; message: string } | undefined;
  const dfs = (name: string): void => {
    colour.set(name, 1);
    for (const r of byName.get(name)!.rules) {
      const tg = r.target;
      if (tg?.kind !== 'jump' && tg?.kind !== 'goto') continue;
      const c = colour.get(tg.chain);
      if (c === 1) {
        loop ??= {
          line: r.line,
          message: `Too many levels of symbolic links: ${name} -> ${tg.chain} closes a loop`,
        };
        return;
      }
      if (c === undefined) dfs(tg.chain);
      if (loop) return;
    }
    colour.set(name, 2);
  };
  for (const c of t.chains) if (c.builtin && !colour.has(c.name)) dfs(c.name);
  if (loop) return loop;

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
    if (m.kind !== 'addrtype') continue;
    if (m.limitIn && (hooks.has('OUTPUT') || hooks.has('POSTROUTING')))
      return 'addrtype --limit-iface-in cannot be used in the OUTPUT or POSTROUTING chain';
    if (m.limitOut && (hooks.has('PREROUTING') || hooks.has('INPUT')))
      return 'addrtype --limit-iface-out cannot be used in the PREROUTING or INPUT chain';
  }
  return undefined;
}
