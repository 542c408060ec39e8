// IPv4 addresses are unsigned 32-bit integers behind a brand, so an address can never be
// confused with a port or a counter, and comparisons and masks stay allocation-free.
export type Ipv4 = number & { readonly __brand: 'Ipv4' };
/** A TCP/UDP port, or an ICMP echo id where a tuple needs one. */
export type Port = number;
/** An interface name as `ip link` prints it, e.g. `veth-a`, `cni0`, `lo`. */
export type IfName = string;
/** A MAC address in its canonical lower-case colon form, e.g. `02:00:0a:f4:01:02`. */
export type Mac = string;

export const BROADCAST_MAC: Mac = 'ff:ff:ff:ff:ff:ff';
export const ZERO_MAC: Mac = '00:00:00:00:00:00';

export interface Cidr {
  readonly addr: Ipv4;
  readonly len: number;
}

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): Ipv4 | undefined {
  const m = DOTTED.exec(text);
  if (!m) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return undefined;
    v = v * 256 + o;
  }
  return v as Ipv4;
}

export function ipv4(text: string): Ipv4 {
  const a = parseIpv4(text);
  if (a === undefined) throw new Error(`not an IPv4 address: ${text}`);
  return a;
}

export function formatIpv4(a: Ipv4 | number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

export function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** `10.0.0.1/24` keeps the host bits (as `ip addr` does); `default` is 0.0.0.0/0. */
export function parseCidr(text: string): Cidr | undefined {
  if (text === 'default') return { addr: 0 as Ipv4, len: 0 };
  const slash = text.indexOf('/');
  const addr = parseIpv4(slash < 0 ? text : text.slice(0, slash));
  if (addr === undefined) return undefined;
  if (slash < 0) return { addr, len: 32 };
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,2}$/.test(lenText)) return undefined;
  const len = Number(lenText);
  if (len > 32) return undefined;
  return { addr, len };
}

export function networkOf(c: Cidr): Ipv4 {
  return ((c.addr & maskOf(c.len)) >>> 0) as Ipv4;
}

export function inCidr(a: Ipv4, net: Ipv4, len: number): boolean {
  const m = maskOf(len);
  return (a & m) >>> 0 === (net & m) >>> 0;
}

export function broadcastOf(c: Cidr): Ipv4 {
  return ((networkOf(c) | ~maskOf(c.len)) >>> 0) as Ipv4;
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.addr)}/${c.len}`;
}

export function parseMac(text: string): Mac | undefined {
  return /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(text) ? text.toLowerCase() : undefined;
}
