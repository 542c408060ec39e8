import { parseIpv4 } from '../net/ipv4';
import type { AddrSpec } from './ruleset';
import { serviceNameOf, servicePort } from './services';

// Parsers for the value syntaxes iptables accepts. Each returns undefined on bad input;
// callers turn that into a ParseError naming the option.

/** strtoul(text, 0) restricted to 32 bits: `0x` hex, leading-0 octal, decimal. */
export function parseU32(text: string): number | undefined {
  let v: number;
  if (/^0[xX][0-9a-fA-F]{1,8}$/.test(text)) v = Number.parseInt(text.slice(2), 16);
  else if (/^0[0-7]*$/.test(text)) v = text.length === 1 ? 0 : Number.parseInt(text.slice(1), 8);
  else if (/^[1-9]\d{0,9}$/.test(text)) v = Number(text);
  else return undefined;
  return v <= 0xffffffff ? v : undefined;
}

export function prefixMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** Length of a contiguous netmask, or -1 (iptables then prints the dotted mask). */
export function maskLength(mask: number): number {
  for (let len = 0; len <= 32; len++) if (prefixMask(len) === mask) return len;
  return -1;
}

/** `a.b.c.d[/len | /a.b.c.d]`; host bits are cleared as the kernel stores them. */
export function parseAddrSpec(text: string, invert: boolean): AddrSpec | undefined {
  const slash = text.indexOf('/');
  const addr = parseIpv4(slash < 0 ? text : text.slice(0, slash));
  if (addr === undefined) return undefined;
  let mask = 0xffffffff;
  if (slash >= 0) {
    const m = text.slice(slash + 1);
    if (/^\d{1,2}$/.test(m)) {
      const len = Number(m);
      if (len > 32) return undefined;
      mask = prefixMask(len);
    } else {
      const dotted = parseIpv4(m);
      if (dotted === undefined) return undefined;
      mask = dotted;
    }
  }
  return { addr: (addr & mask) >>> 0, mask, invert };
}

/** The name getservbyport gives (the first /etc/services entry), or the number. */
export function serviceName(port: number, proto: 'tcp' | 'udp' = 'tcp'): string {
  return serviceNameOf(port, proto) ?? String(port);
}

/** A port number 0-65535, or a service name of /etc/services. */
export function parsePort(text: string): number | undefined {
  if (/^\d{1,5}$/.test(text)) {
    const n = Number(text);
    return n <= 65535 ? n : undefined;
  }
  return servicePort(text);
}

/** `p`, `lo:hi`, `lo:` (to 65535), `:hi` (from 0). */
export function parsePortRange(text: string): { lo: number; hi: number } | undefined {
  const colon = text.indexOf(':');
  if (colon < 0) {
    const p = parsePort(text);
    return p === undefined ? undefined : { lo: p, hi: p };
  }
  const a = text.slice(0, colon);
  const b = text.slice(colon + 1);
  const lo = a === '' ? 0 : parsePort(a);
  const hi = b === '' ? 65535 : parsePort(b);
  if (lo === undefined || hi === undefined || lo > hi) return undefined;
  return { lo, hi };
}
