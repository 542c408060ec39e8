import type { RunResult } from '../src/engine/api';
import { formatIpv4 } from '../src/engine/net/ipv4';
import type { Frame } from '../src/engine/packet';
import { conntrackEventLines } from '../src/engine/timeline/ctEvents';
import { stateAt } from '../src/engine/timeline/replay';
import { type CtRow, parseConntrackLine, rowFromEngine } from './conntrackRow';
import type { PacketFields } from './packetSummary';
import { groupTrace } from './trace';

// What one side (the kernel run or the engine run) says about a scenario, in the three
// columns the parity check compares, before normalisation.

export interface PathPacket {
  readonly host: string;
  readonly fields: PacketFields;
  /** Base chains walked at this host, `table:chain`, in order. */
  readonly path: readonly string[];
}

export interface SideOutcome {
  readonly ok: boolean;
  readonly reason: string;
}

export interface Side {
  /** Per host, the conntrack table at the end of the run. */
  readonly conntrack: Readonly<Record<string, readonly CtRow[]>>;
  /** By traffic item index. */
  readonly outcomes: ReadonlyMap<number, SideOutcome>;
  /** Every IPv4 packet that met a hook, per host, in time order. */
  readonly packets: Readonly<Record<string, readonly PathPacket[]>>;
  /** The source port (echo id) each client item's socket used, by item index. */
  readonly clientPorts: ReadonlyMap<number, number>;
  readonly clientIds: ReadonlyMap<number, number>;
  /** Per host, the `conntrack -E` lines in time order (the kernel's may carry a timestamp). */
  readonly events?: Readonly<Record<string, readonly string[]>>;
}

// ------------------------------------------------------------------ engine

function fieldsOfFrame(f: Frame): PacketFields | undefined {
  if (f.type !== 0x0800) return undefined;
  const ip = f.ip;
  const base = { saddr: formatIpv4(ip.src), daddr: formatIpv4(ip.dst) };
  const l4 = ip.l4;
  if (l4.proto === 6) return { ...base, proto: 'tcp', sport: l4.sport, dport: l4.dport, flags: l4.flags };
  if (l4.proto === 17) return { ...base, proto: 'udp', sport: l4.sport, dport: l4.dport };
  if (l4.proto === 1) return { ...base, proto: 'icmp', icmpType: l4.type, icmpCode: l4.code, icmpId: l4.id };
  return { ...base, proto: String(ip.proto) };
}

/** The engine's run in the parity columns. */
export function engineSide(r: RunResult): Side {
  const frames = new Map<number, Frame>();
  const open = new Map<string, { host: string; fields: PacketFields; path: string[] }>();
  const order: { host: string; fields: PacketFields; path: string[] }[] = [];
  const clientPorts = new Map<number, number>();
  const clientIds = new Map<number, number>();
  for (const e of r.events) {
    switch (e.type) {
      case 'packet': {
        frames.set(e.pkt, e.frame);
        if (e.origin === 'socket' && e.conn !== undefined && e.frame.type === 0x0800) {
          const l4 = e.frame.ip.l4;
          if (l4.proto === 1) {
            if (!clientIds.has(e.conn)) clientIds.set(e.conn, l4.id);
          } else if (!clientPorts.has(e.conn) && isClient(r, e.conn)) clientPorts.set(e.conn, l4.sport);
        }
        break;
      }
      case 'xmit':
        frames.set(e.pkt, e.frame);
        // Leaving for another namespace: if it ever comes back here (a hairpin through the
        // node), the kernel traces that as a new pass, so the engine's record must be new too.
        if (e.to && e.to.host !== e.host) open.delete(`${e.pkt}@${e.host}`);
        break;
      case 'rcv':
        frames.set(e.pkt, e.frame);
        break;
      case 'rewrite':
        frames.set(e.pkt, e.after);
        break;
      case 'hook': {
        if (e.family !== 'ipv4') break;
        const key = `${e.pkt}@${e.host}`;
        if (open.has(key)) break;
        const f = frames.get(e.pkt);
        const fields = f && fieldsOfFrame(f);
        if (!fields) break;
        const rec = { host: e.host, fields, path: [] as string[] };
        open.set(key, rec);
        order.push(rec);
        break;
      }
      case 'chain':
        // The kernel side reads the path from the `ip` family's trace lines (trace.ts); the
        // order of `bridge` tables' chains is checked in src/engine/stack/bridgeNft.test.ts.
        if (e.family !== 'bridge') open.get(`${e.pkt}@${e.host}`)?.path.push(`${e.table}:${e.chain}`);
        break;
      default:
        break;
    }
  }
  // The table every view shows (the CLI, the app): the timeline's replay at the end, so
  // parity checks what people see, not a fold of its own.
  const end = stateAt(r, r.events.length);
  const conntrack: Record<string, CtRow[]> = {};
  for (const h of r.hosts) conntrack[h.name] = (end.conntrack[h.name] ?? []).map(rowFromEngine);
  const packets: Record<string, PathPacket[]> = {};
  for (const h of r.hosts) packets[h.name] = [];
  for (const p of order) {
    packets[p.host] ??= [];
    packets[p.host]!.push(p);
  }
  const outcomes = new Map<number, SideOutcome>();
  for (const o of r.outcomes) outcomes.set(o.conn, { ok: o.ok, reason: o.reason });
  return { conntrack, outcomes, packets, clientPorts, clientIds, events: conntrackEventLines(r) };
}

function isClient(r: RunResult, conn: number): boolean {
  const k = r.scenario.traffic[conn]?.kind;
  return k === 'tcp-connect' || k === 'udp-send' || k === 'tcp-session';
}

// ------------------------------------------------------------------ kernel

/** One line the traffic agent printed (JSON). */
export interface AgentLine {
  readonly event: string;
  readonly idx?: number;
  readonly ok?: boolean;
  readonly reason?: string;
  readonly sport?: number;
  readonly echo_id?: number;
  readonly [k: string]: unknown;
}

/** Raw captures of one kernel run, per host. */
export interface KernelCapture {
  readonly hosts: Readonly<
    Record<
      string,
      {
        readonly conntrack: readonly string[];
        readonly trace: readonly string[];
        readonly events: readonly string[];
        /** `conntrack -S` lines (one per CPU), when captured. */
        readonly stats?: readonly string[];
        readonly agent: readonly AgentLine[];
      }
    >
  >;
}

export function kernelSide(c: KernelCapture): Side {
  const conntrack: Record<string, CtRow[]> = {};
  const packets: Record<string, PathPacket[]> = {};
  const outcomes = new Map<number, SideOutcome>();
  const clientPorts = new Map<number, number>();
  const clientIds = new Map<number, number>();
  const events: Record<string, readonly string[]> = {};
  for (const [host, h] of Object.entries(c.hosts)) {
    events[host] = h.events;
    conntrack[host] = h.conntrack.map(parseConntrackLine).filter((r): r is CtRow => r !== undefined);
    packets[host] = groupTrace(h.trace)
      .filter((p) => p.ipv4 && p.fields)
      .map((p) => ({ host, fields: p.fields!, path: p.path }));
    for (const a of h.agent) {
      if (a.idx === undefined) continue;
      if (typeof a.sport === 'number' && !clientPorts.has(a.idx)) clientPorts.set(a.idx, a.sport);
      if (typeof a.echo_id === 'number') clientIds.set(a.idx, a.echo_id);
      if (a.event === 'outcome') outcomes.set(a.idx, { ok: a.ok === true, reason: a.reason ?? '' });
    }
  }
  return { conntrack, outcomes, packets, clientPorts, clientIds, events };
}
