import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import type { HostSpec, Scenario } from '../src/engine/scenario/schema';
import { inNs, sh } from './sh';

// Builds a scenario's world on the real kernel: one network namespace per host, veth pairs,
// bridges, addresses, routes, sysctls and the iptables ruleset. The plan (a list of commands)
// is pure so it can be unit-tested; `buildWorld` runs it.

export const NS_PREFIX = 'nfp-';

export function nsName(runId: string, host: string): string {
  return `${NS_PREFIX}${runId}-${host}`;
}

/** One step of the build. `soft` steps that fail are reported and skipped, not fatal. */
export interface Step {
  readonly argv: readonly string[];
  readonly input?: string;
  readonly soft?: string;
  /**
   * Read back after the write: procps `sysctl -w` exits 0 even when the kernel refused the
   * value (e.g. `net.netfilter.nf_conntrack_max` in a child namespace: "Invalid argument").
   */
  readonly verify?: { readonly argv: readonly string[]; readonly expect: string };
  /** Longer than the default 15 s (filling a conntrack table). */
  readonly timeoutMs?: number;
}

export interface PlanOptions {
  /**
   * The global `net.netfilter.nf_conntrack_max` of this machine, when known. A child namespace
   * cannot set it, but its entry count is its own: a scenario's smaller maximum is given by
   * filling the namespace with this many minus the scenario's value of ASSURED entries.
   */
  readonly globalCtMax?: number;
}

/**
 * The filler entries' original destination: TEST-NET-like 198.18.0.0/15 (RFC 2544), never an
 * address of a scenario, so they are told apart from the scenario's entries by this alone.
 */
export const FILLER_DST = '198.19.255.254';

/** Is this `conntrack -L`/`-E` line about a filler entry? */
export function isFillerLine(line: string): boolean {
  return line.includes(`dst=${FILLER_DST} `);
}

/**
 * `conntrack -R` input for `n` filler entries: UDP, ASSURED (so neither early drop nor the
 * garbage collector's early drop may take one; measured: unassured ones are evicted), 600 s.
 */
export function fillerLines(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++)
    out.push(
      `-I -p udp -s 198.18.${(i >> 8) & 255}.${i & 255} -d ${FILLER_DST} --sport ${1024 + (i >> 16)} --dport 9 -t 600 --status ASSURED`,
    );
  return `${out.join('\n')}\n`;
}

const CT_MAX = 'net.netfilter.nf_conntrack_max';

/**
 * The nft table that marks every IPv4 packet for tracing before anything else sees it
 * (priority -350 is below raw's -300 and conntrack's -200). It only sets `nftrace`, needs no
 * conntrack, and is filtered out of the paths. The bridge table adds trace lines for frames
 * that cross a bridge without any IPv4 hook (br_netfilter off), for the record only.
 */
export const TRACE_TABLE = `table ip nfp_trace {
  chain pre { type filter hook prerouting priority -350; policy accept; meta nftrace set 1; }
  chain out { type filter hook output priority -350; policy accept; meta nftrace set 1; }
}
table bridge nfp_trace {
  chain pre { type filter hook prerouting priority -350; policy accept; meta nftrace set 1; }
}
`;

const HOST_LOOPBACK = '127.0.0.1/8';

/** Every command that builds `scenario` (settings already applied), in order. */
export function planBuild(scenario: Scenario, ns: (host: string) => string, opts: PlanOptions = {}): Step[] {
  const steps: Step[] = [];
  const ip = (host: string, ...args: string[]): Step => ({ argv: ['ip', '-n', ns(host), ...args] });
  for (const h of scenario.hosts) {
    steps.push({ argv: ['ip', 'netns', 'add', ns(h.name)] });
    steps.push(ip(h.name, 'link', 'set', 'lo', 'up'));
    // IPv4 only, like the model: no IPv6 link-local chatter, router solicitations or MLD.
    steps.push({ argv: inNs(ns(h.name), ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']) });
    steps.push({ argv: inNs(ns(h.name), ['sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1']) });
  }
  for (const h of scenario.hosts)
    for (const i of h.interfaces)
      if (i.kind === 'bridge')
        // The scenario's bridge options, spelled out with the kernel's defaults when unset
        // (stp_state 0, mcast_snooping 1; forward_delay only when set). vlan_filtering is left out: the loader takes only
        // its default 0, and a kernel without CONFIG_BRIDGE_VLAN_FILTERING refuses the option
        // itself ("Operation not supported"), even as 0.
        steps.push(
          ip(
            h.name,
            'link',
            'add',
            i.name,
            'type',
            'bridge',
            'stp_state',
            String(i.stp_state ?? 0),
            'mcast_snooping',
            String(i.mcast_snooping ?? 1),
            ...(i.forward_delay !== undefined ? ['forward_delay', String(i.forward_delay)] : []),
          ),
        );
  const made = new Set<string>();
  for (const h of scenario.hosts)
    for (const i of h.interfaces) {
      if (i.kind === 'loopback' || i.kind === 'bridge') continue;
      if (i.peer) {
        const key = [`${h.name}/${i.name}`, `${i.peer.host}/${i.peer.ifname}`].sort().join(' ');
        if (made.has(key)) continue;
        made.add(key);
        // The peer is created directly in its namespace, so both ends get their final names.
        steps.push(
          ip(
            h.name,
            'link',
            'add',
            i.name,
            'type',
            'veth',
            'peer',
            'name',
            i.peer.ifname,
            'netns',
            ns(i.peer.host),
          ),
        );
      } else {
        // An ethernet interface with nothing on the other end.
        steps.push(ip(h.name, 'link', 'add', i.name, 'type', 'dummy'));
      }
    }
  for (const h of scenario.hosts)
    for (const i of h.interfaces) {
      if (i.kind === 'loopback') continue;
      if (i.mac) steps.push(ip(h.name, 'link', 'set', 'dev', i.name, 'address', i.mac));
      if (i.mtu) steps.push(ip(h.name, 'link', 'set', 'dev', i.name, 'mtu', String(i.mtu)));
      if (i.master) {
        steps.push(ip(h.name, 'link', 'set', 'dev', i.name, 'master', i.master));
        steps.push(
          ip(
            h.name,
            'link',
            'set',
            'dev',
            i.name,
            'type',
            'bridge_slave',
            'hairpin',
            i.hairpin ? 'on' : 'off',
          ),
        );
      }
    }
  for (const h of scenario.hosts) steps.push(...sysctlSteps(h, ns(h.name), opts));
  for (const h of scenario.hosts)
    for (const i of h.interfaces) {
      for (const a of i.addresses) {
        if (i.kind === 'loopback' && a === HOST_LOOPBACK) continue; // already there
        steps.push(ip(h.name, 'addr', 'add', a, 'dev', i.name));
      }
      if (i.kind !== 'loopback') steps.push(ip(h.name, 'link', 'set', 'dev', i.name, i.up ? 'up' : 'down'));
    }
  for (const h of scenario.hosts)
    for (const r of h.routes) {
      const args = ['route', 'add'];
      if (r.type && r.type !== 'unicast') args.push(r.type);
      args.push(r.dst);
      if (r.via) args.push('via', r.via);
      if (r.dev) args.push('dev', r.dev);
      if (r.src) args.push('src', r.src);
      if (r.metric !== undefined) args.push('metric', String(r.metric));
      steps.push(ip(h.name, ...args));
    }
  for (const h of scenario.hosts) {
    if (h.iptables_save?.trim())
      steps.push({ argv: inNs(ns(h.name), ['iptables-restore']), input: h.iptables_save });
    // After iptables, as the engine registers them: at equal priority the later runs first.
    if (h.nft_ruleset?.trim())
      steps.push({ argv: inNs(ns(h.name), ['nft', '-f', '-']), input: h.nft_ruleset });
    steps.push({ argv: inNs(ns(h.name), ['nft', '-f', '-']), input: TRACE_TABLE });
  }
  return steps;
}

function sysctlSteps(h: HostSpec, ns: string, opts: PlanOptions): Step[] {
  const steps: Step[] = [];
  for (const [key, value] of Object.entries(h.sysctls)) {
    const soft = `${h.name}: ${key}=${value}`;
    const room = Number(value);
    if (
      key === CT_MAX &&
      opts.globalCtMax !== undefined &&
      Number.isInteger(room) &&
      room > 0 &&
      room <= opts.globalCtMax
    ) {
      // Read-only here (sysctl "Invalid argument"): take the rest of the global maximum.
      const n = opts.globalCtMax - room;
      if (n > 0)
        steps.push({
          // Through cat: node hands a child its stdin as a socket, which conntrack cannot open
          // as /dev/stdin ("Failed to open file"); a pipe it can.
          argv: inNs(ns, ['sh', '-c', 'cat | conntrack -R /dev/stdin']),
          input: fillerLines(n),
          soft: `${soft} (as ${n} ASSURED filler entries)`,
          verify: { argv: inNs(ns, ['conntrack', '-C']), expect: String(n) },
          timeoutMs: 120_000,
        });
    } else if (key.startsWith('/sys/') || key.startsWith('/proc/'))
      // A sysfs path (e.g. a bridge port's hairpin_mode): `ip netns exec` mounts the
      // namespace's own /sys, so the write lands on this host's device.
      steps.push({ argv: inNs(ns, ['tee', key]), input: `${value}\n`, soft });
    else
      steps.push({
        argv: inNs(ns, ['sysctl', '-w', `${key}=${value}`]),
        soft,
        verify: { argv: inNs(ns, ['sysctl', '-n', key]), expect: value },
      });
  }
  return steps;
}

export interface World {
  readonly runId: string;
  readonly ns: ReadonlyMap<string, string>;
  /** Soft steps that failed (e.g. sysctls that are read-only in a child namespace). */
  readonly skipped: string[];
}

const pidFile = (runId: string) => `/run/nfp-${runId}.pid`;

/** Builds the world; on any hard failure it tears down what it made and throws. */
export function buildWorld(scenario: Scenario, runId: string): World {
  writeFileSync(pidFile(runId), String(process.pid));
  const ns = new Map(scenario.hosts.map((h) => [h.name, nsName(runId, h.name)]));
  const world: World = { runId, ns, skipped: [] };
  try {
    const max = Number(sh(['sysctl', '-n', CT_MAX], { timeoutMs: 5000 }).stdout.trim());
    const opts = Number.isInteger(max) && max > 0 ? { globalCtMax: max } : {};
    for (const step of planBuild(scenario, (h) => ns.get(h)!, opts)) {
      const r = sh(step.argv, { input: step.input, timeoutMs: step.timeoutMs ?? 15_000 });
      let why = (r.stderr.trim().split('\n')[0] ?? '').trim();
      if (r.code === 0 && step.verify) {
        const now = sh(step.verify.argv, { timeoutMs: 5000 }).stdout.trim();
        if (sameValue(now, step.verify.expect)) continue;
        why = `${why || 'refused'}; it reads ${now || '(nothing)'}`;
      } else if (r.code === 0) continue;
      if (step.soft) world.skipped.push(`${step.soft} (${why})`);
      else throw new Error(`build ${scenario.id}: ${r.cmd}: exit ${r.code}: ${why}`);
    }
  } catch (e) {
    destroyWorld(world);
    throw e;
  }
  return world;
}

/** Sysctl values compare field by field: `4096\t87380` equals `4096 87380`. */
export function sameValue(a: string, b: string): boolean {
  return a.trim().split(/\s+/).join(' ') === b.trim().split(/\s+/).join(' ');
}

/** Deletes every namespace of the world (and with them their interfaces). Never throws. */
export function destroyWorld(world: World): void {
  for (const n of world.ns.values()) sh(['ip', 'netns', 'del', n], { timeoutMs: 10_000 });
  try {
    unlinkSync(pidFile(world.runId));
  } catch {
    // not there
  }
}

/** `nfp-<runId>-<host>` namespaces whose run is no longer alive; deletes them and says which. */
export function cleanupStale(): string[] {
  const out = sh(['ip', 'netns', 'list'], { timeoutMs: 5000 }).stdout;
  const removed: string[] = [];
  for (const line of out.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = /^nfp-([0-9a-f]+)-/.exec(name);
    if (!m) continue;
    if (runAlive(m[1]!)) continue;
    sh(['ip', 'netns', 'del', name], { timeoutMs: 10_000 });
    removed.push(name);
  }
  return removed;
}

function runAlive(runId: string): boolean {
  const f = pidFile(runId);
  if (!existsSync(f)) return false;
  const pid = Number(readFileSync(f, 'utf8'));
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    try {
      unlinkSync(f);
    } catch {
      // gone
    }
    return false;
  }
}
