// Where a lesson step's moment is on a run's timeline. Moments are named by what happens (the
// first SYN-ACK received on pod-a, the DNAT at PREROUTING on node), so a lesson written once
// keeps pointing at the right event when a setting or a console command changes the run.
import { IPPROTO_ICMP, IPPROTO_UDP, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type Frame } from '../packet';
import type { Lesson, Moment } from '../scenario/schema';
import type { PacketId, TimelineEvent } from '../timeline/events';

/** The role of a frame as a lesson names it: the TCP flags that matter, or the protocol. */
export function packetRole(f: Frame): Moment['packet'] | undefined {
  if (f.type !== 0x0800) return undefined;
  const l4 = f.ip.l4;
  if (l4.proto === IPPROTO_UDP) return 'UDP';
  if (l4.proto === IPPROTO_ICMP) return 'ICMP';
  if (!('flags' in l4)) return undefined;
  const fl = l4.flags;
  if (fl & TCP_RST) return 'RST';
  if (fl & TCP_SYN) return fl & TCP_ACK ? 'SYN-ACK' : 'SYN';
  if (fl & TCP_FIN) return 'FIN';
  return 'ACK';
}

function whatOf(e: TimelineEvent): string | undefined {
  if (e.type === 'rewrite') return e.what;
  if (e.type === 'conntrack') return e.op;
  if (e.type === 'drop') return e.reason;
  return undefined;
}

/**
 * The playhead (events applied) that shows the moment: just after its event. `start` is 0;
 * null when the run has no such moment (the lesson says so instead of jumping anywhere).
 */
export function resolveMoment(events: readonly TimelineEvent[], m: Moment): number | null {
  if (m.event === 'start') return 0;
  const roles = new Map<PacketId, Moment['packet']>();
  let seen = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.type === 'packet') roles.set(e.pkt, packetRole(e.frame));
    if (e.type !== m.event) continue;
    if (m.host !== undefined && e.host !== m.host) continue;
    if (m.hook !== undefined && !('hook' in e && e.hook === m.hook)) continue;
    if (m.what !== undefined && whatOf(e) !== m.what) continue;
    if (m.ok !== undefined && !(e.type === 'outcome' && e.ok === m.ok)) continue;
    if (m.packet !== undefined) {
      // Rewrites change the frame; the role (flags) does not change, so the frame at birth tells.
      const role =
        'frame' in e ? packetRole(e.frame) : 'pkt' in e && e.pkt !== undefined ? roles.get(e.pkt) : undefined;
      if (role !== m.packet) continue;
    }
    if (++seen === m.nth) return i + 1;
  }
  return null;
}

/** A moment's key among a run's lesson moments (equal moments share their answer). */
export const momentKey = (m: Moment): string => JSON.stringify(m);

/** Events times moments a run's lesson moments may cost to resolve (about a second of work). */
export const MOMENT_CHECKS = 200_000_000;

/**
 * Every moment the lessons name (each step's `at` and `reveal`), resolved on the run's
 * timeline where it is held as objects (the worker), so the UI thread never scans it: a
 * million events arrive there as text, parsed only where a view looks. Keyed by momentKey.
 * Lessons on a huge timeline could ask for 4,000 scans of it: past MOMENT_CHECKS the moments
 * left are answered null (the lesson then says the run has no such moment).
 */
export function resolveMoments(
  events: readonly TimelineEvent[],
  lessons: readonly Lesson[],
): [string, number | null][] {
  const todo = new Map<string, Moment>();
  for (const l of lessons)
    for (const st of l.steps) {
      todo.set(momentKey(st.at), st.at);
      if (st.predict) todo.set(momentKey(st.predict.reveal), st.predict.reveal);
    }
  const out: [string, number | null][] = [];
  let checks = 0;
  for (const [k, m] of todo) {
    const cost = m.event === 'start' ? 0 : events.length;
    out.push([k, checks + cost <= MOMENT_CHECKS ? resolveMoment(events, m) : null]);
    checks += cost;
  }
  return out;
}
