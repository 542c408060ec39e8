import { formatIpv4 } from '../net/ipv4';
import type { Frame, IcmpHeader, IpPacket } from '../packet';
import type { NftFamily, PacketId, TimelineEvent } from './events';

// `nft monitor trace` as nft 1.0.6 prints it on Linux 6.18, for packets the engine ran: one
// `packet:` line when a packet enters a base chain, a `rule` line for each rule that matched
// (with its verdict), a `policy` line when a base chain ends on its policy. Captured on the
// kernel with a `meta nftrace set 1` chain at priority -350 (parity/build.ts TRACE_TABLE):
//
//   trace id 17c910b9 ip kube-proxy nat-prerouting packet: iif "cni0" ether saddr 66:63:fe:15:dd:b5 ether daddr 1e:74:20:ff:44:1f ip saddr 10.244.1.2 ip daddr 10.96.0.10 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 32058 ip length 60 tcp sport 36328 tcp dport 80 tcp flags == syn tcp window 64240 ⏎
//   trace id 17c910b9 ip kube-proxy nat-prerouting rule jump services (verdict jump services)
//   trace id 17c910b9 ip kube-proxy endpoint-...__10.244.1.3/8080 rule meta l4proto tcp dnat to 10.244.1.3:8080 (verdict accept)
//   trace id 17c910b9 ip kube-proxy nat-postrouting policy accept ⏎
//
// (`⏎`: packet and policy lines end with a space, as nft prints them.) What differs from one
// machine to the next, and how this output stands for it:
// - the trace id: the kernel hashes the skb's address with a key drawn at boot, so ids are
//   random and a packet may even change id on the way (a br_netfilter hand-over, a `lo`
//   re-entry). Here the id is a hash of the namespace and the packet's number in the run: one
//   id per packet and namespace, the same on every run.
// - MAC addresses, IP ids and ports are the scenario's own (the kernel's differ per run).
// - The packets are all traced, as if every namespace had the trace chain; the trace chain's
//   own lines (`rule meta nftrace set 1 (verdict continue)`) are not printed.
// - Counters in rule text are those the ruleset was loaded with (nft prints the rule from the
//   cache it read when the monitor started, so a monitor started before the traffic shows 0).

/** One line of `nft monitor trace` and where it comes from. */
export interface NftTraceLine {
  readonly host: string;
  /** Index of the timeline event that printed it. */
  readonly at: number;
  readonly pkt: PacketId;
  readonly text: string;
}

/** The text a rule line shows for an iptables-nft rule (its `nft list ruleset` form). */
export type IptablesAsNft = (
  host: string,
  table: string,
  chain: string,
  rulenum: number,
  text: string,
) => string;

interface PktState {
  frame?: Frame;
  /** Device the packet came in on in this namespace (the IPv4 device: the bridge, not its port). */
  ipIn?: string;
  /** Bridge port it came in on, for the bridge family. */
  brIn?: string;
  /** The hook being run and its devices. */
  hook?: string;
  in?: string;
  out?: string;
  bridged?: boolean;
  family?: 'ipv4' | 'bridge';
  /** Base chain being walked (family and table), for rule lines of regular chains. */
  chainFamily?: string;
  chainTable?: string;
}

const TCP_FLAG_NAMES: readonly [number, string][] = [
  [0x01, 'fin'],
  [0x02, 'syn'],
  [0x04, 'rst'],
  [0x08, 'psh'],
  [0x10, 'ack'],
  [0x20, 'urg'],
  [0x40, 'ecn'],
  [0x80, 'cwr'],
];

const ICMP_TYPE_NAMES: Record<number, string> = {
  0: 'echo-reply',
  3: 'destination-unreachable',
  4: 'source-quench',
  5: 'redirect',
  8: 'echo-request',
  9: 'router-advertisement',
  10: 'router-solicitation',
  11: 'time-exceeded',
  12: 'parameter-problem',
  13: 'timestamp-request',
  14: 'timestamp-reply',
  15: 'info-request',
  16: 'info-reply',
  17: 'address-mask-request',
  18: 'address-mask-reply',
};

/** nft's icmp_code type: the names of ICMP codes whatever the type (so echo's code 0 is net-unreachable). */
const ICMP_CODE_NAMES: Record<number, string> = {
  0: 'net-unreachable',
  1: 'host-unreachable',
  2: 'prot-unreachable',
  3: 'port-unreachable',
  4: 'frag-needed',
  9: 'net-prohibited',
  10: 'host-prohibited',
  13: 'admin-prohibited',
};

const ICMP_ERRORS: ReadonlySet<number> = new Set([3, 4, 5, 11, 12]);

/** A 32-bit FNV-1a hash as 8 hex digits: the stand-in for the kernel's random trace id. */
export function traceId(host: string, pkt: PacketId): string {
  let h = 0x811c9dc5;
  const s = `${host}\u0000${pkt}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

function hex(n: number, bytes: number): string {
  return (n >>> 0)
    .toString(16)
    .padStart(bytes * 2, '0')
    .slice(-bytes * 2);
}

function tcpFlags(f: number): string {
  const one = TCP_FLAG_NAMES.find(([bit]) => bit === f);
  return one ? one[1] : `0x${f.toString(16)}`;
}

/** The first 12 bytes of an IPv4 header (what 20 bytes of an ICMP error hold after its own 8). */
function ipHead12(ip: IpPacket): string {
  const words = [
    0x4500,
    ip.len & 0xffff,
    ip.id & 0xffff,
    0x4000, // DF: Linux sets it on TCP and UDP (path MTU discovery)
    ((ip.ttl & 0xff) << 8) | (ip.proto & 0xff),
  ];
  const src = ip.src >>> 0;
  const dst = ip.dst >>> 0;
  let sum = 0;
  for (const w of [...words, src >>> 16, src & 0xffff, dst >>> 16, dst & 0xffff]) sum += w;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const csum = ~sum & 0xffff;
  return words.map((w) => hex(w, 2)).join('') + hex(csum, 2);
}

function textBytes(text: string | undefined, max: number): string | undefined {
  if (text === undefined) return undefined;
  const bytes = new TextEncoder().encode(text).slice(0, max);
  return Array.from(bytes, (b) => hex(b, 1)).join('');
}

/** The transport part of a packet line (20 bytes of the header as the kernel hands them). */
function l4Text(ip: IpPacket): string {
  const l4 = ip.l4;
  if (l4.proto === 6)
    return `tcp sport ${l4.sport} tcp dport ${l4.dport} tcp flags == ${tcpFlags(l4.flags)} tcp window ${l4.window} `;
  if (l4.proto === 17) {
    let s = `udp sport ${l4.sport} udp dport ${l4.dport} udp length ${8 + l4.payloadLen} `;
    const n = Math.min(12, l4.payloadLen);
    const data = textBytes(l4.payload, n);
    if (n > 0 && data && data.length === n * 2) s += `@th,64,${n * 8} 0x${data} `;
    return s;
  }
  return icmpText(l4);
}

function icmpText(c: IcmpHeader): string {
  const type = ICMP_TYPE_NAMES[c.type] ?? String(c.type);
  const code = ICMP_CODE_NAMES[c.code] ?? String(c.code);
  let id = c.id;
  let seq = c.seq;
  if (c.type === 5 && c.gateway !== undefined) {
    id = c.gateway >>> 16;
    seq = c.gateway & 0xffff;
  } else if (ICMP_ERRORS.has(c.type)) {
    id = 0;
    seq = 0;
  }
  let s = `icmp type ${type} icmp code ${code} icmp id ${id} icmp sequence ${seq} `;
  if (c.inner) s += `@th,64,96 0x${ipHead12(c.inner)} `;
  return s;
}

function ipText(ip: IpPacket, family: string): string {
  const dscp = ip.l4.proto === 1 && ICMP_ERRORS.has(ip.l4.type) ? 'cs6' : 'cs0';
  const proto =
    family === 'bridge'
      ? `ip protocol ${ip.proto === 6 ? 'tcp' : ip.proto === 17 ? 'udp' : ip.proto === 1 ? 'icmp' : ip.proto} `
      : '';
  return `ip saddr ${formatIpv4(ip.src)} ip daddr ${formatIpv4(ip.dst)} ip dscp ${dscp} ip ecn not-ect ip ttl ${ip.ttl} ip id ${ip.id} ${proto}ip length ${ip.len} `;
}

function macHex(m: string): string {
  return m.replace(/:/g, '').toLowerCase();
}

function packetText(st: PktState, family: string): string | undefined {
  const f = st.frame;
  if (!f) return undefined;
  let s = '';
  const bridgeFamily = family === 'bridge';
  // Devices: the kernel reports the hook's in and out devices; in POSTROUTING of a routed
  // packet `in` is the device it arrived on (ip_output passes skb->dev), for a frame
  // br_netfilter hands to POSTROUTING there is none.
  let iif = st.in;
  const oif = st.out;
  if (!bridgeFamily && st.hook === 'POSTROUTING' && !st.bridged) iif = st.ipIn;
  // NF_BR_FORWARD gets the port the frame came in on as its input device.
  if (bridgeFamily && st.hook === 'BR_FORWARD') iif = st.brIn;
  if (iif) s += `iif "${iif}" `;
  if (oif) s += `oif "${oif}" `;
  // The link-layer header: decoded when there is an input device (its type says Ethernet),
  // raw when the packet came in but the hook has no input device, absent for local packets.
  const received = bridgeFamily ? st.brIn !== undefined || st.in !== undefined : st.ipIn !== undefined;
  // The bridge family always knows its link layer is Ethernet.
  if (iif || bridgeFamily) s += `ether saddr ${f.src} ether daddr ${f.dst} `;
  else if (received) s += `@ll,0,112 0x${macHex(f.dst)}${macHex(f.src)}${hex(f.type, 2)} `;
  if (f.type === 0x0806) return `${s}arp operation ${f.arp.op === 1 ? 'request' : 'reply'} `;
  return s + ipText(f.ip, family) + l4Text(f.ip);
}

function verdictText(v: string): string {
  if (v.startsWith('jump ') || v.startsWith('goto ')) return v;
  if (v === 'continue' || v === 'return' || v === 'accept' || v === 'drop') return v;
  // REJECT / `reject` end in NF_DROP; NAT statements and targets in NF_ACCEPT.
  if (v.startsWith('reject')) return 'drop';
  return 'accept';
}

function nftFamily(family: NftFamily | undefined): string {
  return family ?? 'ip';
}

/**
 * The `nft monitor trace` lines of the events at `indices` (in timeline order), e.g. every
 * event of the run, or the events of one packet up to the playhead. Packets a line needs the
 * state of (frame, devices) are followed from their first event among `indices`.
 */
export function nftTraceLines(
  events: readonly TimelineEvent[],
  indices: Iterable<number>,
  asNft?: IptablesAsNft,
): NftTraceLine[] {
  const state = new Map<string, PktState>();
  const out: NftTraceLine[] = [];
  for (const i of indices) {
    const e = events[i]!;
    if (!('pkt' in e) || e.pkt === undefined) continue;
    const key = `${e.host}\u0000${e.pkt}`;
    let st = state.get(key);
    if (!st) {
      st = {};
      state.set(key, st);
    }
    const head = () => `trace id ${traceId(e.host, e.pkt!)} `;
    switch (e.type) {
      case 'packet':
        st.frame = e.frame;
        break;
      case 'rcv':
        st.frame = e.frame;
        st.brIn = e.dev;
        break;
      case 'xmit':
        st.frame = e.frame;
        break;
      case 'rewrite':
        st.frame = e.after;
        break;
      case 'hook':
        st.hook = e.hook;
        st.in = e.in;
        st.out = e.out;
        st.bridged = e.bridged;
        st.family = e.family;
        if (e.family === 'ipv4' && e.hook === 'PREROUTING' && e.in) st.ipIn = e.in;
        break;
      case 'chain': {
        const fam = nftFamily(e.family);
        st.chainFamily = fam;
        st.chainTable = e.table;
        const p = packetText(st, fam);
        if (p !== undefined)
          out.push({
            host: e.host,
            at: i,
            pkt: e.pkt,
            text: `${head()}${fam} ${e.table} ${e.chain} packet: ${p}`,
          });
        break;
      }
      case 'rule': {
        const fam = nftFamily(e.family);
        const text =
          e.family === undefined && asNft ? asNft(e.host, e.table, e.chain, e.rulenum, e.text) : e.text;
        out.push({
          host: e.host,
          at: i,
          pkt: e.pkt,
          text: `${head()}${fam} ${e.table} ${e.chain} rule ${text} (verdict ${verdictText(e.verdict)})`,
        });
        break;
      }
      case 'policy': {
        const fam = nftFamily(e.family);
        const mark = e.mark ? `meta mark 0x${hex(e.mark, 4)} ` : '';
        out.push({
          host: e.host,
          at: i,
          pkt: e.pkt,
          text: `${head()}${fam} ${e.table} ${e.chain} policy ${e.policy.toLowerCase()} ${mark}`,
        });
        break;
      }
      default:
        break;
    }
  }
  return out;
}
