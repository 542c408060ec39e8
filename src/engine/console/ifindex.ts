import type { Scenario } from '../scenario/schema';

/** host -> interface name -> ifindex. */
export type IfIndexes = ReadonlyMap<string, ReadonlyMap<string, number>>;

/**
 * Interface indexes as a kernel hands them out when the scenario is built the way
 * parity/build.ts builds it: each namespace counts on its own from 1 (lo); bridges are made
 * first, host by host, then veth pairs in host and interface order, each pair taking the next
 * index in both namespaces at once; an interface with no peer is a dummy made in that walk.
 */
export function ifIndexes(s: Scenario): IfIndexes {
  const out = new Map<string, Map<string, number>>();
  const next = new Map<string, number>();
  const give = (host: string, ifname: string) => {
    let m = out.get(host);
    if (!m) {
      m = new Map();
      out.set(host, m);
    }
    if (m.has(ifname)) return;
    const n = next.get(host) ?? 2;
    m.set(ifname, n);
    next.set(host, n + 1);
  };
  for (const h of s.hosts) {
    out.set(h.name, new Map());
    for (const i of h.interfaces) if (i.kind === 'loopback') out.get(h.name)!.set(i.name, 1);
  }
  for (const h of s.hosts) for (const i of h.interfaces) if (i.kind === 'bridge') give(h.name, i.name);
  for (const h of s.hosts)
    for (const i of h.interfaces) {
      if (i.kind === 'loopback' || i.kind === 'bridge' || out.get(h.name)!.has(i.name)) continue;
      give(h.name, i.name);
      if (i.peer) give(i.peer.host, i.peer.ifname);
    }
  return out;
}
