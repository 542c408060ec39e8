// Indexes the UI derives once per run from the engine's timeline, so that every frame of
// playback is a few array lookups: where each packet flies, which events are worth a step,
// which events belong to which packet.
import type { PacketId, TimelineEvent } from '../engine/timeline/events';
import { shortFrame, tupleText } from './frame';

/** A frame on a link: sent by event `i`, received by event `j` (j = i + 1 for a veth). */
export interface Flight {
  readonly pkt: PacketId;
  readonly i: number;
  readonly j: number;
  readonly from: { readonly host: string; readonly dev: string };
  readonly to: { readonly host: string; readonly dev: string };
  readonly label: string;
  /** Its label on the topology, as on this wire (after any NAT before it was sent). */
  readonly tuple: string;
  readonly proto: 'tcp' | 'udp' | 'icmp' | 'arp';
}

export interface PacketInfo {
  readonly pkt: PacketId;
  /** Index of its `packet` event. */
  readonly index: number;
  readonly host: string;
  readonly parent?: PacketId;
  readonly conn?: number;
  readonly label: string;
}

export interface TimelineIndex {
  readonly length: number;
  readonly flights: readonly Flight[];
  /** The longest j - i of any flight: bounds the backward scan in flightsAt. */
  readonly maxSpan: number;
  readonly packets: readonly PacketInfo[];
  readonly eventsOf: ReadonlyMap<PacketId, readonly number[]>;
  /** conn -> index of its `outcome` event. */
  readonly outcomeAt: ReadonlyMap<number, number>;
  /** The first ACCOUNT_MAX events the run's account tells (isAccountEvent), in timeline order. */
  readonly accountAt: readonly number[];
  /** Those events themselves (parallel to accountAt): the account reads no chunk of the timeline. */
  readonly accountEvents: readonly TimelineEvent[];
  /**
   * A few fields of every event, as columns: seeking, stepping and naming a moment read these
   * and never the events, whose chunks the UI thread parses only where a view looks.
   */
  readonly cols: EventColumns;
}

/** Per-event columns; event i is t[i], hosts[host[i]], EVENT_TYPES[type[i]], pkt[i] (-1: none). */
export interface EventColumns {
  readonly t: Float64Array;
  readonly host: Uint32Array;
  readonly type: Uint8Array;
  readonly pkt: Int32Array;
  /** FLAG_MEANINGFUL, FLAG_ACCOUNT. */
  readonly flags: Uint8Array;
  readonly hosts: readonly string[];
  readonly hostId: ReadonlyMap<string, number>;
}

export const FLAG_MEANINGFUL = 1;
export const FLAG_ACCOUNT = 2;

// Every event type gets a code; the Record makes the compiler insist on each one.
const TYPE_CODE: Readonly<Record<TimelineEvent['type'], number>> = {
  app: 0,
  packet: 1,
  xmit: 2,
  rcv: 3,
  bridge: 4,
  hook: 5,
  chain: 6,
  rule: 7,
  policy: 8,
  target: 9,
  rewrite: 10,
  conntrack: 11,
  ctstate: 12,
  route: 13,
  neigh: 14,
  deliver: 15,
  drop: 16,
  cloned: 17,
  change: 18,
  outcome: 19,
  stopped: 20,
};
export const EVENT_TYPES: readonly TimelineEvent['type'][] = (() => {
  const out: TimelineEvent['type'][] = [];
  for (const [k, v] of Object.entries(TYPE_CODE)) out[v] = k as TimelineEvent['type'];
  return out;
})();
export const typeCode = (type: TimelineEvent['type']): number => TYPE_CODE[type];

/** `chain` only announces the walk the following rule/policy events show: not worth a step. */
export function isMeaningful(e: TimelineEvent): boolean {
  return e.type !== 'chain' && !(e.type === 'conntrack' && e.op === 'lookup');
}

function pktOf(e: TimelineEvent): PacketId | undefined {
  return 'pkt' in e ? e.pkt : undefined;
}

function protoOf(e: TimelineEvent & { type: 'xmit' }): Flight['proto'] {
  if (e.frame.type === 0x0806) return 'arp';
  const p = e.frame.ip.l4.proto;
  return p === 6 ? 'tcp' : p === 17 ? 'udp' : 'icmp';
}

/** The run's account (narrate.ts runAccount) names at most this many events. */
export const ACCOUNT_MAX = 201;

/** The events the run's account tells: NAT rewrites, drops, outcomes, entries that went away. */
export function isAccountEvent(e: TimelineEvent): boolean {
  if (e.type === 'rewrite') return e.what !== 'mac' && e.what !== 'ttl';
  if (e.type === 'conntrack') return e.op === 'early-drop' || e.op === 'destroy';
  return e.type === 'drop' || e.type === 'outcome';
}

/**
 * What one chunk of the timeline adds to its index, built by ChunkIndexer where the events are
 * objects (the worker) and sent with the chunk's JSON text, so the UI thread indexes a chunk
 * without parsing it: columns are copied, a few hundred small objects merged.
 */
export interface ChunkIndex {
  /** Index of the chunk's first event. */
  readonly from: number;
  readonly t: Float64Array;
  readonly host: Uint32Array;
  readonly type: Uint8Array;
  readonly pkt: Int32Array;
  readonly flags: Uint8Array;
  /** Host names first seen in this chunk, in the order of their codes. */
  readonly newHosts: readonly string[];
  readonly packets: readonly PacketInfo[];
  /** Flights whose receive is in this chunk, in receive order. */
  readonly flights: readonly Flight[];
  /** [conn, index] of each outcome event in the chunk, flattened. */
  readonly outcomes: readonly number[];
  /** Account events of the chunk while fewer than ACCOUNT_MAX were sent: [index, event]. */
  readonly account: readonly (readonly [number, TimelineEvent])[];
}

/** Worker side: turns the timeline, a chunk at a time and in order, into ChunkIndex parts. */
export class ChunkIndexer {
  private next = 0;
  private readonly hostIds = new Map<string, number>();
  // Sends still waiting for their receive, keyed by packet and receiving end.
  private readonly open = new Map<string, { i: number; e: TimelineEvent & { type: 'xmit' } }>();
  private accounted = 0;

  /** The next events of the timeline (they start where the last chunk ended). */
  index(events: readonly TimelineEvent[]): ChunkIndex {
    const from = this.next;
    const n = events.length;
    const t = new Float64Array(n);
    const host = new Uint32Array(n);
    const type = new Uint8Array(n);
    const pkt = new Int32Array(n);
    const flags = new Uint8Array(n);
    const newHosts: string[] = [];
    const packets: PacketInfo[] = [];
    const flights: Flight[] = [];
    const outcomes: number[] = [];
    const account: [number, TimelineEvent][] = [];
    for (let k = 0; k < n; k++) {
      const e = events[k]!;
      const i = from + k;
      t[k] = e.t;
      let h = this.hostIds.get(e.host);
      if (h === undefined) {
        h = this.hostIds.size;
        this.hostIds.set(e.host, h);
        newHosts.push(e.host);
      }
      host[k] = h;
      type[k] = TYPE_CODE[e.type];
      const p = pktOf(e);
      pkt[k] = p === undefined ? -1 : p;
      let f = isMeaningful(e) ? FLAG_MEANINGFUL : 0;
      if (isAccountEvent(e)) {
        f |= FLAG_ACCOUNT;
        if (this.accounted < ACCOUNT_MAX) {
          this.accounted++;
          account.push([i, e]);
        }
      }
      flags[k] = f;
      switch (e.type) {
        case 'packet':
          packets.push({
            pkt: e.pkt,
            index: i,
            host: e.host,
            ...(e.parent !== undefined ? { parent: e.parent } : {}),
            ...(e.conn !== undefined ? { conn: e.conn } : {}),
            label: shortFrame(e.frame),
          });
          break;
        case 'xmit':
          if (e.to) this.open.set(`${e.pkt}/${e.to.host}/${e.to.dev}`, { i, e });
          break;
        case 'rcv': {
          const key = `${e.pkt}/${e.host}/${e.dev}`;
          const x = this.open.get(key);
          if (x?.e.to) {
            this.open.delete(key);
            flights.push({
              pkt: e.pkt,
              i: x.i,
              j: i,
              from: { host: x.e.host, dev: x.e.dev },
              to: x.e.to,
              label: shortFrame(x.e.frame),
              tuple: tupleText(x.e.frame),
              proto: protoOf(x.e),
            });
          }
          break;
        }
        case 'outcome':
          outcomes.push(e.conn, i);
          break;
        default:
          break;
      }
    }
    this.next = from + n;
    return { from, t, host, type, pkt, flags, newHosts, packets, flights, outcomes, account };
  }
}

type Typed = Float64Array | Uint32Array | Uint8Array | Int32Array;

/** A typed array that grows by doubling. */
class Column<A extends Typed> {
  private buf: A;
  constructor(private readonly make: (n: number) => A) {
    this.buf = make(1024);
  }
  put(at: number, src: ArrayLike<number>): void {
    if (at + src.length > this.buf.length) {
      let cap = this.buf.length;
      while (cap < at + src.length) cap *= 2;
      const b = this.make(cap);
      b.set(this.buf.subarray(0, at));
      this.buf = b;
    }
    this.buf.set(src, at);
  }
  view(n: number): A {
    return this.buf.subarray(0, n) as A;
  }
}

/**
 * Builds a TimelineIndex a chunk at a time, as the run's timeline arrives from the worker (a
 * million events take seconds to index, and the main thread may not block for more than
 * 50 ms): `addChunk` each chunk's ChunkIndex in order (or `add` events, indexed here), `finish`
 * once. The cost is linear in the chunk and reads none of its events.
 */
export class TimelineIndexer {
  private length = 0;
  private readonly flights: Flight[] = [];
  private readonly packets: PacketInfo[] = [];
  private readonly eventsOf = new Map<PacketId, number[]>();
  private readonly outcomeAt = new Map<number, number>();
  private readonly accountAt: number[] = [];
  private readonly accountEvents: TimelineEvent[] = [];
  private readonly hosts: string[] = [];
  private maxSpan = 1;
  private readonly t = new Column((n) => new Float64Array(n));
  private readonly host = new Column((n) => new Uint32Array(n));
  private readonly type = new Column((n) => new Uint8Array(n));
  private readonly pkt = new Column((n) => new Int32Array(n));
  private readonly flags = new Column((n) => new Uint8Array(n));
  /** For `add`: events given here are indexed here. */
  private local: ChunkIndexer | undefined;

  /** Events indexed so far. */
  get size(): number {
    return this.length;
  }

  /** The next events of the timeline, which start at index `size`. */
  add(events: readonly TimelineEvent[]): void {
    this.local ??= new ChunkIndexer();
    this.addChunk(this.local.index(events));
  }

  /** The next chunk's index part, built by a ChunkIndexer (in the worker). */
  addChunk(c: ChunkIndex): void {
    const n = c.t.length;
    if (c.from !== this.length) throw new Error(`run timeline index out of order at event ${c.from}`);
    if (c.host.length !== n || c.type.length !== n || c.pkt.length !== n || c.flags.length !== n)
      throw new Error(`run timeline index at event ${c.from} has columns of different lengths`);
    const at = this.length;
    this.t.put(at, c.t);
    this.host.put(at, c.host);
    this.type.put(at, c.type);
    this.pkt.put(at, c.pkt);
    this.flags.put(at, c.flags);
    for (const h of c.newHosts) this.hosts.push(h);
    const pkt = c.pkt;
    for (let k = 0; k < n; k++) {
      const p = pkt[k]!;
      if (p < 0) continue;
      const list = this.eventsOf.get(p);
      if (list) list.push(at + k);
      else this.eventsOf.set(p, [at + k]);
    }
    for (const p of c.packets) this.packets.push(p);
    for (const f of c.flights) {
      this.insertFlight(f);
      this.maxSpan = Math.max(this.maxSpan, f.j - f.i);
    }
    for (let k = 0; k + 1 < c.outcomes.length; k += 2)
      if (!this.outcomeAt.has(c.outcomes[k]!)) this.outcomeAt.set(c.outcomes[k]!, c.outcomes[k + 1]!);
    for (const [i, e] of c.account)
      if (this.accountAt.length < ACCOUNT_MAX) {
        this.accountAt.push(i);
        this.accountEvents.push(e);
      }
    this.length = at + n;
  }

  /**
   * Flights arrive in the order of their receive and are kept in the order of their send: a
   * flight whose send is older than the last one kept is put in its place (found by binary
   * search, moving only the flights sent after it, which are at most the ones in flight
   * together), so nothing sorts the whole list at the end.
   */
  private insertFlight(f: Flight): void {
    const fl = this.flights;
    if (fl.length === 0 || fl[fl.length - 1]!.i <= f.i) {
      fl.push(f);
      return;
    }
    let lo = 0;
    let hi = fl.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (fl[mid]!.i <= f.i) lo = mid + 1;
      else hi = mid;
    }
    fl.splice(lo, 0, f);
  }

  finish(): TimelineIndex {
    const n = this.length;
    return {
      length: n,
      flights: this.flights,
      maxSpan: this.maxSpan,
      packets: this.packets,
      eventsOf: this.eventsOf,
      outcomeAt: this.outcomeAt,
      accountAt: this.accountAt,
      accountEvents: this.accountEvents,
      cols: {
        t: this.t.view(n),
        host: this.host.view(n),
        type: this.type.view(n),
        pkt: this.pkt.view(n),
        flags: this.flags.view(n),
        hosts: this.hosts,
        hostId: new Map(this.hosts.map((h, k) => [h, k])),
      },
    };
  }
}

export function indexTimeline(events: readonly TimelineEvent[]): TimelineIndex {
  const ix = new TimelineIndexer();
  ix.add(events);
  return ix.finish();
}

/**
 * Flights on the wire when `cursor` events (fractional while animating) have been applied:
 * the send is applied (i < p) and the receive is not (j >= p). `progress` runs 0..1 along the link.
 */
export function flightsAt(ix: TimelineIndex, cursor: number): { flight: Flight; progress: number }[] {
  const p = Math.floor(cursor);
  const out: { flight: Flight; progress: number }[] = [];
  const fl = ix.flights;
  // Last flight with i < p.
  let lo = 0;
  let hi = fl.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fl[mid]!.i < p) lo = mid + 1;
    else hi = mid;
  }
  for (let k = lo - 1; k >= 0; k--) {
    const f = fl[k]!;
    if (f.i < p - ix.maxSpan) break;
    if (f.j >= p)
      out.push({ flight: f, progress: Math.min(1, Math.max(0, (cursor - f.i - 1) / (f.j - f.i))) });
  }
  return out;
}

/** Playhead after stepping forward: just past the next meaningful event. */
export function stepForward(ix: TimelineIndex, playhead: number): number {
  const f = ix.cols.flags;
  for (let i = Math.max(0, playhead); i < ix.length; i++) if (f[i]! & FLAG_MEANINGFUL) return i + 1;
  return ix.length;
}

/** Playhead after stepping back: just past the previous meaningful event, or the start. */
export function stepBackward(ix: TimelineIndex, playhead: number): number {
  const f = ix.cols.flags;
  for (let i = Math.min(playhead, ix.length) - 2; i >= 0; i--) if (f[i]! & FLAG_MEANINGFUL) return i + 1;
  return 0;
}

/** The event the playhead stands on (the last one applied). */
export function currentEvent(events: readonly TimelineEvent[], playhead: number): TimelineEvent | undefined {
  return playhead > 0 ? events[playhead - 1] : undefined;
}

/** The host of the event the playhead stands on, from the columns. */
export function currentHost(ix: TimelineIndex, playhead: number): string | undefined {
  if (playhead <= 0 || playhead > ix.length) return undefined;
  return ix.cols.hosts[ix.cols.host[playhead - 1]!];
}

/** The virtual time (µs) of the event the playhead stands on; 0 at the start. */
export function timeAt(ix: TimelineIndex, playhead: number): number {
  if (playhead <= 0 || ix.length === 0) return 0;
  return ix.cols.t[Math.min(playhead, ix.length) - 1]!;
}

/** The packet of the last applied event that concerns a packet. */
export function currentPacket(ix: TimelineIndex, playhead: number): PacketId | undefined {
  const pkt = ix.cols.pkt;
  for (let i = Math.min(playhead, ix.length) - 1; i >= 0 && i >= playhead - 64; i--) {
    const p = pkt[i]!;
    if (p >= 0) return p;
  }
  return undefined;
}

/** The conntrack entry (host and id) the packet touched last, up to the playhead. */
export function touchedEntry(
  ix: TimelineIndex,
  events: readonly TimelineEvent[],
  pkt: PacketId | undefined,
  playhead: number,
): { host: string; id: number } | undefined {
  if (pkt === undefined) return undefined;
  const list = ix.eventsOf.get(pkt) ?? [];
  const conntrack = TYPE_CODE.conntrack;
  for (let k = list.length - 1; k >= 0; k--) {
    const i = list[k]!;
    if (i >= playhead || ix.cols.type[i] !== conntrack) continue;
    const e = events[i]!;
    if (e.type === 'conntrack') return { host: e.host, id: e.entry.id };
  }
  return undefined;
}

/** First index whose event time is >= t (or > t with `after`); events are in time order. */
export function firstAt(ix: TimelineIndex, t: number, after = false): number {
  const ts = ix.cols.t;
  let lo = 0;
  let hi = ix.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const et = ts[mid]!;
    if (et < t || (after && et === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Index of the `change` event running `command` on `host` at virtual time `t` (µs), or -1:
 * found by time in the columns, so only the events at that instant are read.
 */
export function changeAt(
  ix: TimelineIndex,
  events: readonly TimelineEvent[],
  host: string,
  command: string,
  t: number,
): number {
  const h = ix.cols.hostId.get(host);
  if (h === undefined) return -1;
  const { t: ts, type, host: hs } = ix.cols;
  for (let i = firstAt(ix, t); i < ix.length && ts[i] === t; i++) {
    if (type[i] !== TYPE_CODE.change || hs[i] !== h) continue;
    const e = events[i];
    if (e?.type === 'change' && e.command === command) return i;
  }
  return -1;
}
