import type { CtEntry } from '../conntrack/entry';
import type { ConntrackTable } from '../conntrack/table';
import { invertTuple, tupleEquals } from '../conntrack/tuple';
import {
  IPS_CONFIRMED,
  IPS_DST_NAT,
  IPS_DST_NAT_DONE,
  IPS_SRC_NAT,
  IPS_SRC_NAT_DONE,
  type Tuple,
} from '../conntrack/types';
import type { NatRequest } from '../iptables/types';
import type { Ipv4 } from '../net/ipv4';
import { IPPROTO_ICMP } from '../packet';
import { type Manip, type NatContext, type NatRangeSpec, rangeFor } from './range';

// nf_nat_setup_info and get_unique_tuple (nf_nat_core.c). NAT never touches the ORIGINAL
// tuple: it picks the tuple the packet should look like after this manip, and the entry's
// REPLY tuple becomes its inverse, so replies are recognised and translated back.

export type SetupResult =
  | { readonly ok: true; readonly changed: boolean }
  | { readonly ok: false; readonly reason: string };

/** NF_NAT_MAX_ATTEMPTS: ports tried per round before the window is halved. */
const MAX_ATTEMPTS = 128;

export function natDone(entry: CtEntry, manip: Manip): boolean {
  return (entry.status & (manip === 'SRC' ? IPS_SRC_NAT_DONE : IPS_DST_NAT_DONE)) !== 0;
}

const MANIP_OF_TARGET = { DNAT: 'DST', REDIRECT: 'DST', SNAT: 'SRC', MASQUERADE: 'SRC' } as const;

// Results are immutable: the two successes are shared rather than built per connection.
const OK_CHANGED: SetupResult = Object.freeze({ ok: true, changed: true });
const OK_UNCHANGED: SetupResult = Object.freeze({ ok: true, changed: false });

/**
 * Sets up the binding of one manip type for a new (unconfirmed) connection: `req` from the
 * nat table's NAT target, or null for the null binding when no rule matched. Fails (packet
 * dropped) when MASQUERADE/REDIRECT has no address. As in the kernel, a tuple that is still
 * taken after the search (a DNAT onto an existing connection, an exhausted port range) is
 * kept: a later SRC manip may still make it unique, else confirm() fails (insert_failed).
 */
export function setupNat(
  table: ConntrackTable,
  entry: CtEntry,
  manip: Manip,
  req: NatRequest | null,
  ctx: NatContext,
): SetupResult {
  if (natDone(entry, manip)) return OK_UNCHANGED;
  if (entry.status & IPS_CONFIRMED) return { ok: false, reason: 'nf_nat: binding on a confirmed connection' };
  if (req !== null && MANIP_OF_TARGET[req.target] !== manip) {
    return { ok: false, reason: `nf_nat: ${req.target} is not a ${manip} manip` };
  }
  const range = rangeFor(entry, manip, req, ctx);
  if ('error' in range) return { ok: false, reason: range.error };

  // What the packet looks like now: the inverse of the reply tuple (earlier manips included).
  const curr = invertTuple(entry.reply)!;
  const chosen = uniqueTuple(table, entry, curr, range, manip, ctx.random);
  const changed = !tupleEquals(chosen, curr);
  if (changed) {
    table.alterReply(entry, invertTuple(chosen)!);
    entry.status |= manip === 'SRC' ? IPS_SRC_NAT : IPS_DST_NAT;
  }
  if (manip === 'SRC') table.linkSource(entry);
  entry.status |= manip === 'SRC' ? IPS_SRC_NAT_DONE : IPS_DST_NAT_DONE;
  return changed ? OK_CHANGED : OK_UNCHANGED;
}

/** nf_nat_used_tuple: would a connection with this (outgoing) tuple clash with another's? */
function used(table: ConntrackTable, e: CtEntry, t: Tuple): boolean {
  return usedKey(table, e, t, 'SRC', t.sport);
}

/**
 * `used` for `t` with its manip key (see keyOf) replaced by `key`, without building the tuple:
 * the port search asks this up to hundreds of times per connection.
 */
function usedKey(table: ConntrackTable, e: CtEntry, t: Tuple, manip: Manip, key: number): boolean {
  if (t.proto === IPPROTO_ICMP) {
    // The reply of an ICMP tuple maps the type (invertTuple): the rare case builds the tuples.
    const reply = invertTuple(withKey(t, manip, key));
    return reply !== undefined && table.tupleTaken(reply, e.zone, e);
  }
  const sport = manip === 'SRC' ? key : t.sport;
  const dport = manip === 'SRC' ? t.dport : key;
  // The reply tuple: addresses and ports swapped.
  return table.tupleTakenBy(t.dst, t.src, t.proto, dport, sport, e.zone, e);
}

function hasPorts(proto: number): boolean {
  return proto === 6 || proto === 17 || proto === 33 || proto === 132 || proto === 136;
}

/** The key a manip changes: ICMP id (both manips), else the source or destination port. */
function keyOf(t: Tuple, manip: Manip): number {
  return t.proto === IPPROTO_ICMP || manip === 'SRC' ? t.sport : t.dport;
}

function withKey(t: Tuple, manip: Manip, key: number): Tuple {
  return t.proto === IPPROTO_ICMP || manip === 'SRC'
    ? { src: t.src, dst: t.dst, proto: t.proto, sport: key, dport: t.dport }
    : { src: t.src, dst: t.dst, proto: t.proto, sport: t.sport, dport: key };
}

/** l4proto_in_range; protocols without keys are always in range. */
function l4InRange(t: Tuple, manip: Manip, r: NatRangeSpec): boolean {
  if (t.proto !== IPPROTO_ICMP && !hasPorts(t.proto)) return true;
  const k = keyOf(t, manip);
  return k >= r.minPort && k <= r.maxPort;
}

/** nf_in_range for a SRC manip: the source address and (if given) port are inside the range. */
function inRange(t: Tuple, r: NatRangeSpec): boolean {
  if (r.mapIps && (t.src < r.minIp || t.src > r.maxIp)) return false;
  return !r.protoSpecified || l4InRange(t, 'SRC', r);
}

function uniqueTuple(
  table: ConntrackTable,
  e: CtEntry,
  orig: Tuple,
  r: NatRangeSpec,
  manip: Manip,
  random: () => number,
): Tuple {
  // 1) A source mapping: keep the tuple if it is in range and free, else reuse the mapping an
  //    earlier connection from the same source got (endpoint-independent mapping).
  if (manip === 'SRC' && !r.randomAll) {
    if (inRange(orig, r)) {
      if (!used(table, e, orig)) return orig;
    } else {
      const t = appropriateSource(table, e, orig, r);
      if (t !== undefined && !used(table, e, t)) return t;
    }
  }
  // 2) The address.
  const t = bestAddress(orig, r, manip, e.zone);
  // 3) The port (or ICMP id), only if it is not already in range and unique.
  if (!r.randomAll) {
    if (r.protoSpecified) {
      if (r.basePort < 0 && l4InRange(t, manip, r) && (r.minPort === r.maxPort || !used(table, e, t)))
        return t;
    } else if (!used(table, e, t)) {
      return t;
    }
  }
  return uniqueKey(table, e, t, r, manip, random);
}

/** find_appropriate_src: the tuple an earlier connection from this source was mapped to. */
function appropriateSource(
  table: ConntrackTable,
  e: CtEntry,
  orig: Tuple,
  r: NatRangeSpec,
): Tuple | undefined {
  for (const other of table.sameSource(orig, e.zone)) {
    if (other === e) continue;
    const mapped = invertTuple(other.reply);
    if (mapped === undefined) continue;
    const t: Tuple = { ...mapped, dst: orig.dst, dport: orig.dport };
    if (inRange(t, r)) return t;
  }
  return undefined;
}

/**
 * find_best_ips_proto: one address, or a deterministic pick in the range from a hash of the
 * source (and, unless --persistent, the destination and zone). The kernel uses jhash2 with
 * the same inputs; the model's mix differs but is as stable.
 */
function bestAddress(t: Tuple, r: NatRangeSpec, manip: Manip, zone: number): Tuple {
  if (!r.mapIps) return t;
  let ip = r.minIp;
  if (r.minIp !== r.maxIp) {
    const dist = r.maxIp - r.minIp + 1;
    const seed = r.persistent ? 0 : (t.dst ^ zone) >>> 0;
    let h = Math.imul(t.src ^ 0x9e3779b9, 0x85ebca6b) ^ seed;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h = (h ^ (h >>> 16)) >>> 0;
    ip = (r.minIp + Math.floor((h * dist) / 2 ** 32)) as Ipv4;
  }
  if (ip === (manip === 'SRC' ? t.src : t.dst)) return t;
  return manip === 'SRC'
    ? { src: ip, dst: t.dst, proto: t.proto, sport: t.sport, dport: t.dport }
    : { src: t.src, dst: ip, proto: t.proto, sport: t.sport, dport: t.dport };
}

/**
 * nf_nat_l4proto_unique_tuple: search the key range from a random offset (DNAT without
 * --random from the range start), 128 tries, then smaller windows from new offsets; when all
 * fail, the last key tried stays.
 */
function uniqueKey(
  table: ConntrackTable,
  e: CtEntry,
  t: Tuple,
  r: NatRangeSpec,
  manip: Manip,
  random: () => number,
): Tuple {
  let min: number;
  let size: number;
  if (t.proto === IPPROTO_ICMP) {
    min = r.protoSpecified ? r.minPort : 0;
    size = r.protoSpecified ? r.maxPort - r.minPort + 1 : 65536;
  } else if (hasPorts(t.proto)) {
    if (!r.protoSpecified) {
      if (manip === 'DST') return t; // a DNAT never moves the port
      const key = keyOf(t, manip);
      if (key < 512) [min, size] = [1, 511];
      else if (key < 1024) [min, size] = [600, 424];
      else [min, size] = [1024, 64512];
    } else {
      min = r.minPort;
      size = r.maxPort - r.minPort + 1;
    }
  } else {
    return t;
  }
  // random16 stands for get_random_u16(); inlined, as a closure per call would cost more than the search.
  // A port shift starts at the original port's distance from the base (a u16 in the kernel).
  let off =
    r.basePort >= 0 && hasPorts(t.proto)
      ? (keyOf(t, manip) - r.basePort) & 0xffff
      : r.randomAll || manip !== 'DST'
        ? Math.floor(random() * 65536)
        : 0;
  let attempts = Math.min(size, MAX_ATTEMPTS);
  let key = -1;
  for (;;) {
    for (let i = 0; i < attempts; i++, off++) {
      key = min + (off % size);
      if (!usedKey(table, e, t, manip, key)) return withKey(t, manip, key);
    }
    if (attempts >= size || attempts < 16) return key < 0 ? t : withKey(t, manip, key);
    attempts = Math.floor(attempts / 2);
    off = Math.floor(random() * 65536);
  }
}
