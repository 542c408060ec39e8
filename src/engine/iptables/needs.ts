import type { Ruleset } from './ruleset';

/**
 * Why this ruleset makes the namespace track connections (reference §13), or undefined: the nat
 * table, a conntrack/state/connmark match, or a CONNMARK/CT/NOTRACK target all load conntrack.
 */
export function conntrackReason(rs: Ruleset): string | undefined {
  if (rs.tables.some((t) => t.name === 'nat')) return 'the nat table needs conntrack';
  for (const t of rs.tables) {
    for (const c of t.chains) {
      for (const r of c.rules) {
        const where = `${t.name} ${c.name}`;
        for (const m of r.matches) {
          if (m.kind === 'conntrack' || m.kind === 'state' || m.kind === 'connmark')
            return `-m ${m.kind} in ${where} needs conntrack`;
        }
        const k = r.target?.kind;
        if (k === 'CONNMARK' || k === 'CT' || k === 'NOTRACK') return `-j ${k} in ${where} needs conntrack`;
      }
    }
  }
  return undefined;
}
