import { TCP_STATE_ORDER } from '../src/engine/conntrack/timeouts';
import { type CtEntryData, IPS_ASSURED, IPS_SEEN_REPLY, type Tuple } from '../src/engine/conntrack/types';
import { formatIpv4 } from '../src/engine/net/ipv4';
import { identityLabeller, type Labeller } from './packetSummary';

// The columns of a conntrack entry the parity check compares: protocol, TCP state, both
// tuples, [UNREPLIED]/[ASSURED] and the mark. Timeouts, `use=` and ids are left out: the
// kernel's depend on wall-clock time and memory, not on what the model is asked to get right.

export interface CtTuple {
  readonly src: string;
  readonly dst: string;
  /** TCP/UDP ports. */
  readonly sport?: number;
  readonly dport?: number;
  /** ICMP type, code and echo id. */
  readonly type?: number;
  readonly code?: number;
  readonly id?: number;
}

export interface CtRow {
  readonly proto: string;
  readonly state?: string;
  readonly orig: CtTuple;
  readonly reply: CtTuple;
  readonly unreplied: boolean;
  readonly assured: boolean;
  readonly mark: number;
  readonly zone: number;
}

const TCP_STATES: ReadonlySet<string> = new Set(TCP_STATE_ORDER);

/**
 * Parses one line of `conntrack -L` (or `-E`, with or without `[NEW]`/timestamp prefix, or
 * `/proc/net/nf_conntrack`). Returns undefined for the summary line and anything else.
 */
export function parseConntrackLine(line: string): CtRow | undefined {
  let words = line
    .replace(/^\[\d+\.\d+\]\s*/, '')
    .trim()
    .split(/\s+/)
    .filter((w) => !/^\[(NEW|UPDATE|DESTROY)\]$/.test(w));
  if (words[0] === 'ipv4') words = words.slice(2);
  const proto = words[0];
  if (!proto || !/^\d+$/.test(words[1] ?? '')) return undefined;
  let i = 2;
  if (/^\d+$/.test(words[i] ?? '')) i++; // timeout (absent for offloaded entries)
  let state: string | undefined;
  if (TCP_STATES.has(words[i] ?? '')) state = words[i++];
  const tuples: Record<string, string>[] = [{}, {}];
  let t = -1;
  let unreplied = false;
  let assured = false;
  let mark = 0;
  let zone = 0;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === '[UNREPLIED]') unreplied = true;
    else if (w === '[ASSURED]') assured = true;
    else if (w.startsWith('src=')) {
      t++;
      if (t > 1) return undefined;
      tuples[t]!.src = w.slice(4);
    } else if (w.startsWith('mark=')) mark = Number(w.slice(5));
    else if (w.startsWith('zone=')) zone = Number(w.slice(5));
    else if (t >= 0 && /^(dst|sport|dport|type|code|id)=/.test(w)) {
      const eq = w.indexOf('=');
      tuples[t]![w.slice(0, eq)] = w.slice(eq + 1);
    }
  }
  if (t !== 1) return undefined;
  const tuple = (r: Record<string, string>): CtTuple => {
    const n = (k: string) => (r[k] === undefined ? undefined : Number(r[k]));
    return {
      src: r.src!,
      dst: r.dst ?? '',
      sport: n('sport'),
      dport: n('dport'),
      type: n('type'),
      code: n('code'),
      id: n('id'),
    };
  };
  return { proto, state, orig: tuple(tuples[0]!), reply: tuple(tuples[1]!), unreplied, assured, mark, zone };
}

const PROTO_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 47: 'gre', 132: 'sctp' };

function engineTuple(t: Tuple): CtTuple {
  const src = formatIpv4(t.src);
  const dst = formatIpv4(t.dst);
  if (t.proto === 1) return { src, dst, type: t.dport >> 8, code: t.dport & 0xff, id: t.sport };
  if (t.proto === 6 || t.proto === 17 || t.proto === 132) return { src, dst, sport: t.sport, dport: t.dport };
  return { src, dst };
}

/** The same columns from one of the engine's entries. */
export function rowFromEngine(e: CtEntryData): CtRow {
  return {
    proto: PROTO_NAMES[e.orig.proto] ?? 'unknown',
    state: e.orig.proto === 6 ? e.tcpState : undefined,
    orig: engineTuple(e.orig),
    reply: engineTuple(e.reply),
    unreplied: (e.status & IPS_SEEN_REPLY) === 0,
    assured: (e.status & IPS_ASSURED) !== 0,
    mark: e.mark,
    zone: e.zone,
  };
}

function tupleText(t: CtTuple, l: Labeller): string {
  const parts = [`src=${t.src}`, `dst=${t.dst}`];
  if (t.sport !== undefined) parts.push(`sport=${l.port(t.sport)}`);
  if (t.dport !== undefined) parts.push(`dport=${l.port(t.dport)}`);
  if (t.type !== undefined) parts.push(`type=${t.type}`, `code=${t.code ?? 0}`, `id=${l.icmpId(t.id ?? 0)}`);
  return parts.join(' ');
}

/** `conntrack -L` field order, minus timeout and `use=`, with free choices labelled. */
export function rowText(r: CtRow, l: Labeller = identityLabeller): string {
  const parts = [r.proto];
  if (r.state) parts.push(r.state);
  parts.push(tupleText(r.orig, l));
  if (r.unreplied) parts.push('[UNREPLIED]');
  parts.push(tupleText(r.reply, l));
  if (r.assured) parts.push('[ASSURED]');
  parts.push(`mark=${r.mark}`);
  if (r.zone) parts.push(`zone=${r.zone}`);
  return parts.join(' ');
}
