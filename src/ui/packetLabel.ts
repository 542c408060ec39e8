// The label the packet at the playhead carries on the topology: its tuple as it is at that
// moment (after any NAT so far), with the field the last NAT rewrote marked, as Figures 3-12
// and 3-13 draw it.

import type { Frame } from '../engine/packet';
import type { PacketId, TimelineEvent } from '../engine/timeline/events';
import { endpoint, packetKind, rewrittenSide } from './frame';
import type { TimelineIndex } from './timeline';

export interface PacketLabel {
  readonly pkt: PacketId;
  readonly src: string;
  readonly dst: string;
  /** `[S]`, `UDP`, `ICMP 8/0`, `ARP`. */
  readonly kind: string;
  /** The end the latest NAT rewrite changed, and which rewrite it was. */
  readonly changed?: { readonly side: 'src' | 'dst'; readonly what: string };
  /** Where the packet is: the host (and device) of its last applied event. */
  readonly host: string;
  readonly dev?: string;
}

function frameOf(e: TimelineEvent): Frame | undefined {
  switch (e.type) {
    case 'packet':
    case 'xmit':
    case 'rcv':
      return e.frame;
    case 'rewrite':
      return e.after;
    default:
      return undefined;
  }
}

export function packetLabel(
  events: readonly TimelineEvent[],
  index: TimelineIndex,
  pkt: PacketId | undefined,
  playhead: number,
): PacketLabel | undefined {
  if (pkt === undefined) return undefined;
  const list = index.eventsOf.get(pkt) ?? [];
  let frame: Frame | undefined;
  let changed: PacketLabel['changed'];
  let last: TimelineEvent | undefined;
  for (const i of list) {
    if (i >= playhead) break;
    const e = events[i]!;
    last = e;
    const f = frameOf(e);
    if (f) frame = f;
    if (e.type === 'rewrite' && e.what !== 'ttl' && e.what !== 'mac')
      changed = { side: rewrittenSide(e.what), what: e.what };
  }
  if (!frame || !last) return undefined;
  return {
    pkt,
    src: endpoint(frame, 'src'),
    dst: endpoint(frame, 'dst'),
    kind: packetKind(frame),
    ...(changed ? { changed } : {}),
    host: last.host,
    ...('dev' in last && typeof last.dev === 'string' ? { dev: last.dev } : {}),
  };
}
