import { FATE_TYPES, type TimelineEvent } from './events';

/**
 * Checks design.md §2's rule that no packet vanishes: every packet that came into existence
 * has exactly one final event. Returns the first violation, or undefined.
 */
export function checkFates(events: readonly TimelineEvent[]): string | undefined {
  const born = new Set<number>();
  const fates = new Map<number, number>();
  for (const e of events) {
    if (e.type === 'packet') born.add(e.pkt);
    if (FATE_TYPES.has(e.type)) {
      const id = (e as { pkt: number }).pkt;
      fates.set(id, (fates.get(id) ?? 0) + 1);
    }
  }
  // A run cut short by a budget leaves packets in flight: they have no fate, and that is said.
  const stopped = events.at(-1)?.type === 'stopped';
  for (const id of born) {
    if (stopped && !fates.has(id)) continue;
    const n = fates.get(id) ?? 0;
    if (n !== 1) return `packet #${id} has ${n} fates`;
  }
  for (const id of fates.keys()) if (!born.has(id)) return `packet #${id} has a fate but was never created`;
  return undefined;
}
