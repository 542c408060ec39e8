import type { Ipv4 } from '../net/ipv4';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, type IpPacket } from '../packet';
import { BucketIndex, bucketOf, EVICTION_RANGE } from './earlyDrop';
import { CtEntry, type HashNode, snapshotEntry } from './entry';
import { NodeHash } from './nodeHash';
import { SourceHash } from './sourceHash';
import {
  TCP_IGNORED,
  TCP_INVALID,
  TCP_KILL,
  TCP_REOPEN,
  tcpInvalidReason,
  tcpMayCreate,
  tcpPacket,
} from './tcp';
import { type CtSettings, readCtSettings, SECOND, type Sysctls } from './timeouts';
import { TimerHeap } from './timerHeap';
import {
  hashOfTuple,
  icmpErrorInnerTuple,
  invertTuple,
  isIcmpError,
  isIcmpQueryRequest,
  packetDport,
  packetSport,
  tupleHash,
} from './tuple';
import {
  type CtDir,
  type CtEntryData,
  type CtInfo,
  type CtState,
  IPS_ASSURED,
  IPS_CONFIRMED,
  IPS_DYING,
  IPS_EXPECTED,
  IPS_SEEN_REPLY,
  type Tuple,
} from './types';

// nf_conntrack for one network namespace: nf_conntrack_in at PREROUTING/OUTPUT, nf_confirm at
// the last hook, timers on the virtual clock. Confirmed entries live in a hash of both tuples
// (chains threaded through the entries' nodes, see nodeHash.ts), so an established packet
// costs one array index and a few compares.

export const TABLE_FULL_MESSAGE = 'nf_conntrack: table full, dropping packet';

/** UDP: a replied flow still active this long after its first packet becomes a stream. */
const UDP_STREAM_AFTER = 2 * SECOND;

export interface ConntrackTableOptions {
  readonly sysctls: Sysctls;
  /** Seeded uniform [0, 1): NAT port selection takes its randomness from here. */
  readonly random: () => number;
}

/** An entry that left the table as a side effect of processing a packet. */
export interface CtRemoved {
  /** expired: its timer had run out; killed: deleted by the tracker (RST as the only reply, SYN reopening a closed connection); early-drop: evicted to make room. */
  readonly why: 'expired' | 'killed' | 'early-drop';
  /** The entry as it was when it left (what `conntrack -E` prints as [DESTROY]). */
  readonly entry: CtEntryData;
}

interface WithRemoved {
  /** Usually the shared empty array: nothing left the table. */
  readonly removed: readonly CtRemoved[];
}

export type CtInResult =
  | (WithRemoved & {
      readonly kind: 'tracked';
      readonly entry: CtEntry;
      readonly dir: CtDir;
      readonly ctinfo: CtInfo;
      readonly ctstate: CtState;
      /** A new, unconfirmed entry: confirm it at the last hook or free it if the packet dies. */
      readonly created: boolean;
      /** State or status bits changed: a confirmed entry emits an [UPDATE] event. */
      readonly changed: boolean;
    })
  | (WithRemoved & {
      readonly kind: 'related-error';
      readonly entry: CtEntry;
      /** The direction the ICMP error travels in. */
      readonly dir: CtDir;
      readonly ctinfo: 'RELATED' | 'RELATED_REPLY';
      readonly ctstate: 'RELATED';
    })
  | (WithRemoved & { readonly kind: 'invalid'; readonly reason: string })
  | (WithRemoved & { readonly kind: 'table-full'; readonly message: typeof TABLE_FULL_MESSAGE });

/** What `conntrack -S` counts (one CPU). */
export interface CtStats {
  found: number;
  invalid: number;
  insert: number;
  insert_failed: number;
  drop: number;
  early_drop: number;
}

const NONE: readonly CtRemoved[] = Object.freeze([]);

function withRemoved(list: readonly CtRemoved[], r: CtRemoved): readonly CtRemoved[] {
  return list === NONE ? [r] : [...list, r];
}

export class ConntrackTable {
  private settings: CtSettings;
  private readonly sysctls: Sysctls;
  readonly random: () => number;
  private readonly buckets = new NodeHash();
  /** Confirmed entries by id, in confirmation order. */
  private readonly confirmed = new Map<number, CtEntry>();
  /** Unconfirmed entries, hashed by both tuples like confirmed ones, for NAT's tupleTaken. */
  private readonly unconfirmed = new NodeHash();
  private readonly timers = new TimerHeap();
  /** SRC-manipulated entries by original source (nf_nat_bysource), for NAT's find_appropriate_src. */
  private readonly bySource = new SourceHash();
  /** Confirmed entries by bucket, for early drop; built when the table first runs full. */
  private evictable: BucketIndex | undefined;
  private nextId = 1;
  private total = 0;
  readonly stats: CtStats = { found: 0, invalid: 0, insert: 0, insert_failed: 0, drop: 0, early_drop: 0 };

  constructor(opts: ConntrackTableOptions) {
    this.sysctls = opts.sysctls;
    this.random = opts.random;
    this.settings = readCtSettings(opts.sysctls);
  }

  /** Re-reads the sysctls (after a scenario setting or a UI switch changed one). */
  reloadSysctls(): void {
    this.settings = readCtSettings(this.sysctls);
  }

  /** nf_conntrack_count: confirmed plus unconfirmed entries. */
  get count(): number {
    return this.total;
  }

  get max(): number {
    return this.settings.max;
  }

  // ---------------------------------------------------------------- nf_conntrack_in

  /** nf_conntrack_in for a packet at PREROUTING or OUTPUT, in conntrack zone `zone`. */
  in(ip: IpPacket, now: number, zone = 0): CtInResult {
    const l4 = ip.l4;
    if (ip.proto === IPPROTO_ICMP && l4.proto === IPPROTO_ICMP && isIcmpError(l4.type)) {
      return this.inIcmpError(ip, now, zone);
    }
    const sport = packetSport(ip);
    const dport = packetDport(ip);
    let removed = NONE;
    for (;;) {
      let node = this.find(ip.src, ip.dst, ip.proto, sport, dport, zone);
      if (node !== undefined && node.entry.expiresAt <= now) {
        removed = withRemoved(removed, { why: 'expired', entry: this.remove(node.entry) });
        node = undefined;
      }
      let entry: CtEntry;
      let dir: 0 | 1;
      let created = false;
      if (node === undefined) {
        const orig: Tuple = { src: ip.src, dst: ip.dst, proto: ip.proto, sport, dport };
        const reply = invertTuple(orig);
        if (reply === undefined) return this.invalid('icmp: no reply type for this type', removed);
        if (this.total >= this.settings.max) {
          for (const e of this.expire(now)) removed = withRemoved(removed, { why: 'expired', entry: e });
          if (this.total >= this.settings.max) {
            const dropped = this.earlyDrop(tupleHash(ip.src, ip.dst, ip.proto, sport, dport, zone));
            if (dropped.length === 0) {
              this.stats.drop++;
              return { kind: 'table-full', message: TABLE_FULL_MESSAGE, removed };
            }
            // One copy for the lot: with few buckets a drop can take thousands at once.
            const gone = dropped.map((entry): CtRemoved => ({ why: 'early-drop', entry }));
            removed = removed === NONE ? gone : [...removed, ...gone];
          }
        }
        entry = new CtEntry(this.nextId++, orig, reply, zone, now);
        this.total++;
        this.linkUnconfirmed(entry);
        created = true;
        dir = 0;
        const why = this.mayCreate(ip);
        if (why !== undefined) {
          this.free(entry);
          return this.invalid(why, removed);
        }
      } else {
        entry = node.entry;
        dir = node.dir === 'ORIGINAL' ? 0 : 1;
        this.stats.found++;
      }

      const oldState = entry.tcpState;
      const oldStatus = entry.status;
      let refresh = true;
      let killed = false;
      if (ip.proto === IPPROTO_TCP && l4.proto === IPPROTO_TCP) {
        const v = tcpPacket(entry, dir, l4, this.settings);
        if (v === TCP_INVALID) {
          if (created) this.free(entry);
          return this.invalid(`nf_ct_tcp: ${tcpInvalidReason()}`, removed);
        }
        if (v === TCP_REOPEN) {
          removed = withRemoved(removed, { why: 'killed', entry: this.remove(entry) });
          continue;
        }
        if (v === TCP_IGNORED) refresh = false;
        if (v === TCP_KILL) {
          refresh = false;
          killed = true;
        }
      } else if (ip.proto === IPPROTO_UDP) {
        entry.timeout = this.udpTimeout(entry, now);
      } else if (ip.proto === IPPROTO_ICMP) {
        entry.timeout = this.settings.icmp;
      } else {
        entry.timeout = this.settings.generic;
      }
      if (refresh) this.refresh(entry, now);
      if (killed) removed = withRemoved(removed, { why: 'killed', entry: this.remove(entry) });

      if (dir === 1 && (entry.status & IPS_SEEN_REPLY) === 0) entry.status |= IPS_SEEN_REPLY;
      let ctinfo: CtInfo;
      let ctstate: CtState;
      if (dir === 1) {
        ctinfo = 'ESTABLISHED_REPLY';
        ctstate = 'ESTABLISHED';
      } else if (oldStatus & IPS_SEEN_REPLY) {
        ctinfo = 'ESTABLISHED';
        ctstate = 'ESTABLISHED';
      } else if (oldStatus & IPS_EXPECTED) {
        ctinfo = 'RELATED';
        ctstate = 'RELATED';
      } else {
        ctinfo = 'NEW';
        ctstate = 'NEW';
      }
      const changed = !created && !killed && (entry.tcpState !== oldState || entry.status !== oldStatus);
      // The steady state of an established flow: results are immutable, so one per direction
      // is kept on the entry and handed out again instead of allocating per packet.
      if (!created && !changed && removed === NONE && ctstate === 'ESTABLISHED') {
        const cached = dir === 0 ? entry.steadyOrig : entry.steadyReply;
        if (cached !== undefined) return cached as CtInResult;
        const r: CtInResult = Object.freeze({
          kind: 'tracked',
          entry,
          dir: dir === 0 ? 'ORIGINAL' : 'REPLY',
          ctinfo,
          ctstate,
          created: false,
          changed: false,
          removed: NONE,
        });
        if (dir === 0) entry.steadyOrig = r;
        else entry.steadyReply = r;
        return r;
      }
      return {
        kind: 'tracked',
        entry,
        dir: dir === 0 ? 'ORIGINAL' : 'REPLY',
        ctinfo,
        ctstate,
        created,
        changed,
        removed,
      };
    }
  }

  /** The L4 `new` check; undefined when the packet may start a connection, else why not. */
  private mayCreate(ip: IpPacket): string | undefined {
    const l4 = ip.l4;
    if (ip.proto === IPPROTO_TCP && l4.proto === IPPROTO_TCP) {
      return tcpMayCreate(l4.flags, this.settings.tcpLoose) ? undefined : 'tcp: invalid new (no connection)';
    }
    if (ip.proto === IPPROTO_ICMP && l4.proto === IPPROTO_ICMP && !isIcmpQueryRequest(l4.type)) {
      return `icmp: invalid new with type ${l4.type}`;
    }
    return undefined;
  }

  /** nf_conntrack_udp_packet: 30 s until a replied flow is still active after 2 s, then 120 s and ASSURED. */
  private udpTimeout(e: CtEntry, now: number): number {
    if ((e.status & IPS_SEEN_REPLY) === 0) return this.settings.udp;
    if (now - e.createdAt <= UDP_STREAM_AFTER) return this.settings.udp;
    e.status |= IPS_ASSURED;
    return this.settings.udpStream;
  }

  /** icmp_error_message: an error about a tracked flow is RELATED to it; it never creates or refreshes. */
  private inIcmpError(ip: IpPacket, now: number, zone: number): CtInResult {
    const inner = icmpErrorInnerTuple(ip);
    if (inner === undefined) return this.invalid('icmp: error without the offending header', NONE);
    const t = invertTuple(inner);
    if (t === undefined) return this.invalid('icmp: error about an untrackable packet', NONE);
    const node = this.find(t.src, t.dst, t.proto, t.sport, t.dport, zone);
    if (node === undefined || node.entry.expiresAt <= now) {
      return this.invalid('icmp: error for a connection not tracked', NONE);
    }
    const e = node.entry;
    const own = node.dir === 'ORIGINAL' ? e.orig : e.reply;
    if (own.dst !== ip.dst) return this.invalid('icmp: outer daddr mismatch', NONE);
    this.stats.found++;
    const reply = node.dir === 'REPLY';
    return {
      kind: 'related-error',
      entry: e,
      dir: node.dir,
      ctinfo: reply ? 'RELATED_REPLY' : 'RELATED',
      ctstate: 'RELATED',
      removed: NONE,
    };
  }

  private invalid(reason: string, removed: readonly CtRemoved[]): CtInResult {
    this.stats.invalid++;
    return { kind: 'invalid', reason, removed };
  }

  /** nf_ct_refresh: restart the timer (an unconfirmed entry's starts at confirmation). */
  private refresh(e: CtEntry, now: number): void {
    e.expiresAt = now + e.timeout;
    if (e.status & IPS_CONFIRMED) this.timers.schedule(e);
  }

  /**
   * early_drop: look at EVICTION_RANGE buckets of `nf_conntrack_buckets`, from the new tuple's
   * bucket on, and delete every entry without ASSURED in the first bucket that has any (the
   * kernel counts each in `early_drop`). Nothing there: the caller drops the packet, however
   * many unassured entries live in other buckets. The model's hash is not the kernel's keyed
   * one, so which entry goes differs from a kernel's; whether one can go at all is the same.
   */
  private earlyDrop(hash: number): CtEntryData[] {
    const size = this.settings.buckets;
    if (this.evictable === undefined || this.evictable.size !== size)
      this.evictable = new BucketIndex(size, this.confirmed.values());
    let b = bucketOf(hash, size);
    for (let i = 0; i < EVICTION_RANGE; i++, b = (b + 1) % size) {
      const here = this.evictable.bucket(b);
      if (here === undefined) continue;
      const victims = [...here].filter((e) => (e.status & IPS_ASSURED) === 0);
      if (victims.length === 0) continue;
      this.stats.early_drop += victims.length;
      return victims.map((e) => this.remove(e));
    }
    return [];
  }

  // ---------------------------------------------------------------- confirm / free / expire

  /**
   * nf_confirm at POSTROUTING or INPUT: hash both tuples, set CONFIRMED, start the timer.
   * Returns false when another entry already holds one of the tuples (insert_failed): the
   * entry is freed and the packet must be dropped. Confirming twice is harmless.
   */
  confirm(e: CtEntry, now: number): boolean {
    if (e.dead) return false;
    if (e.status & IPS_CONFIRMED) return true;
    const o = e.orig;
    const r = e.reply;
    const clash =
      this.find(o.src, o.dst, o.proto, o.sport, o.dport, e.zone) ??
      this.find(r.src, r.dst, r.proto, r.sport, r.dport, e.zone);
    if (clash !== undefined && clash.entry.expiresAt > now) {
      this.stats.insert_failed++;
      this.free(e);
      return false;
    }
    if (clash !== undefined) this.remove(clash.entry);
    this.unlinkUnconfirmed(e);
    this.buckets.link(e.origNode, hashOfTuple(o, e.zone));
    this.buckets.link(e.replyNode, hashOfTuple(r, e.zone));
    e.status |= IPS_CONFIRMED;
    e.expiresAt = now + e.timeout;
    this.confirmed.set(e.id, e);
    this.evictable?.add(e);
    this.timers.schedule(e);
    this.stats.insert++;
    return true;
  }

  /** Frees an unconfirmed entry whose packet died before the last hook. No-op for confirmed ones. */
  free(e: CtEntry): void {
    if (e.dead || e.status & IPS_CONFIRMED) return;
    this.unlinkUnconfirmed(e);
    this.unlinkSource(e);
    e.dead = true;
    this.total--;
  }

  /** Removes and returns the entries whose timer ran out (expiresAt <= now), in expiry order. */
  expire(now: number): CtEntryData[] {
    const out: CtEntryData[] = [];
    for (;;) {
      const e = this.timers.peek();
      if (e === undefined || e.expiresAt > now) return out;
      this.timers.pop();
      out.push(this.remove(e));
    }
  }

  /** When the next timer runs out, so the scheduler can emit [DESTROY] at that time. */
  nextExpiry(): number | undefined {
    return this.timers.peek()?.expiresAt;
  }

  /** conntrack -D / flush on MASQUERADE address loss: removes a confirmed or unconfirmed entry. */
  delete(e: CtEntry): CtEntryData | undefined {
    return e.dead ? undefined : this.remove(e);
  }

  // ---------------------------------------------------------------- views

  /** Confirmed, unexpired entries in creation order (the stand-in for the kernel's hash-bucket dump order). */
  list(now: number): CtEntryData[] {
    return this.liveEntries(now).map(snapshotEntry);
  }

  /** The live confirmed entries in creation order, for callers that need the objects. */
  liveEntries(now: number): CtEntry[] {
    const out: CtEntry[] = [];
    for (const e of this.confirmed.values()) if (e.expiresAt > now) out.push(e);
    return out.sort((a, b) => a.id - b.id);
  }

  snapshot(e: CtEntry): CtEntryData {
    return snapshotEntry(e);
  }

  /** The confirmed, unexpired entry holding `t` in either direction (nf_conntrack_find_get). */
  lookup(t: Tuple, zone: number, now: number): { entry: CtEntry; dir: CtDir } | undefined {
    const n = this.find(t.src, t.dst, t.proto, t.sport, t.dport, zone);
    if (n === undefined || n.entry.expiresAt <= now) return undefined;
    return { entry: n.entry, dir: n.dir };
  }

  // ---------------------------------------------------------------- for the NAT core

  /**
   * nf_conntrack_tuple_taken, widened to unconfirmed entries: does any entry other than
   * `ignore` hold `t` (in either direction) in this zone?
   */
  tupleTaken(t: Tuple, zone: number, ignore: CtEntry): boolean {
    return this.tupleTakenBy(t.src, t.dst, t.proto, t.sport, t.dport, zone, ignore);
  }

  /** tupleTaken with the tuple given as its fields, so NAT's port search builds no tuple per try. */
  tupleTakenBy(
    src: Ipv4,
    dst: Ipv4,
    proto: number,
    sport: number,
    dport: number,
    zone: number,
    ignore: CtEntry,
  ): boolean {
    const hash = tupleHash(src, dst, proto, sport, dport, zone);
    return (
      takenIn(this.buckets.chain(hash), hash, src, dst, proto, sport, dport, zone, ignore) ||
      takenIn(this.unconfirmed.chain(hash), hash, src, dst, proto, sport, dport, zone, ignore)
    );
  }

  /** nf_conntrack_alter_reply: NAT rewrites the reply tuple of an unconfirmed entry. */
  alterReply(e: CtEntry, reply: Tuple): void {
    if (e.status & IPS_CONFIRMED) throw new Error('conntrack: NAT on a confirmed entry');
    if (e.dead) {
      e.reply = reply;
      return;
    }
    this.unconfirmed.unlink(e.replyNode);
    e.reply = reply;
    this.unconfirmed.link(e.replyNode, hashOfTuple(reply, e.zone));
  }

  /** Remembers a SRC-manipulated entry by its original source (nf_nat_bysource). */
  linkSource(e: CtEntry): void {
    this.bySource.link(e, sourceKey(e.orig, e.zone));
  }

  /** SRC-manipulated entries whose original source (address, proto, port) equals t's, oldest first. */
  sameSource(t: Tuple, zone: number): readonly CtEntry[] {
    const k = sourceKey(t, zone);
    let out: CtEntry[] | undefined;
    for (let e = this.bySource.chain(k); e !== undefined; e = e.srcNext) {
      if (
        e.srcHash === k &&
        !e.dead &&
        e.zone === zone &&
        e.orig.src === t.src &&
        e.orig.proto === t.proto &&
        e.orig.sport === t.sport
      ) {
        if (out === undefined) out = [];
        out.push(e);
      }
    }
    return out ?? NONE_ENTRIES;
  }

  // ---------------------------------------------------------------- internals

  private find(
    src: Ipv4,
    dst: Ipv4,
    proto: number,
    sport: number,
    dport: number,
    zone: number,
  ): HashNode | undefined {
    const hash = tupleHash(src, dst, proto, sport, dport, zone);
    let n = this.buckets.chain(hash);
    while (n !== undefined) {
      if (n.hash !== hash) {
        n = n.next;
        continue;
      }
      const e = n.entry;
      const t = n.dir === 'ORIGINAL' ? e.orig : e.reply;
      if (
        t.src === src &&
        t.dst === dst &&
        t.sport === sport &&
        t.dport === dport &&
        t.proto === proto &&
        e.zone === zone
      ) {
        return n;
      }
      n = n.next;
    }
    return undefined;
  }

  private linkUnconfirmed(e: CtEntry): void {
    this.unconfirmed.link(e.origNode, hashOfTuple(e.orig, e.zone));
    this.unconfirmed.link(e.replyNode, hashOfTuple(e.reply, e.zone));
  }

  private unlinkUnconfirmed(e: CtEntry): void {
    this.unconfirmed.unlink(e.origNode);
    this.unconfirmed.unlink(e.replyNode);
  }

  private unlinkSource(e: CtEntry): void {
    this.bySource.unlink(e);
  }

  /** Takes an entry out of the table for good and returns its last picture. */
  private remove(e: CtEntry): CtEntryData {
    const data = snapshotEntry(e);
    if (e.status & IPS_CONFIRMED) {
      this.buckets.unlink(e.origNode);
      this.buckets.unlink(e.replyNode);
      this.confirmed.delete(e.id);
      this.evictable?.delete(e);
    } else if (!e.dead) {
      this.unlinkUnconfirmed(e);
    }
    this.unlinkSource(e);
    e.status |= IPS_DYING;
    e.dead = true;
    this.total--;
    return data;
  }
}

const NONE_ENTRIES: readonly CtEntry[] = Object.freeze([]);

/** Does a node of the chain from `n`, other than `ignore`'s, hold this tuple in this zone? */
function takenIn(
  n: HashNode | undefined,
  hash: number,
  src: Ipv4,
  dst: Ipv4,
  proto: number,
  sport: number,
  dport: number,
  zone: number,
  ignore: CtEntry,
): boolean {
  for (; n !== undefined; n = n.next) {
    if (n.hash !== hash) continue;
    const e = n.entry;
    if (e === ignore || e.zone !== zone) continue;
    const t = n.dir === 'ORIGINAL' ? e.orig : e.reply;
    if (t.src === src && t.dst === dst && t.proto === proto && t.sport === sport && t.dport === dport)
      return true;
  }
  return false;
}

function sourceKey(t: Tuple, zone: number): number {
  return tupleHash(t.src, 0 as Ipv4, t.proto, t.sport, 0, zone);
}
