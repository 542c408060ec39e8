import { formatFrame } from '../format/packet';
import { formatIpv4, parseIpv4 } from '../net/ipv4';
import type { Frame, TcpHeader } from '../packet';
import { tcpFlags } from '../format/packet';
import { type CommandOutput, err } from './output';
import type { ConsoleHost } from './state';

// `tcpdump -n -i IF [expression]`: what crossed the interface up to the playhead, then the
// summary tcpdump prints when interrupted. Timestamps are the virtual clock as a time of day.
// TCP timestamps are not modelled: `TS val` is the sender's virtual time in ms, `ecr` the
// last value seen the other way, which is what Linux's clock-based TS values amount to.

type Filter = (f: Frame) => boolean;

export function tcpdumpCommand(h: ConsoleHost, args: readonly string[]): CommandOutput {
  let iface: string | undefined;
  let count = Number.POSITIVE_INFINITY;
  let ether = false;
  const expr: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-i' || a === '--interface') iface = args[++i];
    else if (a.startsWith('-i') && a.length > 2) iface = a.slice(2);
    else if (a === '-c') count = Number(args[++i]);
    else if (/^-[nle]+$/.test(a)) ether ||= a.includes('e');
    else if (a.startsWith('-')) return err(`tcpdump: invalid option -- '${a.slice(1)}'\n`, 1);
    else expr.push(a);
  }
  if (iface === undefined) iface = [...h.host.ifaces.values()].find((i) => i.kind !== 'loopback')?.name;
  if (iface === undefined || !h.host.ifaces.has(iface))
    return err(`tcpdump: ${iface ?? 'any'}: No such device exists\n(No such device exists)\n`, 1);
  const filter = parseFilter(expr);
  if (typeof filter === 'string') return err(`tcpdump: ${filter}\n`, 1);
  const stderr0 = `tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on ${iface}, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n`;
  const tcp = new TcpPrinter();
  let stdout = '';
  let n = 0;
  for (const ev of h.events) {
    if ((ev.type !== 'xmit' && ev.type !== 'rcv') || ev.dev !== iface || n >= count) continue;
    const line = tcp.line(ev.frame, ev.t);
    if (!filter(ev.frame)) continue;
    const len = 14 + (ev.frame.type === 0x0800 ? ev.frame.ip.len : 28);
    const link = ether
      ? `${ev.frame.src} > ${ev.frame.dst}, ethertype ${ev.frame.type === 0x0800 ? 'IPv4 (0x0800)' : 'ARP (0x0806)'}, length ${len}: `
      : '';
    stdout += `${clock(ev.t)} ${link}${line}\n`;
    n++;
  }
  const tail = `\n${n} packet${n === 1 ? '' : 's'} captured\n${n} packet${n === 1 ? '' : 's'} received by filter\n0 packets dropped by kernel\n`;
  return { stdout, stderr: stderr0 + tail, exit: 0, text: stderr0 + stdout + tail };
}

function clock(t: number): string {
  const us = Math.floor(t) % 1_000_000;
  const s = Math.floor(t / 1_000_000);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${p2(Math.floor(s / 3600) % 24)}:${p2(Math.floor(s / 60) % 60)}:${p2(s % 60)}.${String(us).padStart(6, '0')}`;
}

const u32 = (n: number) => n >>> 0;

/** tcpdump's relative sequence numbers (print-tcp.c tcp_seq_hash) and the TS option. */
class TcpPrinter {
  private readonly conns = new Map<string, { fwd: string; seq: number; ack: number }>();
  private readonly lastTs = new Map<string, number>();

  line(f: Frame, t: number): string {
    if (f.type !== 0x0800 || f.ip.proto !== 6) return formatFrame(f);
    const ip = f.ip;
    const tcp = ip.l4 as TcpHeader;
    const a = `${formatIpv4(ip.src)}.${tcp.sport}`;
    const b = `${formatIpv4(ip.dst)}.${tcp.dport}`;
    const dir = `${a}>${b}`;
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    let seq = tcp.seq;
    let ack = tcp.ack;
    if (tcp.flags & 0x10) {
      const c = this.conns.get(key);
      if (!c || tcp.flags & 0x02) this.conns.set(key, { fwd: dir, seq: tcp.seq, ack: u32(tcp.ack - 1) });
      else if (c.fwd === dir) {
        seq = u32(seq - c.seq);
        ack = u32(ack - c.ack);
      } else {
        seq = u32(seq - c.ack);
        ack = u32(ack - c.seq);
      }
    }
    let s = `IP ${a} > ${b}: Flags [${tcpFlags(tcp.flags)}]`;
    if (tcp.payloadLen > 0) s += `, seq ${seq}:${u32(seq + tcp.payloadLen)}`;
    else if (tcp.flags & 0x07) s += `, seq ${seq}`;
    if (tcp.flags & 0x10) s += `, ack ${ack}`;
    s += `, win ${tcp.window}`;
    if (!(tcp.flags & 0x04)) {
      const val = Math.floor(t / 1000);
      const ecr = tcp.flags & 0x02 && !(tcp.flags & 0x10) ? 0 : (this.lastTs.get(`${b}>${a}`) ?? 0);
      this.lastTs.set(dir, val);
      s +=
        tcp.flags & 0x02
          ? `, options [mss 1460,sackOK,TS val ${val} ecr ${ecr}${tcp.wscale !== undefined ? `,nop,wscale ${tcp.wscale}` : ''}]`
          : `, options [nop,nop,TS val ${val} ecr ${ecr}]`;
    }
    return `${s}, length ${tcp.payloadLen}`;
  }
}

/** What libpcap 1.10 (tcpdump 4.99, on the kernel) says of an expression it cannot parse. */
const SYNTAX = "can't parse filter expression: syntax error";

/** A pcap-filter expression of primitives (host, src, dst, port, tcp, udp, icmp, arp, ip) with and/or/not. */
export function parseFilter(words: readonly string[]): Filter | string {
  let i = 0;
  const peek = () => words[i];
  const addrs = (f: Frame): [number, number] | undefined =>
    f.type === 0x0800 ? [f.ip.src, f.ip.dst] : [f.arp.spa, f.arp.tpa];
  const ports = (f: Frame): [number, number] | undefined =>
    f.type === 0x0800 && (f.ip.l4.proto === 6 || f.ip.l4.proto === 17)
      ? [f.ip.l4.sport, f.ip.l4.dport]
      : undefined;
  const primary = (): Filter | string => {
    const w = words[i++];
    if (w === undefined) return SYNTAX;
    if (w === 'not' || w === '!') {
      const inner = primary();
      return typeof inner === 'string' ? inner : (f) => !inner(f);
    }
    if (w === '(') {
      const inner = or();
      if (typeof inner === 'string') return inner;
      if (words[i++] !== ')') return SYNTAX;
      return inner;
    }
    let dirn: 'src' | 'dst' | undefined;
    let word = w;
    if (word === 'src' || word === 'dst') {
      dirn = word;
      word = words[i] === 'host' || words[i] === 'port' ? words[i++]! : 'host';
    }
    const host =
      (a: number): Filter =>
      (f) => {
        const x = addrs(f);
        return !!x && ((dirn !== 'dst' && x[0] === a) || (dirn !== 'src' && x[1] === a));
      };
    if (word === 'host') {
      const v = words[i++];
      if (v === undefined || ['and', 'or', 'not', '&&', '||', '!', '(', ')'].includes(v)) return SYNTAX;
      const a = parseIpv4(v);
      if (a !== undefined) return host(a);
      // Names are not resolved here; a dotted quad out of range is refused as such.
      return /^[\d.]+$/.test(v) ? `invalid IPv4 address '${v}'` : `unknown host '${v}'`;
    }
    if (word === 'port') {
      const v = words[i++];
      if (v === undefined || ['and', 'or', 'not', '&&', '||', '!', '(', ')'].includes(v)) return SYNTAX;
      const p = Number(v);
      if (!/^\d+$/.test(v)) return `unknown port '${v}'`;
      if (p > 65535) return `illegal port number ${v} > 65535`;
      return (f) => {
        const x = ports(f);
        return !!x && ((dirn !== 'dst' && x[0] === p) || (dirn !== 'src' && x[1] === p));
      };
    }
    const proto: Record<string, Filter> = {
      tcp: (f) => f.type === 0x0800 && f.ip.proto === 6,
      udp: (f) => f.type === 0x0800 && f.ip.proto === 17,
      icmp: (f) => f.type === 0x0800 && f.ip.proto === 1,
      ip: (f) => f.type === 0x0800,
      arp: (f) => f.type === 0x0806,
    };
    if (proto[word]) return proto[word]!;
    const bare = parseIpv4(word);
    if (bare !== undefined) return host(bare);
    return SYNTAX;
  };
  const and = (): Filter | string => {
    let l = primary();
    while (typeof l !== 'string' && (peek() === 'and' || peek() === '&&')) {
      i++;
      const r = primary();
      if (typeof r === 'string') return r;
      const x = l;
      l = (f) => x(f) && r(f);
    }
    return l;
  };
  const or = (): Filter | string => {
    let l = and();
    while (typeof l !== 'string' && (peek() === 'or' || peek() === '||')) {
      i++;
      const r = and();
      if (typeof r === 'string') return r;
      const x = l;
      l = (f) => x(f) || r(f);
    }
    return l;
  };
  if (words.length === 0) return () => true;
  const f = or();
  if (typeof f !== 'string' && i < words.length) return SYNTAX;
  return f;
}
