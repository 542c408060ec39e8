import type { Scenario } from '../src/engine/scenario/schema';
import type { Labeller } from './packetSummary';

// Only what the kernel picks freely is normalised: ephemeral ports and ICMP echo ids. A
// client's own port becomes `P<n>` (n = its index in the traffic script) on both sides, so a
// port that shows up in the wrong place is still caught; other free ports become `E1, E2, ...`
// in first-seen order, echo ids `I<n>` / `J1, J2, ...`.

/** Ports the scenario names (listeners, destinations, fixed source ports): never relabelled. */
export function fixedPorts(s: Scenario): Set<number> {
  const ports = new Set<number>();
  for (const t of s.traffic) {
    if (t.kind === 'tcp-listen' || t.kind === 'udp-listen') ports.add(t.port);
    if ('to' in t) {
      const m = /:(\d+)$/.exec(t.to);
      if (m) ports.add(Number(m[1]));
    }
    if ('sport' in t && t.sport !== undefined) ports.add(t.sport);
  }
  for (const h of s.hosts)
    for (const m of (h.iptables_save ?? '').matchAll(
      /(?:--dport|--sport|--to-destination \S+?:|--to-ports?) ?(\d+)/g,
    ))
      ports.add(Number(m[1]));
  for (const h of s.hosts)
    for (const m of (h.nft_ruleset ?? '').matchAll(
      /(?:dnat (?:ip )?to \S+?:|dport |\. (?:tcp|udp) \. |to :)(\d+)/g,
    ))
      ports.add(Number(m[1]));
  return ports;
}

export class FreeChoiceLabeller implements Labeller {
  private readonly ports = new Map<number, string>();
  private readonly ids = new Map<number, string>();

  /**
   * `clientPorts`/`clientIds`: the port (echo id) each traffic item's socket used, by item
   * index, as the side observed it.
   */
  constructor(
    private readonly fixed: ReadonlySet<number>,
    clientPorts: ReadonlyMap<number, number> = new Map(),
    clientIds: ReadonlyMap<number, number> = new Map(),
  ) {
    for (const [idx, p] of clientPorts) if (!fixed.has(p)) this.ports.set(p, `P${idx}`);
    for (const [idx, id] of clientIds) this.ids.set(id, `I${idx}`);
  }

  /** The label if it is already decided (fixed, well-known or seen), without assigning one. */
  peekPort(p: number): string | undefined {
    return this.fixed.has(p) || p < 1024 ? String(p) : this.ports.get(p);
  }

  peekId(id: number): string | undefined {
    return this.ids.get(id);
  }

  port(p: number): string {
    let l = this.peekPort(p);
    if (!l) {
      l = `E${[...this.ports.values()].filter((v) => v.startsWith('E')).length + 1}`;
      this.ports.set(p, l);
    }
    return l;
  }

  icmpId(id: number): string {
    let l = this.ids.get(id);
    if (!l) {
      l = `J${[...this.ids.values()].filter((v) => v.startsWith('J')).length + 1}`;
      this.ids.set(id, l);
    }
    return l;
  }
}

/** Masks every free choice as `*`: a sort key that does not depend on what was picked. */
export const maskingLabeller = (known: FreeChoiceLabeller): Labeller => ({
  port: (p) => known.peekPort(p) ?? '*',
  icmpId: (id) => known.peekId(id) ?? '*',
});
