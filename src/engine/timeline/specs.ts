import type { RunResult } from '../api';
import type { HostSpec } from '../scenario/schema';

// A host's configuration at a point of the timeline: the scenario's, then each `change`
// event's that carried one. Indexed once per run, since views ask at every playhead move.

const index = new WeakMap<RunResult, Map<string, { i: number; spec: HostSpec }[]>>();

function changesOf(r: RunResult): Map<string, { i: number; spec: HostSpec }[]> {
  let m = index.get(r);
  if (m) return m;
  m = new Map();
  r.events.forEach((ev, i) => {
    if (ev.type !== 'change' || !ev.spec) return;
    let l = m!.get(ev.host);
    if (!l) {
      l = [];
      m!.set(ev.host, l);
    }
    l.push({ i, spec: ev.spec });
  });
  index.set(r, m);
  return m;
}

/** Host `name`'s configuration after the first `n` events (undefined if there is no such host). */
export function specAt(r: RunResult, n: number, name: string): HostSpec | undefined {
  let spec = r.scenario.hosts.find((h) => h.name === name);
  for (const c of changesOf(r).get(name) ?? []) if (c.i < n) spec = c.spec;
  return spec;
}
