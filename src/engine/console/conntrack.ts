import { formatConntrackL, formatProcConntrack } from '../conntrack';
import { TABLE_FULL_MESSAGE } from '../conntrack/table';
import type { CtEntryData } from '../conntrack/types';
import { formatIpv4 } from '../net/ipv4';
import { parseProto } from '../iptables/names';
import { type CommandOutput, err, out } from './output';
import type { TimelineEvent } from '../timeline/events';
import type { ConsoleHost } from './state';

// conntrack-tools 1.4.7 `conntrack -L`, `-C` and `-S`, and /proc/net/nf_conntrack: the lines come
// from conntrack/format.ts (checked against kernel captures there); the summary goes to stderr.

const CT = 'conntrack v1.4.7 (conntrack-tools)';

export function conntrackCommand(h: ConsoleHost, args: readonly string[]): CommandOutput {
  let cmd: 'L' | 'C' | 'S' | undefined;
  let extended = false;
  const filters: ((e: CtEntryData) => boolean)[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => args[++i];
    if (a === '-L' || a === '--dump') cmd = 'L';
    else if (a === '-C' || a === '--count') cmd = 'C';
    else if (a === '-S' || a === '--stats') cmd = 'S';
    else if (a === '-o' || a === '--output') {
      const v = value();
      if (v === 'extended') extended = true;
      else if (v !== undefined && ['xml', 'timestamp', 'id', 'ktimestamp', 'labels', 'userspace'].includes(v))
        return err(`${CT}: output format ${v} is not supported here\n`, 1);
      else
        return err(
          `${CT}: Bad parameter \`${v ?? ''}'\nTry \`conntrack -h' or 'conntrack --help' for more information.\n`,
          2,
        );
    } else if (a === '-p' || a === '--proto') {
      const v = value() ?? '';
      const p = parseProto(v);
      if (p === undefined) return err(`${CT}: \`${v}' unsupported protocol\n`, 2);
      filters.push((e) => e.orig.proto === p);
    } else if (
      a === '-s' ||
      a === '--src' ||
      a === '--orig-src' ||
      a === '-d' ||
      a === '--dst' ||
      a === '--orig-dst'
    ) {
      const v = value() ?? '';
      const src = a === '-s' || a === '--src' || a === '--orig-src';
      filters.push((e) => formatIpv4(src ? e.orig.src : e.orig.dst) === v);
    } else if (a === '--sport' || a === '--orig-port-src' || a === '--dport' || a === '--orig-port-dst') {
      const v = Number(value());
      const sport = a === '--sport' || a === '--orig-port-src';
      filters.push((e) => (sport ? e.orig.sport : e.orig.dport) === v);
    } else if (a === '-D' || a === '--delete' || a === '-F' || a === '--flush')
      return err(`${CT}: ${a} changes the table: add it as a change (it runs at the playhead)\n`, 1);
    else
      return err(
        `${CT}: Bad parameter \`${a}'\nTry \`conntrack -h' or 'conntrack --help' for more information.\n`,
        2,
      );
  }
  if (cmd === undefined)
    return err(
      `${CT}: no command specified\nTry \`conntrack -h' or 'conntrack --help' for more information.\n`,
      2,
    );
  if (cmd === 'C') return out(`${h.conntrack.length}\n`);
  if (cmd === 'S') return out(conntrackStats(h.events));
  const shown = h.conntrack.filter((e) => filters.every((f) => f(e)));
  const stdout = shown.map((e) => `${extended ? 'ipv4     2 ' : ''}${formatConntrackL(e, h.now)}\n`).join('');
  return { stdout, stderr: `${CT}: ${shown.length} flow entries have been shown.\n`, exit: 0 };
}

/**
 * `conntrack -S`: the namespace's counters as conntrack-tools 1.4.7 prints them on 6.18 (one
 * line per CPU; the model is one CPU, so one line), counted from what the timeline recorded
 * up to this point: INVALID verdicts, ICMP errors about no connection, table-full drops,
 * early drops, failed inserts. The kernel no longer counts `found` or `insert` (0 in captures).
 */
export function conntrackStats(events: readonly TimelineEvent[]): string {
  let invalid = 0;
  let drop = 0;
  let earlyDrop = 0;
  let insertFailed = 0;
  let error = 0;
  for (const e of events) {
    if (e.type === 'ctstate' && e.ctstate === 'INVALID') {
      if (e.note === TABLE_FULL_MESSAGE) drop++;
      // An ICMP error about no tracked connection is counted by nf_conntrack_handle_icmp as error.
      else if (/^icmp: (error|outer)/.test(e.note ?? '')) error++;
      else invalid++;
    } else if (e.type === 'conntrack' && e.op === 'early-drop') earlyDrop++;
    else if (e.type === 'drop' && e.reason === 'duplicate') insertFailed++;
  }
  return `cpu=0   \tfound=0 invalid=${invalid} insert=0 insert_failed=${insertFailed} drop=${drop} early_drop=${earlyDrop} error=${error} search_restart=0 clash_resolve=0 chaintoolong=0 \n`;
}

export function procConntrack(h: ConsoleHost): CommandOutput {
  return out(h.conntrack.map((e) => `${formatProcConntrack(e, h.now)}\n`).join(''));
}
