import type { z } from 'zod';
import type { CtEntryData } from '../conntrack/types';
import { formatConntrackL } from '../conntrack';
import { formatIpv4, parseCidr, parseIpv4 } from '../net/ipv4';
import { parseProto } from '../iptables/names';
import { type HostSpec, type RouteSpec, type TrafficSpec, trafficSchema } from '../scenario/schema';

type TrafficInput = z.input<typeof trafficSchema>;
import { parseIptablesArgs } from './iptables';
import { changeRuleset, type RulesetChange, restoreRuleset, rulesetText } from './iptablesChange';
import { IPT } from './iptablesRead';
import { type CommandOutput, err, out } from './output';
import type { ConsoleHost } from './state';
import { sysctlKey, sysctlValues } from './sysctl';
import { tokenize } from './tokenize';

// What a changing command does to a host, as a pure function of the host at that moment: the
// host's configuration after it (the scenario's own words: addresses, routes, sysctls,
// iptables-save text), the conntrack entries it removes, or the client it starts. The engine
// applies the result to the running world (sim/changes.ts); the console shows the output.

export interface Change {
  readonly output: CommandOutput;
  /** The host's configuration after the command, when it changed. */
  readonly spec?: HostSpec;
  /** Counters that move with their rules (iptables). */
  readonly moves?: Readonly<Record<string, string | null>>;
  /** Conntrack entries removed (by id). */
  readonly ctDelete?: readonly number[];
  /** A client the command starts (curl, nc, ping). */
  readonly traffic?: TrafficSpec;
}

/** Whether a console line changes the host (then it becomes an item of the scenario's `changes`). */
export function isChange(line: string): boolean {
  const t = tokenize(line);
  if (!t.ok || t.stages.length !== 1) return false;
  const [cmd, ...args] = t.stages[0]!;
  switch (cmd) {
    case 'sysctl':
      return args.includes('-w') || args.includes('--write') || args.some((a) => a.includes('='));
    case 'iptables': {
      const p = parseIptablesArgs(args);
      return !('exit' in p) && p.command !== 'L' && p.command !== 'S' && p.command !== 'C';
    }
    case 'iptables-restore':
    case 'curl':
    case 'nc':
    case 'ping':
      return true;
    case 'conntrack':
      return args.some((a) => a === '-D' || a === '-F' || a === '--delete' || a === '--flush');
    case 'ip':
      return (
        /^(a|ad|add|addr|addre|addres|address|r|ro|rou|rout|route|l|li|lin|link)$/.test(args[0] ?? '') &&
        ['add', 'del', 'delete', 'set', 'replace', 'change'].includes(args[1] ?? '')
      );
    case 'bridge':
      return args[0] === 'link' && args[1] === 'set';
    default:
      return false;
  }
}

export function planChange(h: ConsoleHost, line: string, stdin = ''): Change {
  const t = tokenize(line);
  if (!t.ok) return { output: err(`${t.error}\n`, 2) };
  const [cmd, ...args] = t.stages[0]!;
  switch (cmd) {
    case 'sysctl':
      return sysctlWrite(h, args);
    case 'iptables': {
      const p = parseIptablesArgs(args);
      if ('exit' in p) return { output: p };
      return withRuleset(h, changeRuleset(h.ruleset, p));
    }
    case 'iptables-restore': {
      const noflush = args.includes('-n') || args.includes('--noflush');
      return withRuleset(h, restoreRuleset(h.ruleset, stdin, noflush));
    }
    case 'conntrack':
      return conntrackDelete(h, args);
    case 'ip':
      return ipChange(h, args);
    case 'bridge':
      return bridgeChange(h, args);
    case 'curl':
    case 'nc':
    case 'ping': {
      const c = changeTraffic({ host: h.name, at: h.now / 1000, command: line })!;
      return 'exit' in c ? { output: c } : { output: out(''), traffic: c };
    }
    default:
      return { output: err(`${cmd ?? ''}: not a command that changes the host\n`, 127) };
  }
}

function withRuleset(h: ConsoleHost, r: RulesetChange): Change {
  if (!r.ruleset) return { output: r.output };
  const text = r.ruleset.tables.length ? rulesetText(r.ruleset) : '';
  return {
    output: r.output,
    spec: { ...h.spec, iptables_save: text },
    ...(r.moves ? { moves: r.moves } : {}),
  };
}

function sysctlWrite(h: ConsoleHost, args: readonly string[]): Change {
  const values = sysctlValues(h);
  const sysctls = { ...h.spec.sysctls };
  let stdout = '';
  let stderr = '';
  let quiet = false;
  for (const a of args) {
    if (a === '-w' || a === '--write') continue;
    if (a === '-q' || a === '--quiet') {
      quiet = true;
      continue;
    }
    const eq = a.indexOf('=');
    if (eq < 0) {
      stderr += `sysctl: "${a}" must be of the form name=value\n`;
      continue;
    }
    const key = sysctlKey(a.slice(0, eq).trim());
    const value = a.slice(eq + 1).trim();
    const now = values.get(key);
    if (now === undefined) {
      stderr += `sysctl: cannot stat /proc/sys/${key.replaceAll('.', '/')}: No such file or directory\n`;
      continue;
    }
    const numeric = now.split(/\s+/).every((x) => /^-?\d+$/.test(x));
    if (numeric && !value.split(/\s+/).every((x) => /^-?\d+$/.test(x))) {
      stderr += `sysctl: setting key "${key}": Invalid argument\n`;
      continue;
    }
    sysctls[key] = value;
    if (!quiet) stdout += `${key} = ${value}\n`;
  }
  const output = { stdout, stderr, exit: stderr ? 1 : 0 };
  const changed = Object.keys(sysctls).some((k) => sysctls[k] !== h.spec.sysctls[k]);
  return changed ? { output, spec: { ...h.spec, sysctls } } : { output };
}

const CT = 'conntrack v1.4.7 (conntrack-tools)';

function conntrackDelete(h: ConsoleHost, args: readonly string[]): Change {
  if (args.includes('-F') || args.includes('--flush'))
    return {
      output: { stdout: '', stderr: `${CT}: connection tracking table has been emptied.\n`, exit: 0 },
      ctDelete: h.conntrack.map((e) => e.id),
    };
  const filters: ((e: CtEntryData) => boolean)[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-D' || a === '--delete') continue;
    const v = args[++i] ?? '';
    if (a === '-p' || a === '--proto') {
      const p = parseProto(v);
      if (p === undefined) return { output: err(`${CT}: \`${v}' unsupported protocol\n`, 2) };
      filters.push((e) => e.orig.proto === p);
    } else if (a === '-s' || a === '--src' || a === '--orig-src')
      filters.push((e) => formatIpv4(e.orig.src) === v);
    else if (a === '-d' || a === '--dst' || a === '--orig-dst')
      filters.push((e) => formatIpv4(e.orig.dst) === v);
    else if (a === '--sport' || a === '--orig-port-src') filters.push((e) => e.orig.sport === Number(v));
    else if (a === '--dport' || a === '--orig-port-dst') filters.push((e) => e.orig.dport === Number(v));
    else
      return {
        output: err(
          `${CT}: Bad parameter \`${a}'\nTry \`conntrack -h' or 'conntrack --help' for more information.\n`,
          2,
        ),
      };
  }
  const gone = h.conntrack.filter((e) => filters.every((f) => f(e)));
  return {
    output: {
      stdout: gone.map((e) => `${formatConntrackL(e, h.now)}\n`).join(''),
      stderr: `${CT}: ${gone.length} flow entries have been deleted.\n`,
      exit: gone.length ? 0 : 1,
    },
    ctDelete: gone.map((e) => e.id),
  };
}

const noDevice = (name: string) => ({ output: err(`Cannot find device "${name}"\n`, 1) });

function ipChange(h: ConsoleHost, args: readonly string[]): Change {
  const [obj = '', verb = '', ...rest] = args;
  const opt = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  if ('address'.startsWith(obj)) {
    const cidr = rest.find((w, i) => i === 0 || (rest[i - 1] !== 'dev' && w !== 'dev')) ?? '';
    const dev = opt('dev');
    if (!dev) return { output: err('Not enough information: "dev" argument is required.\n', 1) };
    const iface = h.spec.interfaces.find((i) => i.name === dev);
    if (!iface) return noDevice(dev);
    const c = parseCidr(cidr);
    if (!c) return { output: err(`Error: any valid prefix is expected rather than "${cidr}".\n`, 1) };
    const text = `${formatIpv4(c.addr)}/${cidr.includes('/') ? c.len : 32}`;
    const has = iface.addresses.includes(text);
    if (verb === 'add' && has) return { output: err('RTNETLINK answers: File exists\n', 2) };
    if ((verb === 'del' || verb === 'delete') && !has)
      return { output: err('RTNETLINK answers: Cannot assign requested address\n', 2) };
    const addresses = verb === 'add' ? [...iface.addresses, text] : iface.addresses.filter((a) => a !== text);
    return {
      output: out(''),
      spec: { ...h.spec, interfaces: h.spec.interfaces.map((i) => (i === iface ? { ...i, addresses } : i)) },
    };
  }
  if ('route'.startsWith(obj)) {
    const dst = rest[0] ?? '';
    const r: { -readonly [K in keyof RouteSpec]: RouteSpec[K] } = { dst };
    if (dst !== 'default' && !parseCidr(dst))
      return { output: err(`Error: any valid prefix is expected rather than "${dst}".\n`, 1) };
    const via = opt('via');
    const dev = opt('dev');
    const metric = opt('metric');
    if (via !== undefined) {
      if (parseIpv4(via) === undefined)
        return { output: err(`Error: inet address is expected rather than "${via}".\n`, 1) };
      r.via = via;
    }
    if (dev !== undefined) {
      if (!h.spec.interfaces.some((i) => i.name === dev)) return noDevice(dev);
      r.dev = dev;
    }
    if (metric !== undefined) r.metric = Number(metric);
    const same = (x: RouteSpec) =>
      x.dst === dst && (metric === undefined || (x.metric ?? 0) === Number(metric));
    const existing = h.spec.routes.find(same);
    if (verb === 'add') {
      if (existing) return { output: err('RTNETLINK answers: File exists\n', 2) };
      if (via === undefined && dev === undefined)
        return { output: err('Error: Device for nexthop is not up.\n', 2) };
      if (
        via !== undefined &&
        dev === undefined &&
        h.host.routes.lookupMain(parseIpv4(via)!)?.via !== undefined
      )
        return { output: err('Error: Nexthop has invalid gateway.\n', 2) };
      return { output: out(''), spec: { ...h.spec, routes: [...h.spec.routes, r] } };
    }
    if (verb === 'del' || verb === 'delete') {
      if (!existing) return { output: err('RTNETLINK answers: No such process\n', 2) };
      return { output: out(''), spec: { ...h.spec, routes: h.spec.routes.filter((x) => x !== existing) } };
    }
    return { output: err(`Command "${verb}" is unknown, try "ip route help".\n`, 1) };
  }
  if ('link'.startsWith(obj) && verb === 'set') {
    const words = rest[0] === 'dev' ? rest.slice(1) : rest;
    const dev = words[0] ?? '';
    const iface = h.spec.interfaces.find((i) => i.name === dev);
    if (!iface) return noDevice(dev);
    const state = words[1];
    if (state !== 'up' && state !== 'down')
      return { output: err(`Error: either "dev" is duplicate, or "${state ?? ''}" is a garbage.\n`, 1) };
    return {
      output: out(''),
      spec: {
        ...h.spec,
        interfaces: h.spec.interfaces.map((i) => (i === iface ? { ...i, up: state === 'up' } : i)),
      },
    };
  }
  return { output: err(`Command "${verb}" is unknown, try "ip ${obj} help".\n`, 1) };
}

function bridgeChange(h: ConsoleHost, args: readonly string[]): Change {
  // bridge link set dev IF hairpin on|off
  const dev = args[2] === 'dev' ? args[3] : undefined;
  const i = args.indexOf('hairpin');
  const v = i >= 0 ? args[i + 1] : undefined;
  if (args[0] !== 'link' || args[1] !== 'set' || dev === undefined || (v !== 'on' && v !== 'off'))
    return { output: err('Usage: bridge link set dev DEV [ hairpin {on | off} ]\n', 255) };
  const iface = h.spec.interfaces.find((x) => x.name === dev);
  if (!iface) return noDevice(dev);
  if (!iface.master) return { output: err('RTNETLINK answers: Operation not supported\n', 255) };
  return {
    output: out(''),
    spec: {
      ...h.spec,
      interfaces: h.spec.interfaces.map((x) => (x === iface ? { ...x, hairpin: v === 'on' } : x)),
    },
  };
}

/** The client a `changes` item starts, or its error; undefined when the command is no client. */
export function changeTraffic(c: {
  readonly at: number;
  readonly host: string;
  readonly command: string;
}): TrafficSpec | CommandOutput | undefined {
  const t = tokenize(c.command);
  if (!t.ok) return undefined;
  const [cmd, ...args] = t.stages[0]!;
  if (cmd !== 'curl' && cmd !== 'nc' && cmd !== 'ping') return undefined;
  const spec = client(c.host, c.at, cmd, args);
  // The traffic schema fills in each kind's defaults, as for a scenario file.
  return 'exit' in spec ? spec : trafficSchema.parse(spec);
}

/** curl http://A[:P]/, nc [-u] A P, ping -c N A: a client of the traffic script, started at `at` ms. */
function client(
  host: string,
  at: number,
  cmd: string,
  args: readonly string[],
): TrafficInput | CommandOutput {
  if (cmd === 'curl') {
    const url = args.find((a) => !a.startsWith('-')) ?? '';
    const m = /^(?:http:\/\/)?(\d+\.\d+\.\d+\.\d+)(?::(\d+))?(\/.*)?$/.exec(url);
    if (!m) return err('curl: (3) URL rejected: Bad hostname\n', 3);
    const path = m[3] ?? '/';
    return {
      kind: 'tcp-connect',
      host,
      to: `${m[1]}:${m[2] ?? '80'}`,
      at,
      send: `GET ${path} HTTP/1.0\r\n\r\n`,
      timeout: 4000,
    };
  }
  if (cmd === 'nc') {
    const udp = args.includes('-u');
    const [addr, port] = args.filter((a) => !a.startsWith('-'));
    if (addr === undefined || port === undefined || parseIpv4(addr) === undefined || !/^\d+$/.test(port))
      return err('usage: nc [-u] destination port\n', 1);
    return udp
      ? { kind: 'udp-send', host, to: `${addr}:${port}`, at, send: 'query', timeout: 2000 }
      : { kind: 'tcp-connect', host, to: `${addr}:${port}`, at, timeout: 4000 };
  }
  let count = 1;
  let target: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-c') count = Number(args[++i]);
    else if (!args[i]!.startsWith('-')) target = args[i];
  }
  if (target === undefined || parseIpv4(target) === undefined)
    return err(
      `ping: ${target ?? 'usage error: Destination address required'}${target ? ': Name or service not known' : ''}\n`,
      2,
    );
  if (!Number.isInteger(count) || count < 1 || count > 100)
    return err(`ping: invalid argument: '${count}': out of range: 1 <= value <= 100\n`, 1);
  return { kind: 'ping', host, to: target, at, count, timeout: 2000 };
}

export { IPT };
