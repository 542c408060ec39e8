import type { Iface } from '../stack/iface';
import { stpPortState } from '../stack/stp';
import { byIndex, carrier, linkFlags } from './ip';
import { type CommandOutput, err, lines, out } from './output';
import type { ConsoleHost } from './state';

// `bridge link` and `bridge fdb` of iproute2 6.x (testdata/*.json). The multicast `self`
// entries are the all-hosts groups every bridge and port joins with IPv6 off.

const SELF = ['33:33:00:00:00:01', '01:00:5e:00:00:01'];
/** ageing_time: a learned entry not refreshed for 300 s is gone. */
const AGEING_US = 300_000_000;

export function bridgeCommand(h: ConsoleHost, args: readonly string[]): CommandOutput {
  const [obj, verb] = args;
  if (obj !== undefined && 'link'.startsWith(obj) && (verb === undefined || 'show'.startsWith(verb)))
    return out(lines(ports(h).map((p) => portLine(h, p))));
  if (obj !== undefined && 'fdb'.startsWith(obj) && (verb === undefined || 'show'.startsWith(verb)))
    return out(fdb(h));
  if (obj === undefined)
    return err('Usage: bridge [ OPTIONS ] OBJECT { COMMAND | help }\nwhere  OBJECT := { link | fdb }\n');
  return err(`Object "${obj}" is unknown, try "bridge help".\n`);
}

function ports(h: ConsoleHost): Iface[] {
  return byIndex(h).filter((i) => i.master);
}

function portLine(h: ConsoleHost, p: Iface): string {
  const idx = h.ifindex.get(h.name)?.get(p.name) ?? 0;
  const mtu = h.spec.interfaces.find((s) => s.name === p.name)?.mtu ?? 1500;
  const state = carrier(p) ? stpPortState(p, h.now) : 'disabled';
  // A veth reports 10 Gbit/s (path cost 2); a device with no speed gets the default 100.
  const cost = p.kind === 'veth' || p.peer ? 2 : 100;
  return `${idx}: ${p.name}@${p.master!.name}: <${linkFlags(p).flags}> mtu ${mtu} master ${p.master!.name} state ${state} priority 32 cost ${cost} `;
}

/** Learned entries folded from the timeline: each frame a bridge receives refreshes its source. */
function learned(h: ConsoleHost): Map<string, Map<string, { port: string; at: number }>> {
  const src = new Map<number, string>();
  const fdbs = new Map<string, Map<string, { port: string; at: number }>>();
  for (const ev of h.events) {
    if (ev.type === 'rcv') src.set(ev.pkt, ev.frame.src);
    else if (ev.type === 'bridge') {
      const mac = src.get(ev.pkt);
      if (mac === undefined) continue;
      let m = fdbs.get(ev.bridge);
      if (!m) {
        m = new Map();
        fdbs.set(ev.bridge, m);
      }
      m.set(mac, { port: ev.inPort, at: ev.t });
    }
  }
  return fdbs;
}

function fdb(h: ConsoleHost): string {
  const ls: string[] = [];
  const dyn = learned(h);
  const own = new Set([...h.host.ifaces.values()].map((i) => i.mac));
  for (const i of byIndex(h)) {
    if (i.kind === 'bridge') {
      for (const m of SELF) ls.push(`${m} dev ${i.name} self permanent`);
      if (!i.ports.some((p) => p.mac === i.mac)) ls.push(`${i.mac} dev ${i.name} master ${i.name} permanent`);
    } else if (i.master) {
      for (const [mac, e] of dyn.get(i.master.name) ?? [])
        if (e.port === i.name && !own.has(mac) && h.now - e.at < AGEING_US)
          ls.push(`${mac} dev ${i.name} master ${i.master.name} `);
      ls.push(`${i.mac} dev ${i.name} master ${i.master.name} permanent`);
      for (const m of SELF) ls.push(`${m} dev ${i.name} self permanent`);
    }
  }
  return lines(ls);
}
