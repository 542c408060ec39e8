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
}

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
 * Builds a TimelineIndex a chunk of events at a time, as the run's timeline arrives from the
 * worker (a million events take seconds to index, and the main thread may not block for more
 * than 50 ms): `add` each chunk in order, `finish` once. The cost is linear in the chunk.
 */
export class TimelineIndexer {
  private length = 0;
  private readonly flights: Flight[] = [];
  private readonly packets: PacketInfo[] = [];
  private readonly eventsOf = new Map<PacketId, number[]>();
  private readonly outcomeAt = new Map<number, number>();
  private readonly accountAt: number[] = [];
  // Sends still waiting for their receive, keyed by packet and receiving end.
  private readonly open = new Map<string, { i: number; e: TimelineEvent & { type: 'xmit' } }>();
  private maxSpan = 1;

  /** Events indexed so far. */
  get size(): number {
    return this.length;
  }

  /** The next events of the timeline, which start at index `size`. */
  add(events: readonly TimelineEvent[]): void {
    for (const e of events) this.one(e, this.length++);
  }

  private one(e: TimelineEvent, i: number): void {
    const pkt = pktOf(e);
    if (pkt !== undefined) {
      const list = this.eventsOf.get(pkt);
      if (list) list.push(i);
      else this.eventsOf.set(pkt, [i]);
    }
    if (this.accountAt.length < ACCOUNT_MAX && isAccountEvent(e)) this.accountAt.push(i);
    switch (e.type) {
      case 'packet':
        this.packets.push({
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
          this.insertFlight({
            pkt: e.pkt,
            i: x.i,
            j: i,
            from: { host: x.e.host, dev: x.e.dev },
            to: x.e.to,
            label: shortFrame(x.e.frame),
            tuple: tupleText(x.e.frame),
            proto: protoOf(x.e),
          });
          this.maxSpan = Math.max(this.maxSpan, i - x.i);
        }
        break;
      }
      case 'outcome':
        if (!this.outcomeAt.has(e.conn)) this.outcomeAt.set(e.conn, i);
        break;
      default:
        break;
    }
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
    return {
      length: this.length,
      flights: this.flights,
      maxSpan: this.maxSpan,
      packets: this.packets,
      eventsOf: this.eventsOf,
      outcomeAt: this.outcomeAt,
      accountAt: this.accountAt,
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
export function stepForward(events: readonly TimelineEvent[], playhead: number): number {
  for (let i = playhead; i < events.length; i++) if (isMeaningful(events[i]!)) return i + 1;
  return events.length;
}

/** Playhead after stepping back: just past the previous meaningful event, or the start. */
export function stepBackward(events: readonly TimelineEvent[], playhead: number): number {
  for (let i = Math.min(playhead, events.length) - 2; i >= 0; i--) if (isMeaningful(events[i]!)) return i + 1;
  return 0;
}

/** The event the playhead stands on (the last one applied). */
export function currentEvent(events: readonly TimelineEvent[], playhead: number): TimelineEvent | undefined {
  return playhead > 0 ? events[playhead - 1] : undefined;
}

/** The packet of the last applied event that concerns a packet. */
export function currentPacket(events: readonly TimelineEvent[], playhead: number): PacketId | undefined {
  for (let i = Math.min(playhead, events.length) - 1; i >= 0 && i >= playhead - 64; i--) {
    const p = pktOf(events[i]!);
    if (p !== undefined) return p;
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
  for (let k = list.length - 1; k >= 0; k--) {
    const i = list[k]!;
    if (i >= playhead) continue;
    const e = events[i]!;
    if (e.type === 'conntrack') return { host: e.host, id: e.entry.id };
  }
  return undefined;
}
