import { readFileSync } from 'node:fs';
import {
  formatConntrackL,
  formatProcConntrack,
  formatTraceLine,
  hostViews,
  parseScenario,
  type RunResult,
  simulate,
  stateAt,
} from '../engine';
import type { Scenario } from '../engine/api';
import { builtinScenarios } from '../scenarios';
import { type Format, jsonErrorLine, parseArgs } from './args';

// The headless runner (design.md §3): `npm run -s sim -- <scenario> [options]`.

function fail(msg: string): never {
  process.stderr.write(`sim: ${msg.replace(/\n/g, ' ')}\n`);
  process.exit(2);
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
    const r = parseScenario(json, ref);
    if (!r.ok) fail(r.error);
    return r.scenario;
  }
  const s = builtinScenarios.find((x) => x.id === ref);
  if (!s) fail(`no built-in scenario ${ref} (see --list)`);
  return s;
}

export function render(r: RunResult, format: Format): string {
  const out: string[] = [];
  switch (format) {
    case 'outcome':
      for (const o of r.outcomes) out.push(o.line);
      break;
    case 'trace':
      for (const e of r.events) out.push(formatTraceLine(e));
      break;
    case 'conntrack':
    case 'proc': {
      const st = stateAt(r, r.events.length);
      for (const h of r.hosts) {
        out.push(`# host ${h.name}`);
        for (const e of st.conntrack[h.name] ?? [])
          out.push(format === 'conntrack' ? formatConntrackL(e, st.now) : formatProcConntrack(e, st.now));
      }
      break;
    }
    case 'iptables-save':
    case 'iptables': {
      const v = hostViews(r, r.events.length);
      for (const h of r.hosts) {
        out.push(`# host ${h.name}`);
        const hv = v.hosts[h.name]!;
        if (format === 'iptables-save') {
          if (hv.iptablesSave) out.push(hv.iptablesSave.replace(/\n$/, ''));
        } else for (const t of hv.iptablesList) out.push(`# table ${t.table}`, t.text.replace(/\n$/, ''));
      }
      break;
    }
    case 'json': {
      const st = stateAt(r, r.events.length);
      const conntrack: Record<string, string[]> = {};
      for (const h of r.hosts)
        conntrack[h.name] = (st.conntrack[h.name] ?? []).map((e) => formatConntrackL(e, st.now));
      const counters: Record<string, Record<string, { pkts: number; bytes: number }>> = {};
      for (const [h, m] of Object.entries(st.counters)) counters[h] = Object.fromEntries(m);
      out.push(
        JSON.stringify({
          scenario: r.scenario.id,
          settings: r.settings,
          endTime: r.endTime,
          hosts: r.hosts,
          outcomes: r.outcomes,
          final: { conntrack, counters },
          events: r.events,
        }),
      );
      break;
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  if ('error' in args) fail(args.error);
  if (args.list) {
    for (const s of builtinScenarios) process.stdout.write(`${s.id}\t${s.title?.en ?? ''}\n`);
    return;
  }
  const scenario = load(args.scenario!);
  const r = simulate(scenario, { settings: args.settings });
  if (!r.ok) fail(r.error);
  process.stdout.write(render(r.result, args.format));
}

if (process.argv[1]?.endsWith('sim.ts')) main();
