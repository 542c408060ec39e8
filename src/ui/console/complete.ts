import { COMMAND_NAMES, TABLE_NAMES } from '../../engine/console/names';

// Tab completion of a console line: the word under the cursor (the last one) against what
// fits there — a command first, a table after -t, a chain after a chain command, an interface
// after dev/-i/-o/set/-i, a sysctl name after sysctl. Pure, so it is tested without a browser.

export interface Vocabulary {
  readonly chains: readonly string[];
  readonly interfaces: readonly string[];
  readonly sysctls: readonly string[];
}

const CHAIN_OPTS = new Set([
  '-A',
  '-I',
  '-D',
  '-R',
  '-L',
  '-S',
  '-F',
  '-Z',
  '-N',
  '-X',
  '-P',
  '-E',
  '-C',
  '-j',
  '-g',
]);
const IFACE_OPTS = new Set(['dev', '-i', '-o', 'set']);

function candidates(words: readonly string[], v: Vocabulary): readonly string[] {
  if (words.length <= 1) return COMMAND_NAMES;
  const prev = words[words.length - 2]!;
  const cmd = words[0];
  if (prev === '-t' || prev === '--table') return TABLE_NAMES;
  if (CHAIN_OPTS.has(prev)) return v.chains;
  if (IFACE_OPTS.has(prev) || (cmd === 'tcpdump' && prev === '-i')) return v.interfaces;
  if (cmd === 'sysctl') return v.sysctls;
  if (cmd === 'ip' && words.length === 2) return ['addr', 'link', 'route', 'neigh'];
  if (cmd === 'bridge' && words.length === 2) return ['link', 'fdb'];
  return [];
}

/** The line after Tab: the longest common prefix of the fits (plus a blank when only one fits). */
export function complete(line: string, v: Vocabulary): { line: string; options: readonly string[] } {
  const words = line.split(/\s+/);
  if (words[0] === '') words.shift();
  if (words.length === 0) words.push('');
  const word = words[words.length - 1]!;
  const fits = [...new Set(candidates(words, v))].filter((c) => c.startsWith(word)).sort();
  if (fits.length === 0) return { line, options: [] };
  let common = fits[0]!;
  for (const f of fits) while (!f.startsWith(common)) common = common.slice(0, -1);
  const head = line.slice(0, line.length - word.length);
  return { line: head + common + (fits.length === 1 ? ' ' : ''), options: fits.length > 1 ? fits : [] };
}

/** Chain names of an `iptables-save` text (the snapshot's), for completion. */
let lastChains: { save: string; chains: string[] } | undefined;

export function chainsOf(save: string): string[] {
  // A pasted node's text is megabytes: Tab after Tab reads the same one.
  if (lastChains?.save === save) return lastChains.chains;
  const out: string[] = [];
  for (let at = save.startsWith(':') ? 0 : save.indexOf('\n:'); at >= 0; at = save.indexOf('\n:', at + 1)) {
    const start = save[at] === ':' ? at + 1 : at + 2;
    let end = start;
    while (end < save.length && save[end] !== ' ' && save[end] !== '\n') end++;
    out.push(save.slice(start, end));
  }
  const chains = [...new Set(out)];
  lastChains = { save, chains };
  return chains;
}
