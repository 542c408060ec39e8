import type { RunResult } from '../api';
import { formatConntrackEvent } from '../conntrack';
import { IPS_CONFIRMED } from '../conntrack/types';
import type { TimelineEvent } from './events';

// `conntrack -E` from the timeline. ctnetlink reports only what happens to confirmed entries:
// [NEW] at confirmation, [UPDATE] when the state or a status bit (SEEN_REPLY, ASSURED)
// changes, [DESTROY] when one leaves the table (timer, a kill by the TCP tracker, early drop).
// An unconfirmed entry that dies (its packet dropped before the last hook) prints nothing, nor
// does a lookup or a NAT binding. A killed entry prints no [UPDATE] to CLOSE before its
// [DESTROY]: the kernel does not deliver the cached events of a dying entry
// (docs/kernel-observations.md 3.4).

export type CtEventKind = 'NEW' | 'UPDATE' | 'DESTROY';

/** What `conntrack -E` prints for this timeline event, or undefined when it prints nothing. */
export function ctEventKind(ev: TimelineEvent): CtEventKind | undefined {
  if (ev.type !== 'conntrack') return undefined;
  switch (ev.op) {
    case 'confirmed':
      return 'NEW';
    case 'update':
      return ev.entry.status & IPS_CONFIRMED ? 'UPDATE' : undefined;
    case 'destroy':
    case 'early-drop':
      return ev.entry.status & IPS_CONFIRMED ? 'DESTROY' : undefined;
    default:
      return undefined;
  }
}

/** Per host, the lines `conntrack -E` prints in that namespace during the first `index` events. */
export function conntrackEventLines(r: RunResult, index = r.events.length): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const h of r.hosts) out[h.name] = [];
  const n = Math.max(0, Math.min(index, r.events.length));
  for (let i = 0; i < n; i++) {
    const ev = r.events[i]!;
    const kind = ctEventKind(ev);
    if (kind === undefined || ev.type !== 'conntrack') continue;
    out[ev.host]?.push(formatConntrackEvent(kind, ev.entry, ev.t));
  }
  return out;
}
