import { formatIpv4 } from '../net/ipv4';
import { ADDR_TYPES, CT_STATUS_NAMES, TCP_FLAGS } from './names';
import type { AddrSpec, BitsSpec, NatSpec } from './ruleset';
import { CT_STATE_BITS } from './ruleset';
import { maskLength } from './values';

// Small printers shared by iptables-save and iptables -L output.

export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** xtables_ipmask_to_numeric: "" for /32, "/len" if contiguous, else "/a.b.c.d". */
export function maskSuffix(mask: number): string {
  if (mask === 0xffffffff) return '';
  const len = maskLength(mask);
  return len >= 0 ? `/${len}` : `/${formatIpv4(mask)}`;
}

/** The address as `-s`/`-d` save it: always with a mask. */
export function addrWithMask(a: AddrSpec): string {
  const len = maskLength(a.mask);
  return `${formatIpv4(a.addr)}/${len >= 0 ? len : formatIpv4(a.mask)}`;
}

/** The address as conntrack and -L print it: /32 omitted. */
export function addrShort(a: AddrSpec): string {
  return formatIpv4(a.addr) + maskSuffix(a.mask);
}

export function portText(p: { lo: number; hi: number }, sep = ':'): string {
  return p.lo === p.hi ? String(p.lo) : `${p.lo}${sep}${p.hi}`;
}

export function bitsText(mask: number, names: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < names.length; i++) if (mask & (1 << i)) out.push(names[i]!);
  return out.join(',');
}

export function ctStateText(s: BitsSpec): string {
  return bitsText(s.mask, CT_STATE_BITS);
}

export function ctStatusText(mask: number): string {
  const out = CT_STATUS_NAMES.filter(([, bit]) => bit !== 0 && mask & bit).map(([n]) => n);
  return out.length === 0 ? 'NONE' : out.join(',');
}

export function addrTypesText(mask: number): string {
  return bitsText(mask, ADDR_TYPES);
}

export function tcpFlagsText(flags: number): string {
  const out = TCP_FLAGS.filter(([, bit]) => flags & bit).map(([n]) => n);
  return out.length === 0 ? 'NONE' : out.join(',');
}

/** xtables_save_string: bare when only [A-Za-z0-9_-], else double-quoted with \" \\ \' escaped. */
export function saveString(s: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(s)) return s;
  return `"${s.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/** printf("%.11f", k / 2^31) exactly, ties to even as glibc rounds them. */
export function probabilityText(k: number): string {
  const scale = 10n ** 11n;
  const num = BigInt(k) * scale;
  const den = 1n << 31n;
  let q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) q += 1n;
  const s = q.toString().padStart(12, '0');
  return `${s.slice(0, -11)}.${s.slice(-11)}`;
}

export function natRangeText(r: NatSpec): string {
  let s = '';
  if (r.minIp !== undefined) {
    s += formatIpv4(r.minIp);
    if (r.maxIp !== undefined && r.maxIp !== r.minIp) s += `-${formatIpv4(r.maxIp)}`;
  }
  if (r.minPort !== undefined) {
    s += `:${r.minPort}`;
    if (r.maxPort !== undefined && r.maxPort !== r.minPort) s += `-${r.maxPort}`;
    if (r.basePort !== undefined) s += `/${r.basePort}`;
  }
  return s;
}

export function inv(p: { invert: boolean } | undefined): string {
  return p?.invert ? ' !' : '';
}
