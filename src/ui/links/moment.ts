// A moment of a run named without event or packet numbers, so that a share link opens at the
// same point of the story after the model changed (an extra hook event, a new ARP packet, a
// different packet numbering). A packet is named by when and where it came into existence and
// what it looked like (tcpdump's one line); an event by its virtual time, host, kind and
// packet, plus its rank among the events that share all of these.
import type { PacketId, TimelineEvent } from '../../engine/timeline/events';
import { EVENT_TYPES, firstAt, type TimelineIndex } from '../timeline';

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

// Everything here reads the index's columns (timeline.ts), never the events: naming or finding
// a moment on a timeline of a million events parses none of its chunks.

export function packetKey(ix: TimelineIndex, pkt: PacketId): PacketKey | null {
  const info = ix.packets.find((p) => p.pkt === pkt);
  if (!info) return null;
  const ts = ix.cols.t;
  const t = ts[info.index]!;
  let n = 0;
  for (const p of ix.packets) {
    if (p.pkt === pkt) break;
    if (p.host === info.host && p.label === info.label && ts[p.index]! === t) n++;
  }
  return { t, host: info.host, label: info.label, n };
}

export function findPacket(ix: TimelineIndex, key: PacketKey): PacketId | null {
  const ts = ix.cols.t;
  let n = 0;
  for (const p of ix.packets)
    if (p.host === key.host && p.label === key.label && ts[p.index]! === key.t && n++ === key.n) return p.pkt;
  return null;
}

/** The position of `playhead` (events applied) on the indexed timeline. */
export function positionAt(ix: TimelineIndex, playhead: number): Position {
  if (playhead <= 0 || ix.length === 0) return { kind: 'start' };
  const { t: ts, host, type, pkt, hosts } = ix.cols;
  const i = Math.min(playhead, ix.length) - 1;
  const t = ts[i]!;
  const h = host[i]!;
  const ty = type[i]!;
  const pid = pkt[i]!;
  let n = 0;
  for (let k = i - 1; k >= 0 && ts[k]! === t; k--) if (host[k] === h && type[k] === ty && pkt[k] === pid) n++;
  const key = pid < 0 ? null : packetKey(ix, pid);
  return { kind: 'moment', moment: { t, host: hosts[h]!, type: EVENT_TYPES[ty]!, pkt: key, n } };
}

/**
 * The playhead showing `pos` on the indexed timeline: the named event if it is there;
 * otherwise the same virtual time (just after the last event at or before it), which is the
 * same moment of the story even where the model now records that instant differently.
 */
export function playheadOf(ix: TimelineIndex, pos: Position): number {
  if (pos.kind === 'start') return 0;
  const m = pos.moment;
  const pid = m.pkt ? findPacket(ix, m.pkt) : -1;
  const { t: ts, host, type, pkt, hostId } = ix.cols;
  const h = hostId.get(m.host);
  const code = EVENT_TYPES.indexOf(m.type);
  let n = 0;
  if (pid !== null && h !== undefined && code >= 0)
    for (let i = firstAt(ix, m.t); i < ix.length && ts[i]! === m.t; i++)
      if (host[i] === h && type[i] === code && pkt[i] === pid && n++ === m.n) return i + 1;
  return firstAt(ix, m.t, true);
}
