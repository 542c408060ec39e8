import { readFileSync } from 'node:fs';
import {
  conntrackEventLines,
  findFixes,
  formatConntrackL,
  formatFixes,
  formatProcConntrack,
  formatTraceLine,
  hostViews,
  parseScenario,
  type RunResult,
  simulate,
  stateAt,
} from '../engine';
import type { Scenario } from '../engine/api';
import { pcapOf } from '../engine/export/pcap';
import { nftTraceLines } from '../engine/timeline/nftTrace';
import { printable } from '../engine/printable';
import { builtinScenarios } from '../scenarios';
import { type Format, jsonErrorLine, parseArgs } from './args';
import { lineOfField, parseFieldPath } from './jsonLines';

// The headless runner (design.md §3): `npm run -s sim -- <scenario> [options]`.

function fail(msg: string): never {
  process.stderr.write(`sim: ${printable(msg)}\n`);
  process.exit(2);
}

/** The file's text, kept so errors can name the line of the field they are about. */
let fileText: string | undefined;

/** `file.json: hosts[0].iptables_save: ...` -> `file.json:7: hosts[0].iptables_save: ...` (the line that field starts on). */
export function withFileLine(ref: string, text: string | undefined, error: string): string {
  if (text === undefined || !error.startsWith(`${ref}: `)) return error;
  const rest = error.slice(ref.length + 2);
  const field = rest.slice(0, rest.indexOf(': '));
  const path = field ? parseFieldPath(field) : undefined;
  const line = path ? lineOfField(text, path) : undefined;
  return line === undefined ? error : `${ref}:${line}: ${rest}`;
}

function load(ref: string): Scenario {
  if (ref.endsWith('.json')) {
    let text: string;
    try {
      text = readFileSync(ref, 'utf8');
    } catch (e) {
      fail(`${ref}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      fail(`${ref}: ${jsonErrorLine(text, (e as Error).message)}`);
    }
    fileText = text;
    const r = parseScenario(json, ref);
    if (!r.ok) fail(withFileLine(ref, text, r.error));
    return r.scenario;
  }
  const s = builtinScenarios.find((x) => x.id === ref);
  if (!s) fail(`no built-in scenario ${ref} (see --list)`);
  return s;
}

/** The whole output as one string (tests); the runner streams `renderChunks` instead. */
export function render(r: RunResult, format: Format): string {
  let out = '';
  for (const c of renderChunks(r, format)) out += c;
  return out;
}

/** Lines per chunk: a run may hold millions of events, more than one string can (Invalid string length). */
const CHUNK = 2000;

/** The output in pieces of at most CHUNK lines (or events, for json), so memory stays bounded. */
export function* renderChunks(r: RunResult, format: Format): Generator<string> {
  const lines = (xs: Iterable<string>) => chunkLines(xs);
  switch (format) {
    case 'outcome':
      yield* lines(r.outcomes.map((o) => o.line));
      break;
    case 'trace':
      yield* lines(mapIter(r.events, formatTraceLine));
      break;
    case 'conntrack':
    case 'proc': {
      const st = stateAt(r, r.events.length);
      const out: string[] = [];
      for (const h of r.hosts) {
        out.push(`# host ${h.name}`);
        for (const e of st.conntrack[h.name] ?? [])
          out.push(format === 'conntrack' ? formatConntrackL(e, st.now) : formatProcConntrack(e, st.now));
      }
      yield* lines(out);
      break;
    }
    case 'events': {
      const ev = conntrackEventLines(r);
      const out: string[] = [];
      for (const h of r.hosts) out.push(`# host ${h.name}`, ...(ev[h.name] ?? []));
      yield* lines(out);
      break;
    }
    case 'iptables-save':
    case 'iptables': {
      const v = hostViews(r, r.events.length);
      const out: string[] = [];
      for (const h of r.hosts) {
        out.push(`# host ${h.name}`);
        const hv = v.hosts[h.name]!;
        if (format === 'iptables-save') {
          if (hv.iptablesSave) out.push(hv.iptablesSave.replace(/\n$/, ''));
        } else for (const t of hv.iptablesList) out.push(`# table ${t.table}`, t.text.replace(/\n$/, ''));
      }
      yield* lines(out);
      break;
    }
    case 'pcap':
      // Binary: main() writes pcapOf's bytes itself.
      break;
    case 'nft': {
      // `nft list ruleset` per host, with the counters at the end of the run.
      const v = hostViews(r, r.events.length);
      const out: string[] = [];
      for (const h of r.hosts) {
        out.push(`# host ${h.name}`);
        const text = v.hosts[h.name]!.nft;
        if (text) out.push(text.replace(/\n$/, ''));
      }
      yield* lines(out);
      break;
    }
    case 'nft-trace': {
      // `nft monitor trace` per host, every packet traced (src/engine/timeline/nftTrace.ts).
      const byHost = new Map<string, string[]>(r.hosts.map((h) => [h.name, []]));
      for (const l of nftTraceLines(r.events, r.events.keys())) byHost.get(l.host)?.push(l.text);
      const out: string[] = [];
      for (const h of r.hosts) out.push(`# host ${h.name}`, ...byHost.get(h.name)!);
      yield* lines(out);
      break;
    }
    case 'json': {
      const st = stateAt(r, r.events.length);
      const conntrack: Record<string, string[]> = {};
      for (const h of r.hosts)
        conntrack[h.name] = (st.conntrack[h.name] ?? []).map((e) => formatConntrackL(e, st.now));
      const counters: Record<string, Record<string, { pkts: number; bytes: number }>> = {};
      for (const [h, m] of Object.entries(st.counters)) counters[h] = Object.fromEntries(m);
      const head = JSON.stringify({
        scenario: r.scenario.id,
        settings: r.settings,
        endTime: r.endTime,
        hosts: r.hosts,
        outcomes: r.outcomes,
        final: { conntrack, counters },
        ...(r.stopped ? { stopped: r.stopped } : {}),
      });
      // The same text JSON.stringify would give for the whole object, events last, written in pieces.
      yield `${head.slice(0, -1)},"events":[`;
      const ev = r.events;
      for (let i = 0; i < ev.length; i += CHUNK) {
        const part = ev.slice(i, i + CHUNK).map((e) => JSON.stringify(e));
        yield (i > 0 ? ',' : '') + part.join(',');
      }
      yield ']}\n';
      break;
    }
  }
}

function* mapIter<T>(xs: readonly T[], f: (x: T) => string): Generator<string> {
  for (const x of xs) yield f(x);
}

function* chunkLines(xs: Iterable<string>): Generator<string> {
  let buf: string[] = [];
  for (const x of xs) {
    buf.push(x);
    if (buf.length >= CHUNK) {
      yield `${buf.join('\n')}\n`;
      buf = [];
    }
  }
  if (buf.length) yield `${buf.join('\n')}\n`;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  if ('error' in args) fail(args.error);
  if (args.list) {
    for (const s of builtinScenarios) process.stdout.write(`${s.id}\t${s.title?.en ?? ''}\n`);
    return;
  }
  const scenario = load(args.scenario!);
  // --at cuts the run itself, so every format (the trace, the tables, the outcomes) stops there.
  const r = simulate(scenario, {
    settings: args.settings,
    source: args.scenario!,
    ...(args.at !== undefined ? { until: args.at } : {}),
  });
  if (!r.ok) fail(withFileLine(args.scenario!, fileText, r.error));
  if (args.explainFix) {
    const f = findFixes(scenario, { settings: args.settings });
    if (!f.ok) fail(withFileLine(args.scenario!, fileText, f.error));
    process.stdout.write(formatFixes(f.result));
    return;
  }
  if (args.format === 'pcap') {
    const { host, ifname } = args.iface!;
    const pcap = pcapOf(r.result, host, ifname);
    if (!pcap)
      fail(`--iface ${host}:${ifname}: ${args.scenario} has no interface ${ifname} on a host ${host}`);
    process.stdout.write(pcap);
    return;
  }
  // Pipes and files are written synchronously by node on Linux, so each chunk is gone before the next.
  for (const chunk of renderChunks(r.result, args.format)) process.stdout.write(chunk);
  // A run stopped by a budget still completed what it could: exit 0, and say why it stopped.
  if (r.result.stopped) process.stderr.write(`sim: ${args.scenario}: ${r.result.stopped.text}\n`);
}

if (process.argv[1]?.endsWith('sim.ts')) main();
