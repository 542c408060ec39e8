import { type Change, changeTraffic, planChange } from '../console/change';
import { ifIndexes } from '../console/ifindex';
import type { ConsoleHost } from '../console/state';
import { parseIptablesSave } from '../iptables';
import { parseCidr } from '../net/ipv4';
import type { HostSpec, Scenario } from '../scenario/schema';
import { createNetfilterFor, type HostNetfilter } from '../stack/ct';
import { type Host, staticRoutes } from '../stack/host';
import type { Iface } from '../stack/iface';
import type { World } from './world';

// A scenario's `changes` on the running world: each command runs at its virtual time on its
// host, against the host as it is then (console/change.ts says what it changes), and the
// world goes on from there with the change. Everything before stays as it was.

/** The clients that `curl`, `nc` and `ping` changes start, appended to the traffic script. */
export function withChangeClients(s: Scenario): Scenario {
  const extra = s.changes.map(changeTraffic).filter((t) => t !== undefined && !('exit' in t));
  return extra.length ? { ...s, traffic: [...s.traffic, ...(extra as Scenario['traffic'])] } : s;
}

export interface ChangeOptions {
  readonly naiveRules: boolean;
  readonly rulesPerWalk?: number;
}

/** Schedules every change; call before the traffic starts, so a change at 0 comes first. */
export function scheduleChanges(w: World, s: Scenario, o: ChangeOptions): void {
  const ifindex = ifIndexes(s);
  for (const c of s.changes) {
    const h = w.hosts.get(c.host);
    if (!h) continue;
    const at = Math.round(c.at * 1000);
    const run = () => {
      const view: ConsoleHost = {
        name: h.name,
        scenario: s,
        spec: h.spec,
        host: h,
        ifindex,
        now: w.now,
        conntrack: h.nf.table?.list(w.now) ?? [],
        counters: () => ({ pkts: 0, bytes: 0 }),
        ruleset: rulesetOf(h.spec),
        events: [],
      };
      const ch = planChange(view, c.command, c.stdin);
      apply(w, h, ch, o);
      if (w.tl)
        w.emit({
          t: w.now,
          host: h.name,
          type: 'change',
          command: c.command,
          stdout: ch.output.stdout,
          stderr: ch.output.stderr,
          exit: ch.output.exit,
          ...(ch.spec ? { spec: ch.spec } : {}),
          ...(ch.moves ? { moves: ch.moves } : {}),
        });
    };
    // At 0 a change is part of the setup and comes first. Later it comes after everything
    // already due at that instant (what a playhead at that time has shown happened before it):
    // queued again when its time comes, it goes behind the tasks of that microsecond.
    if (at === 0) w.sched.at(0, run);
    else w.sched.at(at, () => w.sched.at(at, run));
  }
}

function rulesetOf(spec: HostSpec) {
  const text = spec.iptables_save ?? '';
  const r = text.trim() ? parseIptablesSave(text, spec.name) : undefined;
  return r?.ok ? r.ruleset : null;
}

function apply(w: World, h: Host, ch: Change, o: ChangeOptions): void {
  if (ch.ctDelete?.length) {
    const ids = new Set(ch.ctDelete);
    const table = (h.nf as HostNetfilter).table;
    for (const e of table?.liveEntries(w.now) ?? []) {
      if (!ids.has(e.id)) continue;
      const gone = table!.delete(e);
      if (gone && w.tl)
        w.emit({
          t: w.now,
          host: h.name,
          type: 'conntrack',
          op: 'destroy',
          entry: gone,
          note: 'deleted by conntrack -D',
        });
    }
  }
  if (!ch.spec) return;
  const before = h.spec;
  const after = ch.spec;
  h.spec = after;
  let sysctls = false;
  for (const [k, v] of Object.entries(after.sysctls))
    if (before.sysctls[k] !== v) {
      h.sysctl.set(k, v);
      sysctls = true;
    }
  if (sysctls) (h.nf as HostNetfilter).table?.reloadSysctls();
  let links = before.routes !== after.routes;
  for (const s of after.interfaces) {
    const i = h.ifaces.get(s.name) as (Iface & { addrs: Iface['addrs'] }) | undefined;
    const old = before.interfaces.find((x) => x.name === s.name);
    if (!i || !old || old === s) continue;
    if (old.addresses !== s.addresses) {
      (i as { addrs: Iface['addrs'] }).addrs = s.addresses.map((a) => parseCidr(a)!).filter(Boolean);
      links = true;
    }
    if (old.up !== s.up) {
      i.up = s.up;
      links = true;
    }
    i.hairpin = s.hairpin ?? false;
  }
  if (links) {
    const extra = staticRoutes(h, after, 0);
    h.routes.rebuild(h.ifaces.values(), Array.isArray(extra) ? extra : []);
    h.outRoutes.clear();
  }
  if (before.iptables_save !== after.iptables_save) {
    const old = h.nf as HostNetfilter;
    const nf = createNetfilterFor(h, `${h.name}: iptables`, o.naiveRules, o.rulesPerWalk, old.table);
    if (typeof nf !== 'string') h.nf = nf;
  }
}
