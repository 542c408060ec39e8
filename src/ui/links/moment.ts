// A moment of a run named without event or packet numbers, so that a share link opens at the
// same point of the story after the model changed (an extra hook event, a new ARP packet, a
// different packet numbering). A packet is named by when and where it came into existence and
// what it looked like (tcpdump's one line); an event by its virtual time, host, kind and
// packet, plus its rank among the events that share all of these.
import type { PacketId, TimelineEvent } from '../../engine/timeline/events';
import type { TimelineIndex } from '../timeline';

export interface PacketKey {
  /** Virtual time (µs) of its `packet` event. */
  readonly t: number;
  readonly host: string;
  /** The frame as shortFrame prints it when it was created. */
  readonly label: string;
  /** Rank among packets with the same t, host and label (0-based). */
  readonly n: number;
}

export interface Moment {
  /** Virtual time (µs) of the event at the playhead. */
  readonly t: number;
  readonly host: string;
  readonly type: TimelineEvent['type'];
  readonly pkt: PacketKey | null;
  /** Rank among the events at t with the same host, type and packet (0-based). */
  readonly n: number;
}

/** Where the playhead is: before the first event, or just after one named event. */
export type Position = { readonly kind: 'start' } | { readonly kind: 'moment'; readonly moment: Moment };

const pktOf = (e: TimelineEvent): PacketId | undefined => ('pkt' in e ? e.pkt : undefined);

export function packetKey(
  ix: TimelineIndex,
  events: readonly TimelineEvent[],
  pkt: PacketId,
): PacketKey | null {
  const info = ix.packets.find((p) => p.pkt === pkt);
  if (!info) return null;
  const t = events[info.index]!.t;
  let n = 0;
  for (const p of ix.packets) {
    if (p.pkt === pkt) break;
    if (p.host === info.host && p.label === info.label && events[p.index]!.t === t) n++;
  }
  return { t, host: info.host, label: info.label, n };
}

export function findPacket(
  ix: TimelineIndex,
  events: readonly TimelineEvent[],
  key: PacketKey,
): PacketId | null {
  let n = 0;
  for (const p of ix.packets)
    if (p.host === key.host && p.label === key.label && events[p.index]!.t === key.t && n++ === key.n)
      return p.pkt;
  return null;
}

/** The position of `playhead` (events applied) in `events`. */
export function positionAt(ix: TimelineIndex, events: readonly TimelineEvent[], playhead: number): Position {
  if (playhead <= 0 || events.length === 0) return { kind: 'start' };
  const i = Math.min(playhead, events.length) - 1;
  const e = events[i]!;
  const pid = pktOf(e);
  let n = 0;
  for (let k = i - 1; k >= 0 && events[k]!.t === e.t; k--) {
    const o = events[k]!;
    if (o.host === e.host && o.type === e.type && pktOf(o) === pid) n++;
  }
  const pkt = pid === undefined ? null : packetKey(ix, events, pid);
  return { kind: 'moment', moment: { t: e.t, host: e.host, type: e.type, pkt, n } };
}

/** First index whose event time is >= t (or > t with `after`); events are in time order. */
function firstAt(events: readonly TimelineEvent[], t: number, after = false): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const et = events[mid]!.t;
    if (et < t || (after && et === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The playhead showing `pos` in `events`: the named event if it is there; otherwise the same
 * virtual time (just after the last event at or before it), which is the same moment of the
 * story even where the model now records that instant differently.
 */
export function playheadOf(ix: TimelineIndex, events: readonly TimelineEvent[], pos: Position): number {
  if (pos.kind === 'start') return 0;
  const m = pos.moment;
  const pid = m.pkt ? findPacket(ix, events, m.pkt) : undefined;
  const from = firstAt(events, m.t);
  let n = 0;
  if (pid !== null)
    for (let i = from; i < events.length && events[i]!.t === m.t; i++) {
      const e = events[i]!;
      if (e.host === m.host && e.type === m.type && pktOf(e) === (pid ?? undefined) && n++ === m.n)
        return i + 1;
    }
  return firstAt(events, m.t, true);
}
