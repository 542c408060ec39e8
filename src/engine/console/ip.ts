import { formatIpv4, type Ipv4, parseIpv4 } from '../net/ipv4';
import { routeOutput } from '../stack/ip';
import type { Iface } from '../stack/iface';
import type { Route } from '../stack/route';
import { type CommandOutput, err, lines, out } from './output';
import type { ConsoleHost } from './state';

// `ip addr`, `ip link`, `ip route`, `ip route get`, `ip neigh` of iproute2 6.x, byte for byte
// (captured in testdata/*.json). The engine has no IPv6: the namespaces compared with are built
// with IPv6 disabled, as parity builds them.

/** iproute2 matches objects and verbs by prefix (`ip a`, `ip ro g`). */
function matches(word: string | undefined, full: string): boolean {
  return word !== undefined && word.length > 0 && full.startsWith(word);
}

export function ipCommand(h: ConsoleHost, args: readonly string[]): CommandOutput {
  let a = [...args];
  while (a[0] === '-4' || a[0] === '-n' || a[0] === '-numeric') a = a.slice(1);
  const [obj, ...rest] = a;
  if (obj === undefined) return err(IP_USAGE, 255);
  if (matches(obj, 'address')) return addrOrLink(h, rest, true);
  if (matches(obj, 'link')) return addrOrLink(h, rest, false);
  if (matches(obj, 'route')) return route(h, rest);
  if (matches(obj, 'neighbour') || matches(obj, 'neighbor')) return neigh(h, rest);
  return err(`Object "${obj}" is unknown, try "ip help".\n`);
}

const IP_USAGE =
  'Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\nwhere  OBJECT := { address | link | neighbour | route }\n';

function devArg(h: ConsoleHost, rest: readonly string[]): { dev?: Iface; error?: CommandOutput } {
  let r = rest;
  if (matches(r[0], 'show') || matches(r[0], 'list')) r = r.slice(1);
  if (r[0] === 'dev') r = r.slice(1);
  if (r[0] === undefined) return {};
  const dev = h.host.ifaces.get(r[0]);
  return dev ? { dev } : { error: err(`Device "${r[0]}" does not exist.\n`) };
}

/** Carrier as the kernel reports it: a veth needs its peer up, a bridge a port that forwards. */
export function carrier(i: Iface): boolean {
  if (!i.up) return false;
  if (i.kind === 'bridge') return i.ports.some((p) => p.up && carrier(p));
  if (i.peer) return i.peer.up;
  return true;
}

/** The `N: name@peer: <FLAGS> ...` and `link/...` lines of ip link / ip addr. */
export function linkFlags(i: Iface): { flags: string; state: string } {
  const lo = i.kind === 'loopback';
  const up = i.up;
  const lower = up && carrier(i);
  const flags: string[] = [];
  if (up && !lower && !lo) flags.push('NO-CARRIER');
  flags.push(...(lo ? ['LOOPBACK'] : ['BROADCAST', 'MULTICAST']));
  if (up) flags.push('UP');
  if (lower) flags.push('LOWER_UP');
  return { flags: flags.join(','), state: !up ? 'DOWN' : lo ? 'UNKNOWN' : lower ? 'UP' : 'DOWN' };
}

function linkHead(h: ConsoleHost, i: Iface, mode: boolean): string {
  const idx = h.ifindex.get(h.name)?.get(i.name) ?? 0;
  let name = i.name;
  if (i.peer) {
    const ph = i.peer.host.name;
    name += ph === h.name ? `@${i.peer.name}` : `@if${h.ifindex.get(ph)?.get(i.peer.name) ?? 0}`;
  }
  const spec = h.spec.interfaces.find((s) => s.name === i.name);
  const lo = i.kind === 'loopback';
  const mtu = spec?.mtu ?? (lo ? 65536 : 1500);
  const { flags, state } = linkFlags(i);
  const master = i.master ? `master ${i.master.name} ` : '';
  const linkType = lo ? 'loopback' : 'ether';
  const brd = lo ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff';
  const netns = i.peer && i.peer.host.name !== h.name ? ` link-netns ${i.peer.host.name}` : '';
  return (
    `${idx}: ${name}: <${flags}> mtu ${mtu} qdisc noqueue ${master}state ${state}${mode ? ' mode DEFAULT' : ''} group default qlen 1000\n` +
    `    link/${linkType} ${i.mac} brd ${brd}${netns}\n`
  );
}

export function byIndex(h: ConsoleHost): Iface[] {
  const idx = h.ifindex.get(h.name);
  return [...h.host.ifaces.values()].sort((x, y) => (idx?.get(x.name) ?? 0) - (idx?.get(y.name) ?? 0));
}

function addrOrLink(h: ConsoleHost, rest: readonly string[], addr: boolean): CommandOutput {
  const { dev, error } = devArg(h, rest);
  if (error) return error;
  let s = '';
  for (const i of dev ? [dev] : byIndex(h)) {
    s += linkHead(h, i, !addr);
    if (!addr) continue;
    for (const a of i.addrs) {
      const scope = formatIpv4(a.addr).startsWith('127.') ? 'host' : 'global';
      s += `    inet ${formatIpv4(a.addr)}/${a.len} scope ${scope} ${i.name}\n`;
      s += '       valid_lft forever preferred_lft forever\n';
    }
  }
  return out(s);
}

/** `ip route` print order: the fib trie walk, by destination, longer prefixes first. */
export function routeOrder(x: Route, y: Route): number {
  return x.dst - y.dst || y.len - x.len || x.metric - y.metric;
}

/** One `ip route` line as iproute2 prints it, trailing blank included. */
export function routeLine(r: Route): string {
  const dst = r.len === 0 ? 'default' : r.len === 32 ? formatIpv4(r.dst) : `${formatIpv4(r.dst)}/${r.len}`;
  let s = r.type !== 'unicast' ? `${r.type} ${dst} ` : `${dst} `;
  if (r.via !== undefined) s += `via ${formatIpv4(r.via)} `;
  if (r.dev) s += `dev ${r.dev.name} `;
  if (r.kernel) s += 'proto kernel ';
  if (r.type === 'unicast' && r.via === undefined) s += 'scope link ';
  if (r.src !== undefined) s += `src ${formatIpv4(r.src)} `;
  if (r.metric) s += `metric ${r.metric} `;
  return s;
}

function route(h: ConsoleHost, rest: readonly string[]): CommandOutput {
  const verb = rest[0];
  if (verb === undefined || matches(verb, 'show') || matches(verb, 'list'))
    return out(lines([...h.host.routes.main].sort(routeOrder).map(routeLine)));
  if (matches(verb, 'get')) {
    const target = rest[1];
    const dst = target === undefined ? undefined : parseIpv4(target);
    if (dst === undefined) return err(`Error: any valid prefix is expected rather than "${target ?? ''}".\n`);
    return routeGet(h, dst);
  }
  return err(`Command "${verb}" is unknown, try "ip route help".\n`);
}

function routeGet(h: ConsoleHost, dst: Ipv4): CommandOutput {
  const d = formatIpv4(dst);
  if (h.host.routes.isLocal(dst)) return out(`local ${d} dev lo src ${d} uid 0 \n    cache <local> \n`);
  const r = routeOutput(h.host, dst);
  if (!r) return err('RTNETLINK answers: Network is unreachable\n', 2);
  const via = r.nexthop !== dst ? `via ${formatIpv4(r.nexthop)} ` : '';
  if (h.host.routes.broadcast.has(dst))
    return out(`broadcast ${d} dev ${r.dev.name} src ${formatIpv4(r.src)} uid 0 \n    cache <local,brd> \n`);
  return out(`${d} ${via}dev ${r.dev.name} src ${formatIpv4(r.src)} uid 0 \n    cache \n`);
}

type NeighState = 'INCOMPLETE' | 'REACHABLE' | 'STALE' | 'DELAY' | 'FAILED';

/** After this long without confirmation an entry is STALE (base_reachable_time 30 s). */
const REACHABLE_US = 30_000_000;
/** A STALE entry that is used waits this long in DELAY before probing (delay_first_probe_time). */
const DELAY_US = 5_000_000;

/**
 * The neighbour table folded from the timeline. Approximations (the timers are random on a
 * kernel): an entry answered by ARP is REACHABLE for 30 s, then STALE; one learned from
 * someone else's request is STALE; a STALE entry that is used is in DELAY for 5 s and counts
 * as confirmed afterwards (the probe is answered).
 */
export function neighTable(h: ConsoleHost) {
  const m = new Map<string, { ip: number; dev: string; mac?: string; state: NeighState; at: number }>();
  for (const ev of h.events) {
    if (ev.type !== 'neigh') continue;
    const key = `${ev.dev}|${ev.ip}`;
    const e = m.get(key);
    switch (ev.op) {
      case 'miss':
        if (!e || e.state === 'FAILED') m.set(key, { ip: ev.ip, dev: ev.dev, state: 'INCOMPLETE', at: ev.t });
        break;
      case 'learn':
        if (e?.state === 'INCOMPLETE') e.mac = ev.mac;
        else m.set(key, { ip: ev.ip, dev: ev.dev, mac: ev.mac, state: 'STALE', at: ev.t });
        break;
      case 'resolved':
        m.set(key, { ip: ev.ip, dev: ev.dev, mac: ev.mac, state: 'REACHABLE', at: ev.t });
        break;
      case 'failed':
        m.set(key, { ip: ev.ip, dev: ev.dev, state: 'FAILED', at: ev.t });
        break;
      case 'hit':
        if (e && e.state !== 'REACHABLE') {
          e.state = 'DELAY';
          e.at = ev.t;
        } else if (e && ev.t - e.at >= REACHABLE_US) {
          e.state = 'DELAY';
          e.at = ev.t;
        }
        break;
    }
  }
  const now = h.now;
  return [...m.values()].reverse().map((e) => {
    let state = e.state;
    if (state === 'REACHABLE' && now - e.at >= REACHABLE_US) state = 'STALE';
    if (state === 'DELAY' && now - e.at >= DELAY_US)
      state = now - e.at - DELAY_US >= REACHABLE_US ? 'STALE' : 'REACHABLE';
    return { ...e, state };
  });
}

function neigh(h: ConsoleHost, rest: readonly string[]): CommandOutput {
  const { dev, error } = devArg(h, rest);
  if (error) return error;
  const ls: string[] = [];
  for (const e of neighTable(h)) {
    if (dev && e.dev !== dev.name) continue;
    const where = dev ? '' : `dev ${e.dev} `;
    const ll =
      e.mac !== undefined && e.state !== 'INCOMPLETE' && e.state !== 'FAILED' ? `lladdr ${e.mac} ` : '';
    ls.push(`${formatIpv4(e.ip)} ${where}${ll}${e.state} `);
  }
  return out(lines(ls));
}
