import type { Cidr, Ipv4, Mac } from '../net/ipv4';
import { formatIpv4, parseCidr, parseIpv4 } from '../net/ipv4';
import type { HostSpec } from '../scenario/schema';
import { createRandom, hash32, type Random } from '../sim/rng';
import type { Iface } from './iface';
import { stpForwardDelay } from './stp';
import { type Route, RoutingTable } from './route';
import type { Skb } from './skb';
import { Sysctls } from './sysctl';

/** A MAC derived from host and device names: locally administered, stable across runs. */
export function derivedMac(host: string, dev: string): Mac {
  const h1 = hash32(`${host}/${dev}`);
  const h2 = hash32(`${dev}/${host}`);
  const b = [0x02, h1 & 255, (h1 >>> 8) & 255, (h1 >>> 16) & 255, (h1 >>> 24) & 255, h2 & 255];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export interface PendingNeigh {
  readonly dev: Iface;
  readonly ip: Ipv4;
  readonly queue: Skb[];
  tries: number;
}

/** One network namespace. Netfilter, conntrack and sockets hang off it (see their modules). */
export class Host {
  readonly ifaces = new Map<string, Iface>();
  readonly routes = new RoutingTable();
  readonly sysctl: Sysctls;
  readonly pending = new Map<string, PendingNeigh>();
  readonly random: Random;
  /** ip_route_output results by destination (see routeOutput). */
  readonly outRoutes = new Map<number, { dev: Iface; nexthop: Ipv4; src: Ipv4 } | null>();
  /** ICMP redirect rate limiting per source address (inet_peer rate_tokens). */
  readonly redirectPeers = new Map<number, { n: number; last: number }>();
  private ipIdNext: number;
  private nextEphemeral: number;
  // biome-ignore lint/suspicious/noExplicitAny: owned by stack/netfilter.ts
  nf: any;
  // biome-ignore lint/suspicious/noExplicitAny: owned by stack/sockets.ts
  sockets: any;

  constructor(
    /** The host's configuration; a scenario's `changes` replace it during the run (sim/changes.ts). */
    public spec: HostSpec,
    seed: number,
  ) {
    this.sysctl = new Sysctls(spec.sysctls);
    this.random = createRandom(seed, `host:${spec.name}`);
    this.ipIdNext = hash32(`ipid:${spec.name}`) & 0xffff;
    const [lo, hi] = this.portRange();
    this.nextEphemeral = lo + Math.floor(createRandom(seed, `ports:${spec.name}`)() * (hi - lo + 1));
  }

  get name(): string {
    return this.spec.name;
  }

  ipId(): number {
    this.ipIdNext = (this.ipIdNext + 1) & 0xffff;
    return this.ipIdNext;
  }

  portRange(): [number, number] {
    const v = (this.sysctl.get('net.ipv4.ip_local_port_range') ?? '32768 60999').split(/\s+/).map(Number);
    return [v[0] ?? 32768, v[1] ?? 60999];
  }

  /** The next ephemeral port not rejected by `inUse` (the kernel walks from a random offset); undefined when all are. */
  ephemeralPort(inUse: (p: number) => boolean): number | undefined {
    const [lo, hi] = this.portRange();
    for (let i = 0; i <= hi - lo; i++) {
      const p = this.nextEphemeral;
      this.nextEphemeral = p >= hi ? lo : p + 1;
      if (!inUse(p)) return p;
    }
    return undefined;
  }

  iface(name: string): Iface | undefined {
    return this.ifaces.get(name);
  }

  /** Primary address of a device, preferring one on the same subnet as `near` (inet_select_addr). */
  addrOf(dev: Iface, near?: Ipv4): Ipv4 | undefined {
    if (near !== undefined) {
      for (const a of dev.addrs) if (sameNet(a, near)) return a.addr;
    }
    return dev.addrs[0]?.addr;
  }

  /** Any address of the host, for devices with none (as inet_select_addr falls back). */
  anyAddr(): Ipv4 | undefined {
    for (const i of this.ifaces.values()) if (i.kind !== 'loopback' && i.addrs[0]) return i.addrs[0].addr;
    return undefined;
  }
}

function sameNet(a: Cidr, ip: Ipv4): boolean {
  const m = a.len === 0 ? 0 : (0xffffffff << (32 - a.len)) >>> 0;
  return (a.addr & m) >>> 0 === (ip & m) >>> 0;
}

export type BuildError = { readonly where: string; readonly message: string };

/** Creates a host's devices and routes from its spec; peers and masters are wired by the caller. */
export function buildHost(spec: HostSpec, seed: number, hi: number): Host | BuildError {
  const h = new Host(spec, seed);
  for (const [ii, s] of spec.interfaces.entries()) {
    const addrs: Cidr[] = [];
    for (const [ai, text] of s.addresses.entries()) {
      const c = parseCidr(text);
      if (!c || !text.includes('/'))
        return {
          where: `hosts[${hi}].interfaces[${ii}].addresses[${ai}]`,
          message: `not an address/prefix: ${text}`,
        };
      addrs.push(c);
    }
    h.ifaces.set(s.name, {
      host: h,
      name: s.name,
      kind: s.kind,
      mac:
        s.mac?.toLowerCase() ?? (s.kind === 'loopback' ? '00:00:00:00:00:00' : derivedMac(spec.name, s.name)),
      addrs,
      up: s.up,
      hairpin: s.hairpin ?? false,
      ...(s.stp_state === 1 ? { stp: { forwardDelay: stpForwardDelay(s.forward_delay) } } : {}),
      ports: [],
      fdb: new Map(),
      neigh: new Map(),
    });
  }
  for (const i of h.ifaces.values()) {
    const s = spec.interfaces.find((x) => x.name === i.name)!;
    if (s.master) {
      const m = h.ifaces.get(s.master)!;
      i.master = m;
      m.ports.push(i);
    }
  }
  const extra = staticRoutes(h, spec, hi);
  if (!Array.isArray(extra)) return extra;
  h.routes.rebuild(h.ifaces.values(), extra);
  return h;
}

/** The routes a spec lists beside the connected ones, resolved against the host's devices. */
export function staticRoutes(h: Host, spec: HostSpec, hi: number): Route[] | BuildError {
  const extra: Route[] = [];
  for (const [ri, r] of spec.routes.entries()) {
    const where = `hosts[${hi}].routes[${ri}]`;
    const dst = parseCidr(r.dst);
    if (!dst) return { where: `${where}.dst`, message: `not a destination: ${r.dst}` };
    const via = r.via !== undefined ? parseIpv4(r.via) : undefined;
    if (r.via !== undefined && via === undefined)
      return { where: `${where}.via`, message: `not an address: ${r.via}` };
    let dev = r.dev !== undefined ? h.ifaces.get(r.dev) : undefined;
    if (r.dev !== undefined && !dev)
      return { where: `${where}.dev`, message: `${spec.name} has no device ${r.dev}` };
    if (!dev && via !== undefined) {
      for (const i of h.ifaces.values()) if (i.addrs.some((a) => sameNet(a, via))) dev = i;
      if (!dev)
        return {
          where: `${where}.via`,
          message: `Nexthop has invalid gateway: ${formatIpv4(via)} is not on any link`,
        };
    }
    const type = r.type ?? 'unicast';
    if (type === 'unicast' && !dev) return { where, message: 'a unicast route needs dev or via' };
    const src = r.src !== undefined ? parseIpv4(r.src) : undefined;
    extra.push({
      dst: ((dst.addr & (dst.len === 0 ? 0 : (0xffffffff << (32 - dst.len)) >>> 0)) >>> 0) as Ipv4,
      len: dst.len,
      via,
      dev,
      metric: r.metric ?? 0,
      src,
      type,
      kernel: false,
    });
  }
  return extra;
}
