import type { Scenario } from '../src/engine/scenario/schema';
import { type CtRow, parseConntrackLine, rowText } from './conntrackRow';
import { FreeChoiceLabeller, fixedPorts, maskingLabeller } from './normalise';
import { summarize } from './packetSummary';
import type { Side } from './side';

// Compares the kernel's side with the engine's in three columns and says, per column,
// `equal` or the first difference. A difference is excused only by a limitation the scenario
// documents with a machine-readable tag in its English text:
//   `[parity:<column>]` (every setting) or `[parity:<column> <host:key=value>]` (one setting).

export type Column = 'conntrack' | 'outcome' | 'path' | 'events';
export const COLUMNS: readonly Column[] = ['conntrack', 'outcome', 'path', 'events'];

export interface Cell {
  readonly column: Column;
  readonly equal: boolean;
  /** The first difference, `kernel: ... | engine: ...`. */
  readonly diff?: string;
  /** The limitation text that excuses the difference. */
  readonly excusedBy?: string;
}

interface Labelled {
  readonly kernel: FreeChoiceLabeller;
  readonly engine: FreeChoiceLabeller;
}

export function compareSides(
  scenario: Scenario,
  settingLabel: string,
  kernel: Side,
  engine: Side,
): readonly Cell[] {
  const fixed = fixedPorts(scenario);
  const l: Labelled = {
    kernel: new FreeChoiceLabeller(fixed, kernel.clientPorts, kernel.clientIds),
    engine: new FreeChoiceLabeller(fixed, engine.clientPorts, engine.clientIds),
  };
  const hosts = scenario.hosts.map((h) => h.name);
  const cells: Cell[] = [
    cell('conntrack', compareConntrack(hosts, kernel, engine, l)),
    cell('outcome', compareOutcomes(scenario, kernel, engine)),
    cell('path', comparePaths(hosts, kernel, engine, l)),
    cell('events', compareEvents(hosts, kernel, engine, l)),
  ];
  return cells.map((c) => (c.equal ? c : { ...c, excusedBy: excuse(scenario, c.column, settingLabel) }));
}

function cell(column: Column, diff: string | undefined): Cell {
  return diff === undefined ? { column, equal: true } : { column, equal: false, diff };
}

/** Sorted, normalised `conntrack -L` lines of one host. */
export function conntrackLines(side: Side, host: string, lab: FreeChoiceLabeller): string[] {
  const rows = side.conntrack[host] ?? [];
  const mask = maskingLabeller(lab);
  // Sort on a key that hides free choices, then label in that order, so labels do not
  // depend on the kernel's hash order.
  const keyed = rows.map((r) => ({ r, key: rowText(r, mask) })).sort((a, b) => cmp(a.key, b.key));
  return keyed.map(({ r }) => rowText(r, lab)).sort(cmp);
}

function compareConntrack(hosts: readonly string[], k: Side, e: Side, l: Labelled): string | undefined {
  for (const host of hosts) {
    const kl = conntrackLines(k, host, l.kernel);
    const el = conntrackLines(e, host, l.engine);
    const d = firstMultisetDifference(kl, el);
    if (d) return `${host}: ${d}`;
  }
  return undefined;
}

/**
 * The `conntrack -E` lines the check compares, normalised like conntrackLines: every [NEW],
 * and each [DESTROY] of an entry that still had time left (killed by the tracker, early
 * dropped). Left out: [UPDATE]s, whose sequence follows application timing (a server that
 * ACKs a FIN before it closes adds CLOSE_WAIT), and expiries, which the kernel's GC reports
 * when it gets round to them.
 */
export function eventLines(side: Side, host: string, lab: FreeChoiceLabeller): string[] {
  const picked: { kind: string; row: CtRow }[] = [];
  for (const line of side.events?.[host] ?? []) {
    const kind = /\[(NEW|UPDATE|DESTROY)\]/.exec(line)?.[1];
    if (kind === undefined || kind === 'UPDATE') continue;
    const words = line
      .slice(line.indexOf(']', line.indexOf(kind)) + 1)
      .trim()
      .split(/\s+/);
    if (kind === 'DESTROY' && !/^\d+$/.test(words[2] ?? '')) continue;
    const row = parseConntrackLine(line);
    if (row) picked.push({ kind, row });
  }
  const mask = maskingLabeller(lab);
  const keyed = picked
    .map((p) => ({ p, key: `[${p.kind}] ${rowText(p.row, mask)}` }))
    .sort((a, b) => cmp(a.key, b.key));
  return keyed.map(({ p }) => `[${p.kind}] ${rowText(p.row, lab)}`).sort(cmp);
}

function compareEvents(hosts: readonly string[], k: Side, e: Side, l: Labelled): string | undefined {
  for (const host of hosts) {
    const d = firstMultisetDifference(eventLines(k, host, l.kernel), eventLines(e, host, l.engine));
    if (d) return `${host}: ${d}`;
  }
  return undefined;
}

function firstMultisetDifference(kernel: readonly string[], engine: readonly string[]): string | undefined {
  const left = [...engine];
  for (const line of kernel) {
    const i = left.indexOf(line);
    if (i >= 0) left.splice(i, 1);
    else
      return `kernel has "${line}", engine ${engine.length ? `has ${engine.map((x) => `"${x}"`).join(', ')}` : 'has none'}`;
  }
  if (left.length) return `engine has "${left[0]}", kernel ${kernel.length ? 'does not' : 'has none'}`;
  return undefined;
}

function compareOutcomes(s: Scenario, k: Side, e: Side): string | undefined {
  for (const [idx, t] of s.traffic.entries()) {
    if (t.kind === 'tcp-listen' || t.kind === 'udp-listen') continue;
    const ko = k.outcomes.get(idx);
    const eo = e.outcomes.get(idx);
    const show = (o: { ok: boolean; reason: string } | undefined) =>
      o ? `${o.ok ? 'ok' : 'failed'} (${o.reason})` : 'none';
    if (ko?.ok !== eo?.ok)
      return `traffic[${idx}] ${t.kind} ${t.host} -> ${t.to}: kernel ${show(ko)}, engine ${show(eo)}`;
    // Both failed: the errno too, when both sides name one (a timeout is worded differently).
    const ke = errnoOf(ko?.reason);
    const ee = errnoOf(eo?.reason);
    if (ke && ee && ke !== ee)
      return `traffic[${idx}] ${t.kind} ${t.host} -> ${t.to}: kernel ${show(ko)}, engine ${show(eo)}`;
  }
  return undefined;
}

/** The errno a failure names (`ECONNREFUSED`); Python spells EOPNOTSUPP as ENOTSUP, same number. */
export function errnoOf(reason: string | undefined): string | undefined {
  const m = /\bE[A-Z]{3,}\b/.exec(reason ?? '');
  return m?.[0] === 'ENOTSUP' ? 'EOPNOTSUPP' : m?.[0];
}

/**
 * Mid-stream TCP segments (only ACK/PSH set) are compared as a set of distinct paths per
 * direction: how many pure ACKs a transfer takes and whether a reply rides on an ACK depends
 * on when the applications were scheduled, which the kernel does not fix either (delayed and
 * quick ACKs). Every other packet (SYN, FIN, RST, UDP, ICMP) is matched one by one.
 */
export function isStreamSegment(summary: string): boolean {
  return /^tcp .* (\.|P\.)$/.test(summary);
}

function comparePaths(hosts: readonly string[], k: Side, e: Side, l: Labelled): string | undefined {
  for (const host of hosts) {
    const all = (side: Side, lab: FreeChoiceLabeller) =>
      (side.packets[host] ?? []).map((p) => ({ s: summarize(p.fields, lab), path: p.path.join(' ') }));
    const ka = all(k, l.kernel);
    const ea = all(e, l.engine);
    const kp = ka.filter((p) => !isStreamSegment(p.s));
    const ep = ea.filter((p) => !isStreamSegment(p.s));
    const used = new Set<number>();
    // Matched by packet, not by position: independent packets (a FIN and a data segment in
    // flight at once) may be ordered differently; the n-th copy of a summary matches the n-th.
    for (const [ki, p] of kp.entries()) {
      const j = ep.findIndex((q, i) => !used.has(i) && q.s === p.s);
      if (j < 0) {
        const nth = kp.slice(0, ki + 1).filter((q) => q.s === p.s).length;
        return `${host}: kernel "${p.s}" (${ordinal(nth)} of its kind) [${p.path || '-'}] has no match in the engine`;
      }
      used.add(j);
      if (ep[j]!.path !== p.path)
        return `${host}: "${p.s}": kernel [${p.path || '-'}], engine [${ep[j]!.path || '-'}]`;
    }
    const extra = ep.findIndex((_, i) => !used.has(i));
    if (extra >= 0) {
      const x = ep[extra]!;
      const nth = ep.slice(0, extra + 1).filter((q) => q.s === x.s).length;
      return `${host}: engine "${x.s}" (${ordinal(nth)} of its kind) [${x.path || '-'}] is not in the kernel trace`;
    }
    const streamKey = (p: { s: string; path: string }) =>
      `${p.s.replace(/ (\.|P\.)$/, ' ACK/PSH')} [${p.path || '-'}]`;
    const ks = [...new Set(ka.filter((p) => isStreamSegment(p.s)).map(streamKey))];
    const es = new Set(ea.filter((p) => isStreamSegment(p.s)).map(streamKey));
    const missing = ks.find((x) => !es.has(x));
    if (missing) return `${host}: kernel has mid-stream segments ${missing}, the engine none with that path`;
    const ksSet = new Set(ks);
    const more = [...es].find((x) => !ksSet.has(x));
    if (more) return `${host}: engine has mid-stream segments ${more}, the kernel none with that path`;
  }
  return undefined;
}

const ordinal = (n: number) =>
  `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;

const TAG = /\[parity:(conntrack|outcome|path|events)(?:\s+([^\]]+))?\]/g;

/** The limitation (English text) that documents a difference in this column and setting. */
export function excuse(s: Scenario, column: Column, settingLabel: string): string | undefined {
  for (const lim of s.limitations)
    for (const m of lim.en.matchAll(TAG))
      if (m[1] === column && (m[2] === undefined || m[2].trim() === settingLabel)) return lim.en;
  return undefined;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** One line per packet of one host, `summary | path`, with free choices labelled: for --verbose. */
export function packetListing(scenario: Scenario, side: Side, host: string): string[] {
  const lab = new FreeChoiceLabeller(fixedPorts(scenario), side.clientPorts, side.clientIds);
  return (side.packets[host] ?? []).map((p) => `${summarize(p.fields, lab)} | ${p.path.join(' ') || '-'}`);
}
