import type { PacketFields } from './packetSummary';

// Parses `nft monitor trace` output into packets and the base chains each one passed.
//
// What the kernel emits (6.18, nftables 1.0.6), and what this parser relies on:
// - one `packet:` line each time a packet enters a base chain (the kernel dumps the headers on
//   the first trace event of every nft_do_chain call); rule lines for matching rules, a
//   `policy` line at a base chain's end. User chains (KUBE-SERVICES) show only rule lines.
// - the trace id is a hash of the skb address: it stays the same across all hooks of one
//   packet in one namespace, but a later packet that reuses the skb gets the same id again.
//   So a new packet starts at each entry into our own `nfp_trace` marker chains.

export const TRACE_TABLE_NAME = 'nfp_trace';

export interface TraceLine {
  readonly id: string;
  readonly family: string;
  readonly table: string;
  readonly chain: string;
  readonly kind: 'packet' | 'rule' | 'policy' | 'other';
  readonly verdict?: string;
  readonly fields?: PacketFields;
  readonly iif?: string;
  readonly oif?: string;
  readonly ipId?: number;
  readonly arp?: boolean;
}

const HEAD = /^trace id ([0-9a-f]+) (\S+) (\S+) (\S+) (packet:|rule|policy|\S+)(.*)$/;

export function parseTraceLine(line: string): TraceLine | undefined {
  const m = HEAD.exec(line.trim());
  if (!m) return undefined;
  const [, id, family, table, chain, what, rest] = m;
  const base = { id: id!, family: family!, table: table!, chain: chain! };
  if (what === 'rule') {
    const v = /\(verdict ([^)]+)\)\s*$/.exec(rest!);
    return { ...base, kind: 'rule', verdict: v?.[1] };
  }
  if (what === 'policy') return { ...base, kind: 'policy', verdict: rest!.trim() };
  if (what !== 'packet:') return { ...base, kind: 'other' };
  const p = parsePacketText(rest!);
  return { ...base, kind: 'packet', ...p };
}

const TCP_FLAG_BITS: Record<string, number> = {
  fin: 1,
  syn: 2,
  rst: 4,
  psh: 8,
  ack: 16,
  urg: 32,
  ecn: 64,
  cwr: 128,
};

export const ICMP_TYPES: Record<string, number> = {
  'echo-reply': 0,
  'destination-unreachable': 3,
  'source-quench': 4,
  redirect: 5,
  'echo-request': 8,
  'router-advertisement': 9,
  'router-solicitation': 10,
  'time-exceeded': 11,
  'parameter-problem': 12,
  'timestamp-request': 13,
  'timestamp-reply': 14,
  'info-request': 15,
  'info-reply': 16,
  'address-mask-request': 17,
  'address-mask-reply': 18,
};

const ICMP_CODES: Record<string, number> = {
  'net-unreachable': 0,
  'host-unreachable': 1,
  'prot-unreachable': 2,
  'port-unreachable': 3,
  'frag-needed': 4,
  'net-prohibited': 9,
  'host-prohibited': 10,
  'admin-prohibited': 13,
};

function num(text: string | undefined, names: Record<string, number> = {}): number | undefined {
  if (text === undefined) return undefined;
  if (text in names) return names[text];
  const n = text.startsWith('0x') ? Number.parseInt(text, 16) : Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function field(text: string, key: string): string | undefined {
  const re = new RegExp(`(?:^|\\s)${key.replace(/ /g, '\\s')}\\s(?:== )?("[^"]*"|\\S+)`);
  const m = re.exec(text);
  return m ? m[1]!.replace(/^"|"$/g, '') : undefined;
}

/** `tcp flags == syn`, `tcp flags == 0x12`, `tcp flags == fin | ack`. */
function tcpFlags(text: string): number | undefined {
  const m = /tcp flags == ((?:0x[0-9a-f]+)|(?:[a-z]+(?: \| [a-z]+)*))/.exec(text);
  if (!m) return undefined;
  if (m[1]!.startsWith('0x')) return Number.parseInt(m[1]!, 16);
  return m[1]!.split(' | ').reduce((acc, n) => acc | (TCP_FLAG_BITS[n] ?? 0), 0);
}

function parsePacketText(text: string): Partial<TraceLine> {
  const out: { -readonly [K in keyof TraceLine]?: TraceLine[K] } = {};
  out.iif = field(text, 'iif');
  out.oif = field(text, 'oif');
  if (/\barp operation\b/.test(text)) {
    out.arp = true;
    return out;
  }
  const saddr = field(text, 'ip saddr');
  const daddr = field(text, 'ip daddr');
  if (!saddr || !daddr) return out;
  out.ipId = num(field(text, 'ip id'));
  let proto = field(text, 'ip protocol');
  if (/ tcp (sport|dport|flags) /.test(text)) proto = 'tcp';
  else if (/ udp (sport|dport) /.test(text)) proto = 'udp';
  else if (/ icmp type /.test(text)) proto = 'icmp';
  proto ??= 'unknown';
  const f: { -readonly [K in keyof PacketFields]?: PacketFields[K] } = { saddr, daddr, proto };
  if (proto === 'tcp' || proto === 'udp') {
    f.sport = num(field(text, `${proto} sport`));
    f.dport = num(field(text, `${proto} dport`));
    if (proto === 'tcp') f.flags = tcpFlags(text);
  } else if (proto === 'icmp') {
    f.icmpType = num(field(text, 'icmp type'), ICMP_TYPES);
    f.icmpCode = num(field(text, 'icmp code'), ICMP_CODES);
    f.icmpId = num(field(text, 'icmp id'));
  }
  out.fields = f as PacketFields;
  return out;
}

/** One packet as the kernel traced it in one namespace. */
export interface TracedPacket {
  readonly traceId: string;
  /** The IPv4 packet as it entered the first IPv4 hook of this host. */
  readonly fields?: PacketFields;
  /** Base chains walked, as `table:chain`, our marker table left out. */
  readonly path: string[];
  /** True when the packet met at least one IPv4 hook here (not only the bridge). */
  ipv4: boolean;
  /** Verdict of the last rule or policy line seen (e.g. `drop`). */
  lastVerdict?: string;
  readonly lines: string[];
}

/**
 * Groups trace lines (one namespace, in order) into packets. A packet starts when it enters
 * one of our marker chains (`bridge nfp_trace pre`, `ip nfp_trace pre`, `ip nfp_trace out`).
 * The kernel does not keep one trace id per packet: the id changes when br_netfilter hands
 * a frame to the IP stack (a bridged frame that is routed shows FORWARD under a new id) and
 * when a packet re-enters through `lo`. Such continuations are recognised by the IP id,
 * source address and source port (none of which change before POSTROUTING), among the last
 * few packets.
 */
export function groupTrace(lines: readonly string[]): TracedPacket[] {
  type Open = { pkt: TracedPacket; key?: string; stage: 'bridge' | 'ip-out' | 'ip-pre' };
  const packets: Open[] = [];
  const byId = new Map<string, Open>();
  const LOOKBACK = 16;
  const recent = () => packets.slice(-LOOKBACK).reverse();
  for (const raw of lines) {
    const t = parseTraceLine(raw);
    if (!t) continue;
    const key = frameKey(t);
    let cur = byId.get(t.id);
    if (t.kind === 'packet' && t.table === TRACE_TABLE_NAME) {
      let cont: Open | undefined;
      if (t.family === 'ip' && t.chain === 'pre' && key)
        cont =
          t.iif === 'lo'
            ? recent().find((o) => o.stage === 'ip-out' && o.key === key)
            : recent().find((o) => o.stage === 'bridge' && !o.pkt.ipv4 && o.key === key);
      if (cont) cur = cont;
      else {
        cur = { pkt: { traceId: t.id, path: [], ipv4: false, lines: [] }, key, stage: 'bridge' };
        packets.push(cur);
      }
      byId.set(t.id, cur);
      if (t.family === 'ip') {
        if (!cur.pkt.ipv4 && t.fields) (cur.pkt as { fields?: PacketFields }).fields = t.fields;
        cur.pkt.ipv4 = true;
        cur.stage = t.chain === 'out' ? 'ip-out' : 'ip-pre';
      } else if (!cur.pkt.fields && t.fields) {
        (cur.pkt as { fields?: PacketFields }).fields = t.fields;
      }
    } else if (t.kind === 'packet' && t.family === 'ip' && key && (!cur || cur.key !== key)) {
      // A base chain under an id we have not seen for this frame: the same packet, re-labelled.
      const found = recent().find((o) => o.pkt.ipv4 && o.key === key);
      if (found) {
        cur = found;
        byId.set(t.id, found);
      }
    }
    if (!cur) continue; // a line of a packet whose start we did not see
    cur.pkt.lines.push(raw);
    if (t.table === TRACE_TABLE_NAME) continue;
    if (t.kind === 'packet' && t.family === 'ip') cur.pkt.path.push(`${t.table}:${t.chain}`);
    if ((t.kind === 'rule' || t.kind === 'policy') && t.verdict) cur.pkt.lastVerdict = t.verdict;
  }
  return packets.map((o) => o.pkt);
}

/** What stays the same for one packet from its first hook to POSTROUTING. */
function frameKey(t: TraceLine): string | undefined {
  const f = t.fields;
  if (!f || t.ipId === undefined) return undefined;
  return `${t.ipId} ${f.proto} ${f.saddr}:${f.sport ?? f.icmpId ?? ''}`;
}
