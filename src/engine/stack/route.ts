import { type Cidr, formatIpv4, type Ipv4, inCidr, maskOf, networkOf } from '../net/ipv4';
import type { RouteDecision } from '../timeline/events';
import type { Iface } from './iface';

export interface Route {
  readonly dst: Ipv4;
  readonly len: number;
  readonly via?: Ipv4;
  readonly dev?: Iface;
  readonly metric: number;
  readonly src?: Ipv4;
  readonly type: 'unicast' | 'local' | 'broadcast' | 'blackhole' | 'unreachable' | 'prohibit';
  /** Connected route made from an address (`proto kernel scope link`). */
  readonly kernel: boolean;
}

/** `ip route` text of a main-table route. */
export function formatRoute(r: Route): string {
  const dst = r.len === 0 ? 'default' : r.len === 32 ? formatIpv4(r.dst) : `${formatIpv4(r.dst)}/${r.len}`;
  const parts = [r.type !== 'unicast' ? `${r.type} ${dst}` : dst];
  if (r.via !== undefined) parts.push(`via ${formatIpv4(r.via)}`);
  if (r.dev) parts.push(`dev ${r.dev.name}`);
  if (r.kernel) parts.push('proto kernel scope link');
  if (r.src !== undefined) parts.push(`src ${formatIpv4(r.src)}`);
  if (r.metric) parts.push(`metric ${r.metric}`);
  return parts.join(' ');
}

/**
 * The local and main tables of one namespace. Lookup follows the kernel's policy rules:
 * local table first (addresses of the host, 127/8), then main by longest prefix and metric.
 */
export class RoutingTable {
  main: Route[] = [];
  /** address -> device that holds it. */
  local = new Map<number, Iface>();
  /** Directed broadcast addresses of the host's subnets. */
  broadcast = new Set<number>();
  private cache = new Map<number, Route | null>();

  rebuild(ifaces: Iterable<Iface>, extra: readonly Route[]): void {
    this.main = [];
    this.local.clear();
    this.broadcast.clear();
    this.cache.clear();
    for (const i of ifaces) {
      if (!i.up) continue;
      for (const a of i.addrs) {
        this.local.set(a.addr, i);
        if (i.kind === 'loopback') continue;
        if (a.len < 31) this.broadcast.add((networkOf(a) | ~maskOf(a.len)) >>> 0);
        // A second address in a subnet the device has already is secondary: the kernel adds
        // no prefix route for it (fib_add_ifaddr skips IFA_F_SECONDARY).
        const net = networkOf(a);
        if (this.main.some((r) => r.kernel && r.dev === i && r.len === a.len && r.dst === net)) continue;
        this.main.push({
          dst: networkOf(a),
          len: a.len,
          dev: i,
          metric: 0,
          src: a.addr,
          type: 'unicast',
          kernel: true,
        });
      }
    }
    this.main.push(...extra);
  }

  isLocal(a: Ipv4): boolean {
    return this.local.has(a) || (a >>> 24 === 127 && this.local.size > 0);
  }

  /** Longest-prefix match in the main table, lowest metric among equals. */
  lookupMain(dst: Ipv4): Route | undefined {
    const hit = this.cache.get(dst);
    if (hit !== undefined) return hit ?? undefined;
    let best: Route | undefined;
    for (const r of this.main) {
      if (!inCidr(dst, r.dst, r.len)) continue;
      if (!best || r.len > best.len || (r.len === best.len && r.metric < best.metric)) best = r;
    }
    this.cache.set(dst, best ?? null);
    return best;
  }
}

export function cidrText(c: Cidr): string {
  return `${formatIpv4(c.addr)}/${c.len}`;
}

export function decisionText(d: Omit<RouteDecision, 'text'>): string {
  const parts: string[] = [d.kind === 'unicast' ? '' : d.kind];
  if (d.via !== undefined) parts.push(`via ${formatIpv4(d.via)}`);
  if (d.dev) parts.push(`dev ${d.dev}`);
  if (d.src !== undefined) parts.push(`src ${formatIpv4(d.src)}`);
  return parts.filter(Boolean).join(' ');
}
