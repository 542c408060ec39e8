import {
  ADDR_TYPES,
  CT_STATUS_NAMES,
  ICMP_TYPES,
  LOG_FLAGS,
  LOG_LEVELS,
  parseProto,
  REJECT_WITH,
  TCP_FLAGS,
} from './names';
import { bag, dict } from '../dict';
import { parseIpv4 } from '../net/ipv4';
import type {
  AddrSpec,
  IfaceSpec,
  Match,
  NatSpec,
  PortSpec,
  Rule,
  Target,
  TcpMatch,
  UdpMatch,
} from './ruleset';
import { CT_STATE_BITS } from './ruleset';
import type { Counter, TableName } from './types';
import { parseAddrSpec, parsePort, parsePortRange, parseU32 } from './values';

// The arguments of one `-A CHAIN ...` line, parsed as iptables does: options that belong to a
// match go to the latest loaded match that knows them; `--dport` after `-p tcp` loads the tcp
// match implicitly at that point (which is why iptables-save shows `-m tcp` where it does).

/**
 * A rule iptables refuses. `blank`: the tool prints an empty line after the message (its
 * guided-option errors end in a newline of their own). `errno`: userspace accepted the rule and
 * the kernel refused it; iptables then says `RULE_APPEND failed (<errno>): rule in chain C`.
 */
export class RuleError extends Error {
  constructor(
    message: string,
    readonly opts: { readonly blank?: boolean; readonly errno?: string } = {},
  ) {
    super(message);
  }
}

function fail(message: string): never {
  throw new RuleError(message);
}

/** An error of iptables' guided option parser (xtopt), which ends in a blank line. */
function failX(message: string): never {
  throw new RuleError(message, { blank: true });
}

/** A rule the kernel refuses when it is committed (xt_check_match/xt_check_target). */
function failKernel(why: string, errno = 'Invalid argument'): never {
  throw new RuleError(`${why}: RULE_APPEND failed (${errno})`, { errno });
}

type Builder = { kind: Match['kind']; opts: Record<string, unknown>; implicit?: boolean };

const MATCH_OPTIONS: Readonly<Record<string, readonly string[]>> = dict({
  tcp: ['--sport', '--dport', '--tcp-flags', '--syn'],
  udp: ['--sport', '--dport'],
  icmp: ['--icmp-type'],
  conntrack: [
    '--ctstate',
    '--ctstatus',
    '--ctorigsrc',
    '--ctorigdst',
    '--ctreplsrc',
    '--ctrepldst',
    '--ctorigsrcport',
    '--ctorigdstport',
    '--ctreplsrcport',
    '--ctrepldstport',
    '--ctdir',
    '--ctproto',
    '--ctexpire',
  ],
  state: ['--state'],
  mark: ['--mark'],
  connmark: ['--mark'],
  addrtype: ['--src-type', '--dst-type', '--limit-iface-in', '--limit-iface-out'],
  comment: ['--comment'],
  multiport: ['--sports', '--dports', '--ports'],
  physdev: ['--physdev-in', '--physdev-out', '--physdev-is-in', '--physdev-is-out', '--physdev-is-bridged'],
  statistic: ['--mode', '--probability', '--every', '--packet'],
});

const OPTION_ALIASES: Readonly<Record<string, string>> = dict({
  '--source-port': '--sport',
  '--destination-port': '--dport',
  '--source-ports': '--sports',
  '--destination-ports': '--dports',
});

/** Options that take no argument. */
const FLAG_OPTIONS = new Set([
  '--syn',
  '--limit-iface-in',
  '--limit-iface-out',
  '--physdev-is-in',
  '--physdev-is-out',
  '--physdev-is-bridged',
  '--random',
  '--random-fully',
  '--persistent',
  '--notrack',
  '--save-mark',
  '--restore-mark',
  ...LOG_FLAGS.map(([o]) => o),
]);

/** The mark options of MARK and CONNMARK, in the order of the extensions' option tables. */
const MARK_MODES = [
  '--set-xmark',
  '--set-mark',
  '--and-mark',
  '--or-mark',
  '--xor-mark',
  '--save-mark',
  '--restore-mark',
] as const;

const TARGET_OPTIONS: Readonly<Record<string, readonly string[]>> = dict({
  REJECT: ['--reject-with'],
  LOG: ['--log-prefix', '--log-level', ...LOG_FLAGS.map(([o]) => o)],
  MARK: ['--set-xmark', '--set-mark', '--and-mark', '--or-mark', '--xor-mark'],
  CONNMARK: [...MARK_MODES, '--mask', '--nfmask', '--ctmask'],
  DNAT: ['--to-destination', '--random', '--persistent'],
  SNAT: ['--to-source', '--random', '--random-fully', '--persistent'],
  MASQUERADE: ['--to-ports', '--random', '--random-fully'],
  REDIRECT: ['--to-ports', '--random'],
  CT: ['--notrack', '--zone'],
  ACCEPT: [],
  DROP: [],
  RETURN: [],
  TRACE: [],
  NOTRACK: [],
});

/** Tables a target may be used in (absent: any). */
const TARGET_TABLES: Readonly<Record<string, readonly TableName[]>> = dict({
  DNAT: ['nat'],
  SNAT: ['nat'],
  MASQUERADE: ['nat'],
  REDIRECT: ['nat'],
  REJECT: ['filter'],
  CT: ['raw'],
  NOTRACK: ['raw'],
});

const PORT_PROTOS = new Set([6, 17, 33, 132, 136]);

export interface RuleContext {
  readonly table: TableName;
  readonly chain: string;
  readonly builtin: boolean;
  /** Chains of the table so far (jump targets must exist already). */
  readonly chains: ReadonlyMap<string, { readonly builtin: boolean }>;
  readonly line: number;
}

function arg(args: readonly string[], i: number, opt: string): string {
  const v = args[i];
  if (v === undefined) fail(`option "${opt}" requires an argument`);
  return v;
}

export function parseRuleArgs(
  args: readonly string[],
  ctx: RuleContext,
  counters: Counter | undefined,
): Rule {
  // Addresses are read after the options, as iptables does (a bad protocol is named first).
  let srcText: { v: string; invert: boolean } | undefined;
  let dstText: { v: string; invert: boolean } | undefined;
  let inIface: IfaceSpec | undefined;
  let outIface: IfaceSpec | undefined;
  let proto: { num: number; invert: boolean } | undefined;
  let protoSeen = false;
  let fragment: { invert: boolean } | undefined;
  const builders: Builder[] = [];
  let targetName: string | undefined;
  let targetIsGoto = false;
  const topts = bag<string | true>();
  let i = 0;

  while (i < args.length) {
    let invert = false;
    let tok = args[i++]!;
    if (tok === '!') {
      invert = true;
      tok = args[i++] ?? fail('"!" must be followed by an option');
    }
    tok = OPTION_ALIASES[tok] ?? tok;
    switch (tok) {
      case '-s':
      case '--source':
      case '--src': {
        if (srcText) fail('multiple -s flags not allowed');
        srcText = { v: arg(args, i++, tok), invert };
        continue;
      }
      case '-d':
      case '--destination':
      case '--dst': {
        if (dstText) fail('multiple -d flags not allowed');
        dstText = { v: arg(args, i++, tok), invert };
        continue;
      }
      case '-i':
      case '--in-interface':
      case '-o':
      case '--out-interface': {
        const isIn = tok === '-i' || tok === '--in-interface';
        const v = arg(args, i++, tok);
        if (v.length === 0 || v.length > 15 || /[\s/]/.test(v))
          fail(`interface name \`${v}' must be shorter than IFNAMSIZ (15)`);
        // `+` is every interface: iptables stores no interface at all.
        const any = v === '+' && !invert;
        if (isIn) {
          if (inIface) fail('multiple -i flags not allowed');
          if (ctx.builtin && (ctx.chain === 'OUTPUT' || ctx.chain === 'POSTROUTING'))
            failX(`Can't use -i with ${ctx.chain}`);
          inIface = any ? { name: '', invert } : { name: v, invert };
        } else {
          if (outIface) fail('multiple -o flags not allowed');
          if (ctx.builtin && (ctx.chain === 'PREROUTING' || ctx.chain === 'INPUT'))
            failX(`Can't use -o with ${ctx.chain}`);
          outIface = any ? { name: '', invert } : { name: v, invert };
        }
        continue;
      }
      case '-p':
      case '--protocol': {
        if (protoSeen) fail('multiple -p flags not allowed');
        protoSeen = true;
        const v = arg(args, i++, tok);
        const num = parseProto(v);
        if (num === undefined) fail(`unknown protocol "${v}" specified`);
        if (num === 0 && invert) fail('rule would never match protocol');
        if (num !== 0) proto = { num, invert };
        continue;
      }
      case '-f':
      case '--fragment':
        if (fragment) fail('multiple -f flags not allowed');
        fragment = { invert };
        continue;
      case '-m':
      case '--match': {
        if (invert) fail('unexpected "!" before -m');
        const name = arg(args, i++, tok);
        if (!(name in MATCH_OPTIONS)) failX(`Couldn't load match \`${name}':No such file or directory`);
        builders.push({ kind: name as Match['kind'], opts: bag() });
        continue;
      }
      case '-j':
      case '--jump':
      case '-g':
      case '--goto': {
        if (invert) fail('cannot have ! before -j');
        if (targetName !== undefined) fail('multiple -j flags not allowed');
        targetName = arg(args, i++, tok);
        targetIsGoto = tok === '-g' || tok === '--goto';
        continue;
      }
      default:
        break;
    }
    // iptables 1.8.9 takes the rule's short options only with their value as the next word: a
    // value glued on (`-ptcp`, `--protocol=tcp`) reaches the protocol or address parser whole.
    if (/^(-p.|--protocol=)/.test(tok)) fail(`unknown protocol "${tok}" specified`);
    if (/^(-s.|--(source|src)=)/.test(tok) && !srcText) {
      srcText = { v: tok, invert };
      continue;
    }
    if (/^(-d.|--(destination|dst)=)/.test(tok) && !dstText) {
      dstText = { v: tok, invert };
      continue;
    }
    if (!tok.startsWith('--')) fail(`unknown option "${tok}"`);
    // A target option?
    if (targetName !== undefined && TARGET_OPTIONS[targetName]?.includes(tok)) {
      if (invert) fail(`unexpected "!" before ${tok}`);
      if (tok in topts) failX(`${targetName}: option "${tok}" can only be used once.`);
      topts[tok] = FLAG_OPTIONS.has(tok) ? true : arg(args, i++, tok);
      continue;
    }
    // The latest match that knows it, else an implicit protocol match.
    let b: Builder | undefined;
    for (let k = builders.length - 1; k >= 0; k--) {
      if (MATCH_OPTIONS[builders[k]!.kind]!.includes(tok)) {
        b = builders[k];
        break;
      }
    }
    if (!b && proto && !proto.invert) {
      const implicit =
        proto.num === 6 ? 'tcp' : proto.num === 17 ? 'udp' : proto.num === 1 ? 'icmp' : undefined;
      if (implicit && MATCH_OPTIONS[implicit]!.includes(tok)) {
        b = { kind: implicit as Match['kind'], opts: {}, implicit: true };
        builders.push(b);
      }
    }
    if (!b) fail(`unknown option "${tok}"`);
    if (b.opts[tok] !== undefined) {
      if (b.kind === 'tcp' && (tok === '--sport' || tok === '--dport'))
        fail(`Only one \`${tok === '--sport' ? '--source-port' : '--destination-port'}' allowed`);
      fail(`Only one \`${tok}' allowed`);
    }
    if (tok === '--tcp-flags') {
      const m = args[i++];
      const c = args[i++];
      if (m === undefined || c === undefined) fail('--tcp-flags requires two args.');
      b.opts[tok] = { value: [m, c], invert };
    } else b.opts[tok] = { value: FLAG_OPTIONS.has(tok) ? '' : arg(args, i++, tok), invert };
  }

  const src = srcText && addrOption(srcText.v, srcText.invert);
  const dst = dstText && addrOption(dstText.v, dstText.invert);
  const matches = builders.map((b) => buildMatch(b, proto));
  const target =
    targetName === undefined ? undefined : buildTarget(targetName, targetIsGoto, topts, ctx, proto);
  const rule: {
    -readonly [K in keyof Rule]: Rule[K];
  } = { chain: ctx.chain, matches, line: ctx.line };
  if (src && !(src.mask === 0 && !src.invert)) rule.src = src;
  if (dst && !(dst.mask === 0 && !dst.invert)) rule.dst = dst;
  if (inIface?.name) rule.inIface = inIface;
  if (outIface?.name) rule.outIface = outIface;
  if (proto) rule.proto = proto;
  if (fragment) rule.fragment = fragment;
  if (target) rule.target = target;
  if (counters) rule.counters = counters;
  return rule;
}

type Opt = { value: string; invert: boolean } | undefined;

function portSpec(o: Opt, name: string): PortSpec | undefined {
  if (!o) return undefined;
  const r = parsePortRange(o.value) ?? fail(`invalid port/service \`${o.value}' specified for ${name}`);
  return { lo: r.lo, hi: r.hi, invert: o.invert };
}

/** `[p][:[q]]` with the messages of libxt_tcp, or of libxt_udp's guided parser (which wraps numbers at 16 bits and takes lo > hi). */
function l4PortRange(o: Opt, udp: boolean): PortSpec | undefined {
  if (!o) return undefined;
  const one = (text: string, dflt: number): number => {
    if (text === '') return dflt;
    if (udp) {
      if (/^\d+$/.test(text)) return Number(BigInt(text) % 65536n);
      return parsePort(text) ?? failX(`Port "${text}" does not resolve to anything.`);
    }
    return parsePort(text) ?? fail(`invalid port/service \`${text}' specified`);
  };
  const colon = o.value.indexOf(':');
  const lo = one(colon < 0 ? o.value : o.value.slice(0, colon), 0);
  const hi = colon < 0 ? lo : one(o.value.slice(colon + 1), 65535);
  if (!udp && lo > hi) fail('invalid portrange (min > max)');
  return { lo, hi, invert: o.invert };
}

/**
 * tcp/udp store 0:65535 for "any", and iptables then prints no option. Inverted, the range
 * matches nothing; it is kept (iptables-nft prints it as nothing, see isVoidL4).
 */
function l4Port(o: Opt, udp: boolean): PortSpec | undefined {
  const p = l4PortRange(o, udp);
  return p && p.lo === 0 && p.hi === 65535 && !p.invert ? undefined : p;
}

/** A guided-parser u32 (xtables_strtoui), or its error for `ext: ... option "--opt"`. */
function u32Opt(text: string, ext: string, opt: string): number {
  return parseU32(text) ?? failX(`${ext}: bad integer value for option "${opt}", or out of range.`);
}

/** `value[/mask]` as the guided parser reads it for --mark options. */
function markOpt(text: string, ext: string, opt: string): { value: number; mask: number } {
  const parts = text.split('/');
  if (parts.length > 2) failX(`${ext}: trailing garbage after value for option "${opt}".`);
  const value = u32Opt(parts[0]!, ext, opt);
  return { value, mask: parts.length === 2 ? u32Opt(parts[1]!, ext, opt) : 0xffffffff };
}

function addrOption(v: string, invert: boolean): AddrSpec {
  const slash = v.indexOf('/');
  if (slash >= 0) {
    const m = v.slice(slash + 1);
    if (/^\d+$/.test(m) && Number(m) > 32) fail(`invalid mask \`${m}' specified`);
  }
  return parseAddrSpec(v, invert) ?? fail(`host/network \`${v}' not found`);
}

function noInvert(o: Opt, name: string): void {
  if (o?.invert) fail(`unexpected "!" before ${name}`);
}

function bitsFromList(list: string, names: readonly string[], what: string): number {
  let mask = 0;
  for (const part of list.split(',')) {
    const idx = names.indexOf(part.toUpperCase());
    if (idx < 0) fail(`Bad ${what} "${part}"`);
    mask |= 1 << idx;
  }
  return mask;
}

/**
 * tcp/udp need their protocol: with options iptables-nft says so; with none the rule reaches
 * the kernel, whose xt_check_match refuses a match of another protocol.
 */
function l4Proto(b: Builder, proto: Proto, num: number, name: string): void {
  if (proto && !proto.invert && proto.num === num) return;
  if (Object.keys(b.opts).length > 0) fail(`${name} match requires '-p ${name.toLowerCase()}'`);
  failKernel(`${name.toLowerCase()} match needs -p ${name.toLowerCase()}`);
}

type Proto = { num: number; invert: boolean } | undefined;

function needProto(proto: { num: number; invert: boolean } | undefined, num: number, name: string): void {
  if (!proto || proto.invert || proto.num !== num)
    fail(`${name} match: only valid for protocol ${num} (use -p ${name})`);
}

function buildMatch(b: Builder, proto: { num: number; invert: boolean } | undefined): Match {
  const o = b.opts as Record<string, Opt>;
  switch (b.kind) {
    case 'tcp': {
      l4Proto(b, proto, 6, 'TCP');
      const sport = l4Port(o['--sport'], false);
      const dport = l4Port(o['--dport'], false);
      let flags: { mask: number; cmp: number; invert: boolean } | undefined;
      const tf = b.opts['--tcp-flags'] as { value: [string, string]; invert: boolean } | undefined;
      const syn = o['--syn'];
      if (tf && syn) fail("Only one of `--syn' or `--tcp-flags' allowed");
      if (tf) flags = { mask: tcpFlags(tf.value[0]), cmp: tcpFlags(tf.value[1]), invert: tf.invert };
      if (syn) flags = { mask: 0x17, cmp: 0x02, invert: syn.invert };
      const m: { -readonly [K in keyof TcpMatch]: TcpMatch[K] } = { kind: 'tcp' };
      if (sport) m.sport = sport;
      if (dport) m.dport = dport;
      if (flags) m.flags = flags;
      return m;
    }
    case 'udp': {
      l4Proto(b, proto, 17, 'UDP');
      const sport = l4Port(o['--sport'], true);
      const dport = l4Port(o['--dport'], true);
      const m: { -readonly [K in keyof UdpMatch]: UdpMatch[K] } = { kind: 'udp' };
      if (sport) m.sport = sport;
      if (dport) m.dport = dport;
      return m;
    }
    case 'icmp': {
      const t = o['--icmp-type'];
      if (!t && !b.implicit) failX('icmp: option "--icmp-type" must be specified');
      needProto(proto, 1, 'icmp');
      if (!t) return { kind: 'icmp', type: 0xff, codeMin: 0, codeMax: 0xff, invert: false };
      const named = ICMP_TYPES.find(([n]) => n === t.value);
      if (named)
        return { kind: 'icmp', type: named[1], codeMin: named[2], codeMax: named[3], invert: t.invert };
      // libxt_icmp: TYPE[/CODE[:CODE]] by number.
      const m = /^(\d+)(?:\/(\d+)(?::(\d+))?)?$/.exec(t.value);
      if (!m || Number(m[1]) > 255) fail(`Unknown ICMP type \`${t.value}'`);
      if ((m[2] !== undefined && Number(m[2]) > 255) || (m[3] !== undefined && Number(m[3]) > 255))
        fail(`Unknown ICMP code \`${t.value}'`);
      const type = Number(m[1]);
      const codeMin = m[2] === undefined ? 0 : Number(m[2]);
      const codeMax = m[2] === undefined ? 0xff : Number(m[3] ?? m[2]);
      return { kind: 'icmp', type, codeMin, codeMax, invert: t.invert };
    }
    case 'conntrack': {
      if (Object.keys(b.opts).length === 0) fail('conntrack: At least one option is required');
      const out: Record<string, unknown> = { kind: 'conntrack' };
      const st = o['--ctstate'];
      if (st) out.state = { mask: bitsFromList(st.value, CT_STATE_BITS, 'ctstate'), invert: st.invert };
      const ss = o['--ctstatus'];
      if (ss) {
        let mask = 0;
        for (const part of ss.value.split(',')) {
          const e = CT_STATUS_NAMES.find(([n]) => n === part.toUpperCase()) ?? fail(`Bad ctstatus "${part}"`);
          mask |= e[1];
        }
        out.status = { mask, invert: ss.invert };
      }
      for (const f of ['origsrc', 'origdst', 'replsrc', 'repldst']) {
        const a = o[`--ct${f}`];
        if (a) out[f] = parseAddrSpec(a.value, a.invert) ?? fail(`host/network \`${a.value}' not found`);
      }
      for (const f of ['origsrcport', 'origdstport', 'replsrcport', 'repldstport']) {
        const p = portSpec(o[`--ct${f}`], `--ct${f}`);
        if (p) out[f] = p;
      }
      const cp = o['--ctproto'];
      if (cp) {
        const num = parseProto(cp.value);
        if (num === undefined) fail(`unknown protocol "${cp.value}" specified`);
        out.proto = { num, invert: cp.invert };
      }
      const ce = o['--ctexpire'];
      if (ce) {
        const one = (x: string) => {
          const v = /^\d+$/.test(x) ? Number(x) : Number.NaN;
          if (!(v <= 0xffffffff))
            failX(
              `conntrack: bad value for option "--ctexpire" near "${x}", or out of range (0-4294967295).`,
            );
          return v;
        };
        const [lo, hi] = ce.value.split(':');
        out.expire = { lo: one(lo!), hi: hi === undefined ? one(lo!) : one(hi), invert: ce.invert };
      }
      const d = o['--ctdir'];
      if (d) {
        noInvert(d, '--ctdir');
        const v = d.value.toUpperCase();
        if (v !== 'ORIGINAL' && v !== 'REPLY') fail(`Unknown --ctdir "${d.value}"`);
        out.dir = v;
      }
      return out as unknown as Match;
    }
    case 'state': {
      const st = o['--state'] ?? fail('state match: option "--state" must be specified');
      return {
        kind: 'state',
        state: { mask: bitsFromList(st.value, CT_STATE_BITS.slice(0, 5), 'state'), invert: st.invert },
      };
    }
    case 'mark':
    case 'connmark': {
      const m = o['--mark'] ?? failX(`${b.kind}: option "--mark" must be specified`);
      const v = markOpt(m.value, b.kind, '--mark');
      return { kind: b.kind, value: v.value, mask: v.mask, invert: m.invert };
    }
    case 'addrtype': {
      const s = o['--src-type'];
      const d = o['--dst-type'];
      const li = o['--limit-iface-in'];
      const lo = o['--limit-iface-out'];
      if (li && lo) fail("addrtype: you can't specify both --limit-iface-in and --limit-iface-out");
      noInvert(li, '--limit-iface-in');
      noInvert(lo, '--limit-iface-out');
      if (!s && !d) fail('addrtype: you must specify --src-type or --dst-type');
      return {
        kind: 'addrtype',
        ...(s && { src: { mask: bitsFromList(s.value, ADDR_TYPES, 'address type'), invert: s.invert } }),
        ...(d && { dst: { mask: bitsFromList(d.value, ADDR_TYPES, 'address type'), invert: d.invert } }),
        limitIn: li !== undefined,
        limitOut: lo !== undefined,
      };
    }
    case 'comment': {
      const c = o['--comment'] ?? failX('comment: option "--comment" must be specified');
      noInvert(c, '--comment');
      // The kernel keeps 255 characters and a NUL; iptables-nft cuts a longer comment there.
      return { kind: 'comment', text: c.value.slice(0, 255) };
    }
    case 'multiport': {
      if (Object.keys(b.opts).length === 0) fail('multiport expection an option');
      if (!proto || proto.invert || !PORT_PROTOS.has(proto.num))
        fail("multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'");
      const keys = (['--sports', '--dports', '--ports'] as const).filter((k) => o[k]);
      if (keys.length !== 1) fail('multiport: exactly one of --sports, --dports or --ports is required');
      const opt = o[keys[0]!]!;
      const port = (x: string) => parsePort(x) ?? fail(`invalid port/service \`${x}' specified`);
      const ports = opt.value.split(',').map((p) => {
        const colon = p.indexOf(':');
        const lo = port(colon < 0 ? p : p.slice(0, colon));
        const hi = colon < 0 ? lo : port(p.slice(colon + 1));
        if (lo > hi) fail('invalid portrange specified');
        return { lo, hi };
      });
      let count = 0;
      for (const p of ports) count += p.lo === p.hi ? 1 : 2;
      if (count > 15) fail('too many ports specified');
      return {
        kind: 'multiport',
        which: keys[0]!.slice(2) as 'sports' | 'dports' | 'ports',
        ports,
        invert: opt.invert,
      };
    }
    case 'physdev': {
      if (Object.keys(b.opts).length === 0) fail('PHYSDEV: no physdev option specified');
      const r: Record<string, unknown> = { kind: 'physdev' };
      const pin = o['--physdev-in'];
      const pout = o['--physdev-out'];
      if (pin) r.in = { name: pin.value, invert: pin.invert };
      if (pout) r.out = { name: pout.value, invert: pout.invert };
      for (const [opt, key] of [
        ['--physdev-is-in', 'isIn'],
        ['--physdev-is-out', 'isOut'],
        ['--physdev-is-bridged', 'isBridged'],
      ] as const) {
        const f = o[opt];
        if (f) r[key] = { invert: f.invert };
      }
      return r as unknown as Match;
    }
    case 'statistic': {
      const mode = o['--mode'] ?? fail('statistic: no mode specified');
      noInvert(mode, '--mode');
      const invert = Object.values(o).some((x) => x?.invert);
      if (mode.value === 'random') {
        const p = o['--probability'] ?? fail('statistic: --probability required for mode random');
        if (o['--every'] || o['--packet']) fail('statistic: --every and --packet are for mode nth');
        if (!/^(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(p.value)) fail(`Bad probability "${p.value}"`);
        const v = Number(p.value);
        if (!(v >= 0 && v <= 1))
          failX('statistic: bad value for option "--probability", or out of range (0-1).');
        return { kind: 'statistic', mode: 'random', probability: Math.round(v * 0x80000000), invert };
      }
      if (mode.value === 'nth') {
        const e = o['--every'] ?? fail('statistic: --every required for mode nth');
        const pk = o['--packet'] ?? fail('statistic: option "--every" also requires "--packet".');
        if (o['--probability']) fail('statistic: --probability is for mode random');
        const every = parseU32(e.value);
        const packet = parseU32(pk.value);
        if (every === undefined || every === 0) fail(`Bad --every "${e.value}"`);
        if (packet === undefined || packet > every - 1) fail('the --packet p must be 0 <= p <= n-1');
        return { kind: 'statistic', mode: 'nth', every, packet, invert };
      }
      return fail(`Bad mode "${mode.value}"`);
    }
  }
}

/**
 * One port of a NAT range as libxt_DNAT's parse_ports reads it: a number 1-65535 (strtoul,
 * base 0) with what follows it, or else the whole rest as a service name.
 */
function natPort(text: string): { port: number; rest: string } {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(text);
  if (m) {
    const n =
      m[1]!.startsWith('0x') || m[1]!.startsWith('0X')
        ? Number.parseInt(m[1]!.slice(2), 16)
        : m[1]!.startsWith('0')
          ? Number.parseInt(m[1]!, 8)
          : Number(m[1]);
    if (n >= 1 && n <= 65535) return { port: n, rest: text.slice(m[1]!.length) };
  }
  const p = parsePort(text);
  if (p === undefined || p === 0) fail(`Port \`${text}' not valid`);
  return { port: p, rest: '' };
}

/** `p[-q[/base]]`, the port part of --to-destination, --to-source and --to-ports. */
function natPorts(text: string, base: boolean): { lo: number; hi: number; base?: number } {
  const a = natPort(text);
  if (a.rest === '') return { lo: a.port, hi: a.port };
  if (a.rest[0] === ':') fail('Invalid port:port syntax - use dash');
  if (a.rest[0] !== '-') fail(`Garbage after port value: \`${a.rest}'`);
  const hiText = a.rest.slice(1);
  const b = natPort(hiText);
  if (b.port < a.port) fail(`Port range \`${hiText}' funky`);
  if (b.rest === '') return { lo: a.port, hi: b.port };
  if (b.rest[0] !== '/' || !base) fail(`Garbage after port range: \`${b.rest}'`);
  return { lo: a.port, hi: b.port, base: natPort(b.rest.slice(1)).port };
}

/** `[ip[-ip]][:port[-port][/base]]` as --to-destination and --to-source take it (libxt_DNAT's parse_to). */
function natRange(text: string, portsOk: boolean): NatSpec {
  const colon = text.indexOf(':');
  // A second colon makes it no IPv4 range at all.
  if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) fail(`Bad IP address "${text}"`);
  const ipPart = colon < 0 ? text : text.slice(0, colon);
  const out: { -readonly [K in keyof NatSpec]: NatSpec[K] } = {};
  if (colon >= 0) {
    if (!portsOk) fail('Need TCP, UDP, SCTP or DCCP with port specification');
    const r = natPorts(text.slice(colon + 1), true);
    out.minPort = r.lo;
    out.maxPort = r.hi;
    if (r.base !== undefined) out.basePort = r.base;
  }
  if (ipPart !== '') {
    const dash = ipPart.indexOf('-');
    const a = parseIpv4(dash < 0 ? ipPart : ipPart.slice(0, dash));
    const b = dash < 0 ? a : parseIpv4(ipPart.slice(dash + 1));
    if (a === undefined || b === undefined) fail(`Bad IP address "${ipPart}"`);
    // A reversed range is stored as typed; the NAT core then takes it from the lower end.
    out.minIp = a;
    out.maxIp = b;
  } else if (colon < 0) fail(`Bad IP address "${text}"`);
  return out;
}

function tcpFlags(list: string): number {
  let v = 0;
  for (const part of list.split(',')) {
    const up = part.toUpperCase();
    if (up === 'ALL') v |= 0x3f;
    else if (up === 'NONE') continue;
    else {
      const f = TCP_FLAGS.find(([n]) => n === up) ?? fail(`Unknown TCP flag \`${part}'`);
      v |= f[1];
    }
  }
  return v;
}

function str(o: Record<string, string | true>, k: string): string | undefined {
  const v = o[k];
  return typeof v === 'string' ? v : undefined;
}

function hasPorts(proto: { num: number; invert: boolean } | undefined): boolean {
  return proto !== undefined && !proto.invert && PORT_PROTOS.has(proto.num);
}

function maskOpt(o: Record<string, string | true>, k: string): number | undefined {
  const v = str(o, k);
  return v === undefined ? undefined : (parseU32(v) ?? fail(`Bad mask "${v}"`));
}

function buildTarget(
  name: string,
  isGoto: boolean,
  o: Record<string, string | true>,
  ctx: RuleContext,
  proto: { num: number; invert: boolean } | undefined,
): Target {
  const known = TARGET_OPTIONS[name] !== undefined;
  if (isGoto || !known) {
    const c = ctx.chains.get(name);
    if (c && !c.builtin) return { kind: isGoto ? 'goto' : 'jump', chain: name };
    if (c) failKernel(`Can't jump to built-in chain ${name}`, 'Operation not supported');
    return fail(`Chain '${name}' does not exist`);
  }
  const tables = TARGET_TABLES[name];
  if (tables && !tables.includes(ctx.table))
    failKernel(`${name} is not valid in the ${ctx.table} table (only ${tables.join(', ')})`);
  switch (name) {
    case 'ACCEPT':
    case 'DROP':
    case 'RETURN':
    case 'TRACE':
    case 'NOTRACK':
      return { kind: name };
    case 'REJECT': {
      const w = str(o, '--reject-with') ?? 'icmp-port-unreachable';
      const canon = REJECT_WITH.get(w) ?? fail(`unknown reject type "${w}"`);
      if (canon === 'tcp-reset' && (!proto || proto.invert || proto.num !== 6))
        failKernel('REJECT --reject-with tcp-reset is only valid with -p tcp');
      return { kind: 'REJECT', with: canon };
    }
    case 'LOG': {
      const lv = str(o, '--log-level');
      let level = 4;
      if (lv !== undefined) {
        const byName = LOG_LEVELS.indexOf(lv.toLowerCase());
        if (byName >= 0) level = byName;
        else if (/^[0-7]$/.test(lv)) level = Number(lv);
        else fail(`log-level \`${lv}' unknown`);
      }
      let flags = 0;
      for (const [opt, bit] of LOG_FLAGS) if (o[opt]) flags |= bit;
      const prefix = str(o, '--log-prefix');
      // The kernel keeps 29 characters and a NUL; iptables-nft cuts a longer prefix there.
      return { kind: 'LOG', level, flags, ...(prefix !== undefined && { prefix: prefix.slice(0, 29) }) };
    }
    case 'MARK':
    case 'CONNMARK': {
      // In the order of the extension's option table, which is the order its checks name them.
      const modes = MARK_MODES.filter((k) => k in o);
      if (modes.length > 1)
        failX(`${name}: option "${modes[0]}" cannot be used together with "${modes[1]}".`);
      if (modes.length === 0)
        fail(
          name === 'MARK'
            ? 'MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required'
            : `${name} target: exactly one of the mark options is required`,
        );
      const setOpts = modes.filter((k) => k !== '--save-mark' && k !== '--restore-mark');
      if (setOpts.length === 1) {
        const k = setOpts[0]!;
        const v = str(o, k)!;
        let value: number;
        let mask: number;
        if (k === '--set-xmark' || k === '--set-mark') {
          const vm = markOpt(v, name, k);
          value = vm.value;
          mask = k === '--set-xmark' ? vm.mask : (vm.value | vm.mask) >>> 0;
        } else {
          const n = u32Opt(v, name, k);
          if (k === '--and-mark') {
            value = 0;
            mask = ~n >>> 0;
          } else if (k === '--or-mark') {
            value = n;
            mask = n;
          } else {
            value = n;
            mask = 0;
          }
        }
        if (name === 'MARK') {
          if (o['--mask'] || o['--nfmask'] || o['--ctmask']) fail('unknown option "--mask"');
          return { kind: 'MARK', value, mask };
        }
        return { kind: 'CONNMARK', mode: 'set', ctmark: value, ctmask: mask };
      }
      if (name === 'MARK') return fail('MARK target: a mark option is required');
      const mask = maskOpt(o, '--mask');
      const nfmask = maskOpt(o, '--nfmask') ?? mask ?? 0xffffffff;
      const ctmask = maskOpt(o, '--ctmask') ?? mask ?? 0xffffffff;
      return { kind: 'CONNMARK', mode: o['--save-mark'] ? 'save' : 'restore', nfmask, ctmask };
    }
    case 'DNAT':
    case 'SNAT': {
      const opt = name === 'DNAT' ? '--to-destination' : '--to-source';
      const v = str(o, opt) ?? failX(`${name}: option "${opt}" must be specified`);
      const range = natRange(v, hasPorts(proto));
      return {
        kind: name,
        range,
        random: o['--random'] === true,
        randomFully: o['--random-fully'] === true,
        persistent: o['--persistent'] === true,
      };
    }
    case 'MASQUERADE':
    case 'REDIRECT': {
      const v = str(o, '--to-ports');
      if (v !== undefined && !hasPorts(proto)) fail('Need TCP, UDP, SCTP or DCCP with port specification');
      const ports = v === undefined ? undefined : natPorts(v, false);
      return {
        kind: name,
        ...(ports && { minPort: ports.lo, maxPort: ports.hi }),
        random: o['--random'] === true,
        randomFully: o['--random-fully'] === true,
      };
    }
    case 'CT': {
      const z = str(o, '--zone');
      let zone: number | undefined;
      if (z !== undefined) {
        zone = /^\d+$/.test(z) ? Number(z) : undefined;
        if (zone === undefined || zone > 65535) fail(`Cannot parse ${z} as a zone ID`);
      }
      // Zone 0 is the default zone: the kernel stores no zone and iptables prints none.
      return { kind: 'CT', notrack: o['--notrack'] === true, ...(zone && { zone }) };
    }
  }
  return fail(`Couldn't load target \`${name}'`);
}
