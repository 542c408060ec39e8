import type { RunResult } from '../api';
import {
  type Cidr,
  formatCidr,
  formatIpv4,
  type Ipv4,
  inCidr,
  networkOf,
  parseCidr,
  parseIpv4,
} from '../net/ipv4';
import type { Frame, IpPacket } from '../packet';
import type { HostSpec } from '../scenario/schema';
import type { TimelineEvent } from '../timeline/events';
import type { FixChange } from './apply';
import { flowOf } from './flow';
import { type FixReason, type FixReasonKey, type FixReasonParams, reasonText } from './reasons';

// Candidate changes for one failed connection, read off the failed run's timeline: where its
// packets died and why, which hosts forwarded, bridged or NATed them. Each candidate is what a
// person would type on that host; the search (search.ts) runs it and keeps what works. Reading
// the failure instead of trying every knob keeps a search to a handful of runs.

export type { FixChange } from './apply';

export interface Candidate {
  readonly change: FixChange;
  /** Why this might help, as a key and parameters for each language's template. */
  readonly reason: FixReason;
  /** The same in English (the start of the fix's reason). */
  readonly hint: string;
}

const BNF = 'net.bridge.bridge-nf-call-iptables';

function ipOf(f: Frame): IpPacket | undefined {
  return f.type === 0x0800 ? f.ip : undefined;
}

function ports(ip: IpPacket): { sport: number; dport: number } | undefined {
  return ip.l4.proto === 6 || ip.l4.proto === 17 ? ip.l4 : undefined;
}

const PROTO: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp' };

/** The iptables words that match this packet: protocol, addresses and destination port. */
function matchOf(ip: IpPacket): string {
  const p = ports(ip);
  const proto = PROTO[ip.proto];
  const l4 = proto && p ? ` -p ${proto} -m ${proto} --dport ${p.dport}` : proto ? ` -p ${proto}` : '';
  return `-s ${formatIpv4(ip.src)}/32 -d ${formatIpv4(ip.dst)}/32${l4}`;
}

/** Where each address lives: host and the prefix of the interface that carries it. */
interface Owner extends Cidr {
  readonly host: string;
  readonly dev: string;
}

function owners(hosts: readonly HostSpec[]): Owner[] {
  const all: Owner[] = [];
  for (const h of hosts)
    for (const i of h.interfaces) {
      if (i.kind === 'loopback') continue;
      for (const a of i.addresses) {
        const c = parseCidr(a);
        if (c) all.push({ host: h.name, dev: i.name, addr: c.addr, len: c.len });
      }
    }
  return all;
}

/** `ip route add` lines on `host` that would send traffic for `dst` to a neighbour that can take it. */
function routeCandidates(result: RunResult, host: string, dst: Ipv4, out: Map<string, Candidate>): void {
  const hosts = result.scenario.hosts;
  const own = owners(hosts);
  const spec = hosts.find((h) => h.name === host);
  if (!spec) return;
  const target = own.find((o) => o.host !== host && inCidr(dst, networkOf(o), o.len));
  const prefix = target ? formatCidr({ addr: networkOf(target), len: target.len }) : `${formatIpv4(dst)}/32`;
  const forwards = (name: string) =>
    // The kernel forwards for any non-zero value (IN_DEV_FORWARD), not only 1.
    (result.hosts.find((h) => h.name === name)?.sysctls['net.ipv4.ip_forward'] ?? '0') !== '0';
  const hasDefault = spec.routes.some((r) => r.dst === 'default');
  for (const mine of own.filter((o) => o.host === host)) {
    for (const n of own) {
      if (n.host === host || n.len !== mine.len) continue;
      if (!inCidr(n.addr, networkOf(mine), mine.len)) continue;
      // A neighbour that forwards, or the owner of the address itself.
      if (!forwards(n.host) && n.host !== target?.host) continue;
      const via = formatIpv4(n.addr);
      add(
        out,
        host,
        `ip route add ${prefix} via ${via} dev ${mine.dev}`,
        R('route', { prefix, via: n.host }),
      );
      if (!hasDefault)
        add(
          out,
          host,
          `ip route add default via ${via} dev ${mine.dev}`,
          R('default-route', { via: n.host }),
        );
    }
  }
}

const R = (key: FixReasonKey, params: FixReasonParams): FixReason => ({ key, params });

function add(out: Map<string, Candidate>, host: string, command: string, reason: FixReason): void {
  const key = `${host}\0${command}`;
  if (!out.has(key)) out.set(key, { change: { host, command }, reason, hint: reasonText(reason) });
}

/** The candidates for traffic item `conn` of a run where it failed, most specific first. */
export function candidatesFor(result: RunResult, conn: number): Candidate[] {
  const out = new Map<string, Candidate>();
  const flow = flowOf(result.events, conn);
  const specs = new Map(result.scenario.hosts.map((h) => [h.name, h]));
  const sysctls = new Map(result.hosts.map((h) => [h.name, h.sysctls]));
  const item = result.scenario.traffic[conn];
  // Frames as they are now, per packet, following every rewrite.
  const frame = new Map<number, Frame>();
  const last = new Map<number, TimelineEvent>();
  const snatted = new Set<string>();
  const forwarded: { host: string; ip: IpPacket; inDev?: string; outDev: string }[] = [];
  const seenFwd = new Set<string>();

  for (const e of flow.events) {
    const pkt = (e as { pkt: number }).pkt;
    switch (e.type) {
      case 'packet':
        frame.set(pkt, e.frame);
        break;
      case 'rewrite':
        frame.set(pkt, e.after);
        if (e.what === 'SNAT' || e.what === 'MASQUERADE') snatted.add(e.host);
        break;
      case 'hook': {
        // The first packet of the flow that a host routes on: where a MASQUERADE would go.
        // (with br_netfilter a bridged packet meets nat POSTROUTING too: kube's hairpin masquerade)
        if (e.hook !== 'POSTROUTING' || e.family !== 'ipv4') break;
        const fwd = flow.events.some(
          (x) => x.type === 'hook' && x.host === e.host && x.pkt === pkt && x.hook === 'FORWARD',
        );
        const f = frame.get(pkt);
        const ip = f ? ipOf(f) : undefined;
        if (fwd && ip && e.out && !seenFwd.has(e.host)) {
          seenFwd.add(e.host);
          const inDev = flow.events.find(
            (x) => x.type === 'hook' && x.host === e.host && x.pkt === pkt && x.hook === 'FORWARD',
          ) as { in?: string } | undefined;
          forwarded.push({ host: e.host, ip, outDev: e.out, ...(inDev?.in ? { inDev: inDev.in } : {}) });
        }
        break;
      }
      case 'drop':
        dropCandidates(result, e, last.get(pkt), frame.get(pkt), flow.events, out);
        break;
      case 'ctstate':
        if (e.ctstate === 'INVALID') invalidCandidates(e.host, pkt, frame.get(pkt), flow.events, out);
        break;
    }
    if (e.type !== 'drop') last.set(pkt, e);
  }

  // A reply that bypasses conntrack on a bridge (br_netfilter off) keeps its NAT: the client's
  // stack answers it with a RST.
  for (const h of new Set(flow.events.filter((e) => e.type === 'bridge').map((e) => e.host))) {
    if (sysctls.get(h)?.[BNF] === '0') add(out, h, `sysctl -w ${BNF}=1`, R('bnf', {}));
  }
  // Where a host forwarded the flow without SNAT, source NAT brings the answer back through it.
  for (const f of forwarded) {
    if (snatted.has(f.host)) continue;
    const hairpin = f.inDev === f.outDev;
    const src = srcPrefix(specs.get(item?.host ?? ''), f.ip.src);
    const rule = hairpin
      ? `-s ${formatIpv4(f.ip.src)}/32 -d ${formatIpv4(f.ip.dst)}/32 -j MASQUERADE`
      : `-s ${src} -o ${f.outDev} -j MASQUERADE`;
    add(out, f.host, `iptables -t nat -A POSTROUTING ${rule}`, R('masquerade', { host: f.host }));
    // The same with a fixed address, as SNAT --to-source names it: the host's on that device.
    const addr = specs
      .get(f.host)
      ?.interfaces.find((i) => i.name === f.outDev)
      ?.addresses.map(parseCidr)
      .find((c) => c !== undefined);
    if (addr)
      add(
        out,
        f.host,
        `iptables -t nat -A POSTROUTING ${rule.replace('-j MASQUERADE', `-j SNAT --to-source ${formatIpv4(addr.addr)}`)}`,
        R('snat', { addr: formatIpv4(addr.addr), host: f.host }),
      );
  }

  // The client cannot even route to its destination (ENETUNREACH before any packet).
  const to = item && 'to' in item ? parseIpv4(item.to.split(':')[0]!) : undefined;
  if (item && to !== undefined) {
    const noRoute = flow.events.some(
      (e) => e.type === 'route' && e.host === item.host && e.decision.kind === 'unreachable',
    );
    if (noRoute || flow.packets.size === 0) routeCandidates(result, item.host, to, out);
  }
  for (const h of result.scenario.hosts)
    for (const i of h.interfaces)
      if (!i.up && flow.events.some((e) => e.host === h.name))
        add(out, h.name, `ip link set dev ${i.name} up`, R('link-down', { dev: i.name, host: h.name }));
  return [...out.values()];
}

/** The client's subnet (`192.168.1.0/24`), as a MASQUERADE rule names its sources. */
function srcPrefix(spec: HostSpec | undefined, src: Ipv4): string {
  for (const i of spec?.interfaces ?? [])
    for (const a of i.addresses) {
      const c = parseCidr(a);
      if (c && i.kind !== 'loopback' && inCidr(src, networkOf(c), c.len))
        return formatCidr({ ...c, addr: networkOf(c) });
    }
  return `${formatIpv4(src)}/32`;
}

function dropCandidates(
  result: RunResult,
  e: Extract<TimelineEvent, { type: 'drop' }>,
  before: TimelineEvent | undefined,
  f: Frame | undefined,
  events: readonly TimelineEvent[],
  out: Map<string, Candidate>,
): void {
  const h = e.host;
  const ip = f ? ipOf(f) : undefined;
  switch (e.reason) {
    case 'rule': {
      if (before?.type === 'rule' && before.family === undefined) {
        const t = before.table === 'filter' ? '' : `-t ${before.table} `;
        add(
          out,
          h,
          `iptables ${t}-D ${before.chain} ${before.rulenum}`,
          R('rule-delete', {
            rulenum: String(before.rulenum),
            table: before.table,
            chain: before.chain,
            rule: before.text.replace(/^-A \S+ /, ''),
          }),
        );
        if (ip)
          add(
            out,
            h,
            `iptables ${t}-I ${before.chain} ${before.rulenum} ${matchOf(ip)} -j ACCEPT`,
            R('rule-accept-above', {
              rulenum: String(before.rulenum),
              table: before.table,
              chain: before.chain,
            }),
          );
      } else if (before?.type === 'policy' && before.family === undefined) {
        const t = before.table === 'filter' ? '' : `-t ${before.table} `;
        add(
          out,
          h,
          `iptables ${t}-P ${before.chain} ACCEPT`,
          R('policy', { table: before.table, chain: before.chain }),
        );
        if (ip)
          add(
            out,
            h,
            `iptables ${t}-A ${before.chain} ${matchOf(ip)} -j ACCEPT`,
            R('policy-append', { table: before.table, chain: before.chain }),
          );
      }
      return;
    }
    case 'no-route':
      if (ip) {
        routeCandidates(result, h, ip.dst, out);
        dnatCandidates(result, h, ip, out);
      }
      return;
    case 'no-socket':
      if (ip) dnatCandidates(result, h, ip, out);
      return;
    case 'forwarding-disabled':
      add(out, h, 'sysctl -w net.ipv4.ip_forward=1', R('ip-forward', { host: h }));
      return;
    case 'rp-filter': {
      const dev = [...events].reverse().find((x) => x.type === 'rcv' && x.host === h && x.pkt === e.pkt) as
        | { dev: string }
        | undefined;
      add(out, h, 'sysctl -w net.ipv4.conf.all.rp_filter=0', R('rp-filter', {}));
      if (dev) add(out, h, `sysctl -w net.ipv4.conf.${dev.dev}.rp_filter=0`, R('rp-filter', {}));
      return;
    }
    case 'bridge-hairpin': {
      const br = [...events].reverse().find((x) => x.type === 'bridge' && x.host === h && x.pkt === e.pkt) as
        | { inPort: string }
        | undefined;
      if (br) add(out, h, `bridge link set dev ${br.inPort} hairpin on`, R('hairpin', { dev: br.inPort }));
      return;
    }
    case 'ct-table-full':
      add(out, h, 'sysctl -w net.netfilter.nf_conntrack_max=262144', R('ct-max', {}));
      return;
    case 'ct-invalid':
      add(out, h, 'sysctl -w net.netfilter.nf_conntrack_tcp_be_liberal=1', R('ct-liberal', {}));
      return;
    default:
      return;
  }
}

/**
 * A missing DNAT: a packet for an address nobody serves on that port dies where a Service
 * address would be translated. Each server of the traffic script on that protocol is a target.
 */
function dnatCandidates(result: RunResult, h: string, ip: IpPacket, out: Map<string, Candidate>): void {
  const p = ports(ip);
  const proto = PROTO[ip.proto];
  const own = owners(result.scenario.hosts);
  let n = 0;
  if (ip.l4.proto === 1 && ip.l4.type === 8) {
    // A ping has no port: a one-to-one DNAT of the whole address to a host that serves something.
    for (const t of result.scenario.traffic) {
      if ((t.kind !== 'tcp-listen' && t.kind !== 'udp-listen') || t.host === h || n >= 3) continue;
      const addr = t.address !== '0.0.0.0' ? parseIpv4(t.address) : own.find((o) => o.host === t.host)?.addr;
      if (addr === undefined || addr === ip.dst) continue;
      n++;
      add(
        out,
        h,
        `iptables -t nat -A PREROUTING -d ${formatIpv4(ip.dst)}/32 -j DNAT --to-destination ${formatIpv4(addr)}`,
        R('dnat-ping', { host: h, server: t.host, addr: formatIpv4(addr) }),
      );
    }
    return;
  }
  if (!p || !proto) return;
  for (const t of result.scenario.traffic) {
    if (t.kind !== (proto === 'tcp' ? 'tcp-listen' : 'udp-listen') || t.host === h || n >= 3) continue;
    const addr = t.address !== '0.0.0.0' ? parseIpv4(t.address) : own.find((o) => o.host === t.host)?.addr;
    if (addr === undefined) continue;
    if (addr === ip.dst && t.port === p.dport) continue;
    n++;
    const to = `${formatIpv4(addr)}:${t.port}`;
    add(
      out,
      h,
      `iptables -t nat -A PREROUTING -d ${formatIpv4(ip.dst)}/32 -p ${proto} -m ${proto} --dport ${p.dport} -j DNAT --to-destination ${to}`,
      R('dnat', { host: h, to }),
    );
  }
}

/**
 * A packet conntrack calls INVALID goes on without its NAT undone (it is not dropped unless a
 * rule says so): accept it as part of the connection (TCP: be_liberal), or drop it where it
 * would otherwise be forwarded or delivered, as kube-proxy's KUBE-FORWARD rule does.
 */
function invalidCandidates(
  h: string,
  pkt: number,
  f: Frame | undefined,
  events: readonly TimelineEvent[],
  out: Map<string, Candidate>,
): void {
  const ip = f ? ipOf(f) : undefined;
  if (ip?.l4.proto === 6)
    add(out, h, 'sysctl -w net.netfilter.nf_conntrack_tcp_be_liberal=1', R('ct-liberal-nat', {}));
  const next = events.find(
    (x) => x.type === 'hook' && x.host === h && x.pkt === pkt && (x.hook === 'FORWARD' || x.hook === 'INPUT'),
  ) as { hook: string } | undefined;
  if (next)
    add(
      out,
      h,
      `iptables -I ${next.hook} 1 -m conntrack --ctstate INVALID -j DROP`,
      R('invalid-drop', { hook: next.hook, host: h }),
    );
}
