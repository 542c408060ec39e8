import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { changeTraffic } from '../src/engine/console/change';
import type { Scenario, TrafficSpec } from '../src/engine/scenario/schema';
import { DEFAULT_TCP_REPLY, DEFAULT_TCP_REQUEST } from '../src/engine/sim/traffic';
import { buildWorld, destroyWorld, FILLER_DST, isFillerLine, type World } from './build';
import { type Bg, inNs, sh, sleep, spawnBg, stopBg } from './sh';
import type { AgentLine, KernelCapture } from './side';

// Replays a scenario (settings already applied) on the real kernel and captures, per
// namespace: the agent's outcome lines, `nft monitor trace`, `conntrack -E` and, at the end,
// `conntrack -L`. Every process is started here, bounded in time and ended by PID.

const AGENT = join(dirname(fileURLToPath(import.meta.url)), 'agent.py');

/** Kernel runs cannot fill the (global, read-only) conntrack table; floods are capped. */
export const FLOOD_CAP = 3000;
/** Time between the monitors' start and the first packet, so they are subscribed. */
const MONITOR_SETTLE_MS = 400;
/** How long agents may take to start their servers and say `ready`. */
const READY_TIMEOUT_MS = 10_000;
/** Between the last `ready` and the first client. */
const START_LEAD_MS = 200;
/** After the last client is due to finish: servers linger for late FINs and retransmits. */
const LINGER_MS = 1500;

export interface KernelRunResult extends KernelCapture {
  /** Soft failures: sysctls the kernel refused, capped floods. */
  readonly notes: readonly string[];
  /** tcpdump lines per host (only when asked for). */
  readonly tcpdump: Readonly<Record<string, readonly string[]>>;
  readonly durationMs: number;
}

/** Milliseconds from the start until the client item is surely over. */
export function itemEndMs(t: TrafficSpec): number {
  switch (t.kind) {
    case 'tcp-listen':
    case 'udp-listen':
      return 0;
    case 'tcp-inject':
      return t.at;
    case 'tcp-connect':
      return t.at + t.timeout;
    case 'udp-send':
      return Math.max(t.at, ...t.more.map((m) => m.at)) + t.timeout;
    case 'tcp-session':
      return Math.max(t.at + t.timeout, ...t.actions.map((a) => a.at));
    case 'ping':
      return t.at + (t.count - 1) * 1000 + t.timeout;
    case 'udp-flood':
      return t.at + Math.min(t.flows, FLOOD_CAP) * t.interval + 1000;
  }
}

/** A console command to run on a host at a moment of the run, only to read its output. */
export interface Reading {
  readonly host: string;
  /** ms from the start. */
  readonly at: number;
  readonly command: string;
}

/** The agent item index of reading k (negative, apart from the changes' -1 - k). */
export function readingIdx(k: number): number {
  return -1000 - k;
}

/** The plan each host's agent gets: its items, with indices and derived defaults. */
export function agentItems(
  s: Scenario,
  host: string,
  notes: string[],
  readings: readonly Reading[] = [],
): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  for (const [idx, t] of s.traffic.entries()) {
    if (t.host !== host) continue;
    const item: Record<string, unknown> = { ...t, idx };
    if (t.kind === 'ping') item.echo_id = t.id ?? 0x4e00 + idx; // fixed per item; labelled anyway
    // The engine's defaults, so an item that leaves them out behaves the same on both sides.
    if (t.kind === 'tcp-connect') item.send = t.send ?? DEFAULT_TCP_REQUEST;
    if (t.kind === 'tcp-listen') item.reply = t.reply ?? DEFAULT_TCP_REPLY;
    if (t.kind === 'udp-flood' && t.flows > FLOOD_CAP) {
      item.flows = FLOOD_CAP;
      notes.push(`traffic[${idx}] udp-flood capped from ${t.flows} to ${FLOOD_CAP} flows on the kernel`);
    }
    items.push(item);
  }
  // The scenario's `changes` that are no clients (those are traffic items already): the
  // agent runs each command in the namespace at its time.
  for (const [k, c] of s.changes.entries())
    if (c.host === host && changeTraffic(c) === undefined)
      items.push({ kind: 'command', idx: -1 - k, at: c.at, command: c.command, stdin: c.stdin ?? '' });
  for (const [k, r] of readings.entries())
    if (r.host === host) items.push({ kind: 'command', idx: readingIdx(k), at: r.at, command: r.command });
  return items;
}

export async function runOnKernel(
  scenario: Scenario,
  runId: string,
  opts: { tcpdump?: boolean; onWorld?: (w: World | undefined) => void; readings?: readonly Reading[] } = {},
): Promise<KernelRunResult> {
  const began = Date.now();
  const notes: string[] = [];
  const world = buildWorld(scenario, runId);
  opts.onWorld?.(world);
  notes.push(...world.skipped.map((s) => `not applied: ${s}`));
  const dir = mkdtempSync(join(tmpdir(), `nfp-${runId}-`));
  const bgs: Bg[] = [];
  try {
    const runMs =
      Math.max(
        0,
        ...scenario.traffic.map(itemEndMs),
        ...scenario.changes.map((c) => c.at),
        ...(opts.readings ?? []).map((r) => r.at),
      ) + LINGER_MS;
    const hardMs = MONITOR_SETTLE_MS + READY_TIMEOUT_MS + START_LEAD_MS + runMs + 10_000;
    const monitors = new Map<string, { trace: Bg; events: Bg; tcpdump?: Bg }>();
    for (const h of scenario.hosts) {
      const ns = world.ns.get(h.name)!;
      const trace = spawnBg(
        `${h.name} trace`,
        inNs(ns, ['stdbuf', '-oL', 'nft', 'monitor', 'trace']),
        hardMs,
      );
      const events = spawnBg(
        `${h.name} events`,
        inNs(ns, ['stdbuf', '-oL', 'conntrack', '-E', '-f', 'ipv4', '-o', 'timestamp']),
        hardMs,
      );
      bgs.push(trace, events);
      let tcpdump: Bg | undefined;
      if (opts.tcpdump) {
        tcpdump = spawnBg(
          `${h.name} tcpdump`,
          inNs(ns, ['tcpdump', '-nn', '-l', '-tt', '-i', 'any', 'ip']),
          hardMs,
        );
        bgs.push(tcpdump);
      }
      monitors.set(h.name, { trace, events, tcpdump });
    }
    await sleep(MONITOR_SETTLE_MS);
    const agents = new Map<string, Bg>();
    for (const h of scenario.hosts) {
      const items = agentItems(scenario, h.name, notes, opts.readings);
      if (!items.length) continue;
      const plan = join(dir, `${h.name}.json`);
      writeFileSync(plan, JSON.stringify({ run_ms: runMs, ready_timeout_ms: READY_TIMEOUT_MS, items }));
      const bg = spawnBg(
        `${h.name} agent`,
        inNs(world.ns.get(h.name)!, ['python3', AGENT, plan]),
        hardMs,
        true,
      );
      bgs.push(bg);
      agents.set(h.name, bg);
    }
    // Every server listens before any client starts: wait for all `ready`, then send the start.
    const isReady = (a: Bg) => a.lines.some((l) => l.includes('"event": "ready"'));
    const readyBy = Date.now() + READY_TIMEOUT_MS;
    while (![...agents.values()].every(isReady) && Date.now() < readyBy) await sleep(20);
    const late = [...agents].filter(([, a]) => !isReady(a)).map(([h]) => h);
    if (late.length) throw new Error(`agents not ready after ${READY_TIMEOUT_MS} ms: ${late.join(', ')}`);
    const start = Date.now() / 1000 + START_LEAD_MS / 1000;
    for (const a of agents.values()) a.child.stdin?.end(`${start}\n`);
    await Promise.race([Promise.all([...agents.values()].map((a) => a.exited)), sleep(hardMs)]);
    for (const [host, a] of agents)
      if (a.child.exitCode !== 0)
        notes.push(`${host} agent exited ${a.child.exitCode}: ${a.stderr.join(' ').slice(0, 300)}`);
    await sleep(300); // the last trace and event lines
    const hosts: Record<string, KernelCapture['hosts'][string]> = {};
    const tcpdump: Record<string, string[]> = {};
    for (const h of scenario.hosts) {
      const ns = world.ns.get(h.name)!;
      // A filled namespace (nf_conntrack_max emulated, build.ts) lists 262144 lines: the
      // fillers are left out in the namespace, so only the scenario's entries come back.
      const ct = sh(inNs(ns, ['sh', '-c', `conntrack -L -f ipv4 | grep -vF 'dst=${FILLER_DST} '`]), {
        timeoutMs: 30_000,
      });
      // The per-namespace counters (invalid, insert, drop, early_drop ...), for the record.
      const stats = sh(inNs(ns, ['conntrack', '-S']), { timeoutMs: 5000 });
      const m = monitors.get(h.name)!;
      await stopBg(m.trace);
      await stopBg(m.events);
      if (m.tcpdump) {
        await stopBg(m.tcpdump);
        tcpdump[h.name] = m.tcpdump.lines;
      }
      hosts[h.name] = {
        conntrack: ct.stdout.split('\n').filter((l) => l.trim()),
        trace: m.trace.lines.filter((l) => l.startsWith('trace id')),
        events: m.events.lines.filter((l) => l.includes('[') && !isFillerLine(l)),
        stats: stats.stdout.split('\n').filter((l) => l.startsWith('cpu=')),
        agent: (agents.get(h.name)?.lines ?? [])
          .map(parseAgentLine)
          .filter((l): l is AgentLine => l !== undefined),
      };
    }
    return { hosts, notes, tcpdump, durationMs: Date.now() - began };
  } finally {
    for (const b of bgs) await stopBg(b, 500);
    destroyWorld(world);
    opts.onWorld?.(undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseAgentLine(line: string): AgentLine | undefined {
  try {
    const v = JSON.parse(line) as unknown;
    return v && typeof v === 'object' && typeof (v as AgentLine).event === 'string'
      ? (v as AgentLine)
      : undefined;
  } catch {
    return undefined;
  }
}
