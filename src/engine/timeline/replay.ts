import { bag } from '../dict';
import type { Counter, RunResult, WorldState } from '../api';
import type { CtEntryData } from '../conntrack/types';
import { IPS_DYING } from '../conntrack/types';
import type { TimelineEvent } from './events';

// The world at any point of the timeline, folded from the events. Checkpoints every
// CHECKPOINT events make seeking O(CHECKPOINT) instead of O(n): stepping back is cheap.

const CHECKPOINT = 256;

interface Acc {
  ct: Map<string, Map<number, CtEntryData>>;
  counters: Map<string, Map<string, Counter>>;
  now: number;
}

const cache = new WeakMap<RunResult, Acc[]>();

function clone(a: Acc): Acc {
  const ct = new Map<string, Map<number, CtEntryData>>();
  for (const [h, m] of a.ct) ct.set(h, new Map(m));
  const counters = new Map<string, Map<string, Counter>>();
  for (const [h, m] of a.counters) {
    const c = new Map<string, Counter>();
    for (const [k, v] of m) c.set(k, { pkts: v.pkts, bytes: v.bytes });
    counters.set(h, c);
  }
  return { ct, counters, now: a.now };
}

function apply(a: Acc, ev: TimelineEvent): void {
  a.now = ev.t;
  switch (ev.type) {
    case 'conntrack': {
      let m = a.ct.get(ev.host);
      if (!m) {
        m = new Map();
        a.ct.set(ev.host, m);
      }
      // An entry enters the table only by its confirmation; every later event about it only
      // refreshes the picture of an entry still there. So an event that reports a packet's
      // lookup of an entry the tracker then killed (or any event after a destroy) can never
      // bring a dead entry back.
      if (ev.op === 'destroy' || ev.op === 'early-drop' || ev.op === 'freed') m.delete(ev.entry.id);
      else if (ev.entry.status & IPS_DYING) m.delete(ev.entry.id);
      else if (ev.op === 'confirmed' || m.has(ev.entry.id)) m.set(ev.entry.id, ev.entry);
      break;
    }
    case 'rule':
    case 'policy': {
      let m = a.counters.get(ev.host);
      if (!m) {
        m = new Map();
        a.counters.set(ev.host, m);
      }
      // nft tables are keyed with their family, so `ip filter` never mixes with iptables' filter.
      const key = `${ev.family ? `${ev.family} ` : ''}${ev.table}/${ev.chain}/${ev.type === 'rule' ? ev.rulenum : 0}`;
      const c = m.get(key);
      if (c) {
        c.pkts++;
        c.bytes += ev.bytes;
      } else m.set(key, { pkts: 1, bytes: ev.bytes });
      break;
    }
    case 'change': {
      // Counters follow their rules when rules are inserted or deleted, and go with them.
      const m = a.counters.get(ev.host);
      if (!ev.moves || !m) break;
      const next = new Map<string, Counter>();
      for (const [k, v] of m) {
        const to = Object.hasOwn(ev.moves, k) ? ev.moves[k] : k;
        if (to) next.set(to, v);
      }
      a.counters.set(ev.host, next);
      break;
    }
    default:
      break;
  }
}

function checkpoints(r: RunResult): Acc[] {
  let cps = cache.get(r);
  if (cps) return cps;
  cps = [];
  const acc: Acc = { ct: new Map(), counters: new Map(), now: 0 };
  for (let i = 0; i < r.events.length; i++) {
    if (i % CHECKPOINT === 0) cps.push(clone(acc));
    apply(acc, r.events[i]!);
  }
  cps.push(clone(acc)); // index events.length, only used when it falls on a checkpoint boundary
  cache.set(r, cps);
  return cps;
}

/** The world after the first `index` events (0 = before anything happened). */
export function stateAt(r: RunResult, index: number): WorldState {
  const n = Math.max(0, Math.min(index, r.events.length));
  const cps = checkpoints(r);
  const k = Math.floor(n / CHECKPOINT);
  const acc = clone(cps[k]!);
  for (let i = k * CHECKPOINT; i < n; i++) apply(acc, r.events[i]!);
  const conntrack = bag<CtEntryData[]>();
  const counters = bag<Map<string, Counter>>();
  for (const h of r.hosts) {
    conntrack[h.name] = [...(acc.ct.get(h.name)?.values() ?? [])].sort((x, y) => x.id - y.id);
    counters[h.name] = acc.counters.get(h.name) ?? new Map();
  }
  const now = n === r.events.length ? r.endTime : n === 0 ? 0 : r.events[n - 1]!.t;
  return { now, conntrack, counters };
}
