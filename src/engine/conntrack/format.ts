import { formatIpv4 } from '../net/ipv4';
import { IPPROTO_ICMP } from '../packet';
import { type CtEntryData, IPS_ASSURED, IPS_SEEN_REPLY, type Tuple } from './types';

// Byte-exact text of `conntrack -L`, `conntrack -E` (libnetfilter_conntrack
// snprintf_default.c) and /proc/net/nf_conntrack (nf_conntrack_standalone.c ct_seq_show).
// Checked against captures from conntrack-tools 1.4.7 on Linux 6.18 (see format.test.ts).

/** CONFIG_HZ of the reference kernel: timers count jiffies and print whole seconds. */
export const HZ = 250;
const JIFFY_US = 1_000_000 / HZ;

/**
 * Seconds left as the kernel prints them: (timeout - jiffies) / HZ, truncated, never negative.
 * Both instants are taken in jiffies, so a timer read within its first jiffy still shows the
 * full value (120) and any later read shows one less (119), as on the kernel.
 */
export function ctTimeoutSeconds(e: CtEntryData, now: number): number {
  const left = Math.floor(e.expiresAt / JIFFY_US) - Math.floor(now / JIFFY_US);
  return left <= 0 ? 0 : Math.floor(left / HZ);
}

/** Protocol names libnetfilter_conntrack knows (proto2str); others print as `unknown`. */
const CT_TOOL_PROTO: Readonly<Record<number, string>> = {
  1: 'icmp',
  6: 'tcp',
  17: 'udp',
  33: 'dccp',
  47: 'gre',
  58: 'icmpv6',
  132: 'sctp',
  136: 'udplite',
};

/** Names the kernel's l4proto_name knows for /proc. */
const PROC_PROTO: Readonly<Record<number, string>> = {
  1: 'icmp',
  6: 'tcp',
  17: 'udp',
  33: 'dccp',
  47: 'gre',
  58: 'icmpv6',
  132: 'sctp',
};

function padName(name: string): string {
  return name.length >= 8 ? name : name + ' '.repeat(8 - name.length);
}

function hasPorts(proto: number): boolean {
  return proto === 6 || proto === 17 || proto === 33 || proto === 132 || proto === 136;
}

/** `src=A dst=B sport=P dport=Q ` / `... type=T code=C id=I `; generic tuples stop after dst. */
export function formatTuple(t: Tuple): string {
  let s = `src=${formatIpv4(t.src)} dst=${formatIpv4(t.dst)} `;
  if (t.proto === IPPROTO_ICMP) s += `type=${t.dport >>> 8} code=${t.dport & 0xff} id=${t.sport} `;
  else if (hasPorts(t.proto)) s += `sport=${t.sport} dport=${t.dport} `;
  return s;
}

interface Options {
  readonly timeout: boolean;
  readonly markAlways: boolean;
  readonly zoneAlways: boolean;
  readonly use?: number;
}

function body(e: CtEntryData, now: number, names: Readonly<Record<number, string>>, o: Options): string {
  let s = `${padName(names[e.orig.proto] ?? 'unknown')} ${e.orig.proto} `;
  if (o.timeout) s += `${ctTimeoutSeconds(e, now)} `;
  if (e.tcpState !== undefined) s += `${e.tcpState} `;
  s += formatTuple(e.orig);
  if ((e.status & IPS_SEEN_REPLY) === 0) s += '[UNREPLIED] ';
  s += formatTuple(e.reply);
  if (e.status & IPS_ASSURED) s += '[ASSURED] ';
  if (o.markAlways || e.mark !== 0) s += `mark=${e.mark >>> 0} `;
  if (o.zoneAlways || e.zone !== 0) s += `zone=${e.zone} `;
  if (o.use !== undefined) s += `use=${o.use} `;
  return s.slice(0, -1);
}

/** One line of `conntrack -L` (no trailing newline). */
export function formatConntrackL(e: CtEntryData, now: number): string {
  return body(e, now, CT_TOOL_PROTO, { timeout: true, markAlways: true, zoneAlways: false, use: 1 });
}

/** One line of /proc/net/nf_conntrack (no trailing newline). */
export function formatProcConntrack(e: CtEntryData, now: number): string {
  return `ipv4     2 ${body(e, now, PROC_PROTO, { timeout: true, markAlways: true, zoneAlways: true, use: 2 })}`;
}

const EVENT_PREFIX = { NEW: '    [NEW] ', UPDATE: ' [UPDATE] ', DESTROY: '[DESTROY] ' } as const;

/**
 * One line of `conntrack -E`. Events carry no use count and the mark only when non-zero;
 * a [DESTROY] of an expired entry has no timeout left and prints none.
 */
export function formatConntrackEvent(
  kind: 'NEW' | 'UPDATE' | 'DESTROY',
  e: CtEntryData,
  now: number,
): string {
  const timeout = kind !== 'DESTROY' || ctTimeoutSeconds(e, now) > 0;
  return EVENT_PREFIX[kind] + body(e, now, CT_TOOL_PROTO, { timeout, markAlways: false, zoneAlways: false });
}
