import { dict } from '../dict';
import { IPS_DST_NAT, IPS_SRC_NAT } from '../conntrack/types';
import { ADDR_TYPES } from './names';
import type { ConntrackMatch, IfaceSpec, Match, PhysdevMatch, PortSpec, Rule } from './ruleset';
import type { AddrType, PacketCtx } from './types';

// Rules compile once into closures over plain numbers, so a packet walk allocates nothing.
// Checks run in the kernel's order (ip_packet_match, then each match in turn, stopping at the
// first that fails); only `statistic` has side effects (it draws a random number or advances
// its nth counter), which is why the indexed walk never skips a rule that has one.

export type Check = (ctx: PacketCtx) => boolean;

const ADDR_TYPE_BIT: Readonly<Record<string, number>> = dict(
  Object.fromEntries(ADDR_TYPES.map((n, i) => [n, 1 << i])),
);

/** The --ctstate bit of a packet: CT_STATE_BITS order. */
export function ctStateBit(ctx: PacketCtx): number {
  switch (ctx.ctstate) {
    case 'INVALID':
      return 1;
    case 'NEW':
      return 2;
    case 'RELATED':
      return 4;
    case 'ESTABLISHED':
      return 8;
    default:
      return 16;
  }
}

/** ifname_compare: exact, or a prefix when the name ends in `+` (`+` alone matches every device). */
export function ifaceMatcher(spec: IfaceSpec): (dev: string) => boolean {
  const inv = spec.invert;
  if (spec.name.endsWith('+')) {
    const prefix = spec.name.slice(0, -1);
    return (dev) => dev.startsWith(prefix) !== inv;
  }
  const name = spec.name;
  return (dev) => (dev === name) !== inv;
}

function inRange(p: PortSpec, v: number): boolean {
  return (v >= p.lo && v <= p.hi) !== p.invert;
}

function compileConntrack(m: ConntrackMatch, stateOnly: boolean): Check {
  const st = m.state;
  const stMask = st?.mask ?? 0;
  const stInv = st?.invert ?? false;
  const hasState = st !== undefined;
  const addr = (spec: ConntrackMatch['origsrc'], get: (ctx: PacketCtx) => number) =>
    spec === undefined
      ? undefined
      : (ctx: PacketCtx) => ((get(ctx) & spec.mask) >>> 0 === spec.addr) !== spec.invert;
  const port = (spec: PortSpec | undefined, get: (ctx: PacketCtx) => number) =>
    spec === undefined ? undefined : (ctx: PacketCtx) => inRange(spec, get(ctx));
  const rest: Check[] = [];
  const push = (c: Check | undefined) => {
    if (c) rest.push(c);
  };
  if (m.dir !== undefined) {
    const dir = m.dir;
    push((ctx) => ctx.ct!.dir === dir);
  }
  push(addr(m.origsrc, (c) => c.ct!.orig.src));
  push(addr(m.origdst, (c) => c.ct!.orig.dst));
  push(addr(m.replsrc, (c) => c.ct!.reply.src));
  push(addr(m.repldst, (c) => c.ct!.reply.dst));
  push(port(m.origsrcport, (c) => c.ct!.orig.sport));
  push(port(m.origdstport, (c) => c.ct!.orig.dport));
  push(port(m.replsrcport, (c) => c.ct!.reply.sport));
  push(port(m.repldstport, (c) => c.ct!.reply.dport));
  if (m.status) {
    const { mask, invert } = m.status;
    push((ctx) => ((ctx.ct!.status & mask) !== 0) !== invert);
  }
  if (m.proto) {
    // xt_conntrack compares the number as stored: `--ctproto 0` matches no tracked protocol.
    const { num, invert } = m.proto;
    push((ctx) => (ctx.ct!.orig.proto === num) !== invert);
  }
  if (m.expire) {
    const { lo, hi, invert } = m.expire;
    push((ctx) => (ctx.ct!.expires >= lo && ctx.ct!.expires <= hi) !== invert);
  }
  return (ctx) => {
    if (hasState) {
      let bit = ctStateBit(ctx);
      const ct = ctx.ct;
      if (ct !== undefined && !stateOnly) {
        if (ct.status & IPS_SRC_NAT) bit |= 32;
        if (ct.status & IPS_DST_NAT) bit |= 64;
      }
      if (((stMask & bit) !== 0) === stInv) return false;
    }
    // xt_conntrack: with no entry only a pure state test can succeed.
    if (ctx.ct === undefined) return hasState;
    for (let i = 0; i < rest.length; i++) if (!rest[i]!(ctx)) return false;
    return true;
  };
}

function compilePhysdev(m: PhysdevMatch): Check {
  const inM = m.in ? ifaceMatcher({ name: m.in.name, invert: false }) : undefined;
  const outM = m.out ? ifaceMatcher({ name: m.out.name, invert: false }) : undefined;
  return (ctx) => {
    if (!ctx.bridged) {
      // No bridge info: only options that are all inverted can match (xt_physdev).
      if (m.isBridged && !m.isBridged.invert) return false;
      if (m.isIn && !m.isIn.invert) return false;
      if (m.isOut && !m.isOut.invert) return false;
      if (m.in && !m.in.invert) return false;
      if (m.out && !m.out.invert) return false;
      return true;
    }
    const outdev = ctx.physOut;
    const indev = ctx.physIn;
    if (m.isBridged && (outdev !== '') === m.isBridged.invert) return false;
    if (m.isIn && (indev === '') !== m.isIn.invert) return false;
    if (m.isOut && (outdev === '') !== m.isOut.invert) return false;
    if (m.in && indev !== '' && inM!(indev) === m.in.invert) return false;
    if (!m.out || outdev === '') return true;
    return outM!(outdev) !== m.out.invert;
  };
}

/** A closure for one match module, or undefined when it always matches (comment). */
export function compileMatch(m: Match): Check | undefined {
  switch (m.kind) {
    case 'tcp': {
      const { sport, dport, flags } = m;
      return (ctx) => {
        const l4 = ctx.ip.l4;
        if (l4.proto !== 6) return false;
        if (sport !== undefined && !inRange(sport, l4.sport)) return false;
        if (dport !== undefined && !inRange(dport, l4.dport)) return false;
        if (flags !== undefined && ((l4.flags & flags.mask) === flags.cmp) === flags.invert) return false;
        return true;
      };
    }
    case 'udp': {
      const { sport, dport } = m;
      return (ctx) => {
        const l4 = ctx.ip.l4;
        if (l4.proto !== 17) return false;
        if (sport !== undefined && !inRange(sport, l4.sport)) return false;
        if (dport !== undefined && !inRange(dport, l4.dport)) return false;
        return true;
      };
    }
    case 'icmp': {
      const { type, codeMin, codeMax, invert } = m;
      return (ctx) => {
        const l4 = ctx.ip.l4;
        if (l4.proto !== 1) return false;
        const hit = type === 0xff || (l4.type === type && l4.code >= codeMin && l4.code <= codeMax);
        return hit !== invert;
      };
    }
    case 'conntrack':
      return compileConntrack(m, false);
    case 'state':
      return compileConntrack({ kind: 'conntrack', state: m.state }, true);
    case 'mark': {
      const { value, mask, invert } = m;
      return (ctx) => ((ctx.mark & mask) >>> 0 === value) !== invert;
    }
    case 'connmark': {
      const { value, mask, invert } = m;
      return (ctx) => ctx.ct !== undefined && ((ctx.ct.mark & mask) >>> 0 === value) !== invert;
    }
    case 'addrtype': {
      const { src, dst } = m;
      const bit = (t: AddrType) => ADDR_TYPE_BIT[t] ?? 0;
      return (ctx) => {
        if (src && ((src.mask & bit(ctx.addrType(ctx.ip.src))) !== 0) === src.invert) return false;
        if (dst && ((dst.mask & bit(ctx.addrType(ctx.ip.dst))) !== 0) === dst.invert) return false;
        return true;
      };
    }
    case 'comment':
      return undefined;
    case 'multiport': {
      const lo = Int32Array.from(m.ports, (p) => p.lo);
      const hi = Int32Array.from(m.ports, (p) => p.hi);
      const n = lo.length;
      const { which, invert } = m;
      const hit = (v: number) => {
        for (let i = 0; i < n; i++) if (v >= lo[i]! && v <= hi[i]!) return true;
        return false;
      };
      return (ctx) => {
        const l4 = ctx.ip.l4;
        if (l4.proto === 1) return false;
        const h =
          which === 'sports'
            ? hit(l4.sport)
            : which === 'dports'
              ? hit(l4.dport)
              : hit(l4.sport) || hit(l4.dport);
        return h !== invert;
      };
    }
    case 'physdev':
      return compilePhysdev(m);
    case 'statistic': {
      const invert = m.invert;
      if (m.mode === 'random') {
        const p = m.probability;
        return (ctx) => Math.floor(ctx.random() * 0x80000000) < p !== invert;
      }
      // xt_statistic nth: the kernel stores every-1 and starts its counter at every-1-packet.
      const every = m.every - 1;
      const packet = m.packet;
      let count = every - packet;
      return () => {
        count = count === every ? 0 : count + 1;
        return (count === packet) !== invert;
      };
    }
  }
}

/** All checks of a rule, ip-level first, in evaluation order. */
export function compileChecks(r: Rule): Check[] {
  const out: Check[] = [];
  if (r.src) {
    const { addr, mask, invert } = r.src;
    out.push((ctx) => ((ctx.ip.src & mask) >>> 0 === addr) !== invert);
  }
  if (r.dst) {
    const { addr, mask, invert } = r.dst;
    out.push((ctx) => ((ctx.ip.dst & mask) >>> 0 === addr) !== invert);
  }
  if (r.inIface) {
    const f = ifaceMatcher(r.inIface);
    out.push((ctx) => f(ctx.inDev));
  }
  if (r.outIface) {
    const f = ifaceMatcher(r.outIface);
    out.push((ctx) => f(ctx.outDev));
  }
  if (r.proto) {
    const { num, invert } = r.proto;
    out.push((ctx) => (ctx.ip.proto === num) !== invert);
  }
  // The model has no fragments: `-f` never matches, `! -f` always does.
  if (r.fragment && !r.fragment.invert) out.push(() => false);
  for (const m of r.matches) {
    const c = compileMatch(m);
    if (c) out.push(c);
  }
  return out;
}

/** One closure for the whole rule. */
export function compileRuleMatch(r: Rule): Check {
  const checks = compileChecks(r);
  const n = checks.length;
  if (n === 0) return () => true;
  if (n === 1) return checks[0]!;
  if (n === 2) {
    const a = checks[0]!;
    const b = checks[1]!;
    return (ctx) => a(ctx) && b(ctx);
  }
  return (ctx) => {
    for (let i = 0; i < n; i++) if (!checks[i]!(ctx)) return false;
    return true;
  };
}
