import type { RunResult } from '../api';
import type { Frame, IcmpHeader, IpPacket, TcpHeader, UdpHeader } from '../packet';

// A pcap file (tcpdump -w, LINKTYPE_ETHERNET, microsecond timestamps) of every frame that
// crossed one interface, both directions, with real headers: Ethernet, ARP, IPv4, TCP (with
// the options Linux sends: MSS, SACK permitted, timestamps, window scale), UDP, ICMP, all
// checksums computed. Timestamps are the virtual clock. Payload bytes the model does not keep
// are zeros; application text the model keeps (HTTP requests, replies) is written as is.

const MAC_LEN = 6;

class Writer {
  private buf = new Uint8Array(4096);
  len = 0;
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.len++] = v & 0xff;
  }
  u16(v: number): void {
    this.u8(v >>> 8);
    this.u8(v);
  }
  u32(v: number): void {
    this.u16(v >>> 16);
    this.u16(v);
  }
  /** Little-endian, for the pcap headers (written in the host order of the classic format). */
  le32(v: number): void {
    this.u8(v);
    this.u8(v >>> 8);
    this.u8(v >>> 16);
    this.u8(v >>> 24);
  }
  le16(v: number): void {
    this.u8(v);
    this.u8(v >>> 8);
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  at(i: number): number {
    return this.buf[i]!;
  }
  set16(i: number, v: number): void {
    this.buf[i] = (v >>> 8) & 0xff;
    this.buf[i + 1] = v & 0xff;
  }
  view(from: number, to = this.len): Uint8Array {
    return this.buf.subarray(from, to);
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function mac(w: Writer, m: string): void {
  const parts = m.split(':');
  for (let i = 0; i < MAC_LEN; i++) w.u8(Number.parseInt(parts[i] ?? '0', 16) || 0);
}

/** The Internet checksum over `data`, starting from a partial sum. */
export function inetChecksum(data: Uint8Array, sum = 0): number {
  let s = sum;
  for (let i = 0; i + 1 < data.length; i += 2) s += (data[i]! << 8) | data[i + 1]!;
  if (data.length % 2) s += data[data.length - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

function pseudoSum(ip: IpPacket, proto: number, len: number): number {
  return (ip.src >>> 16) + (ip.src & 0xffff) + (ip.dst >>> 16) + (ip.dst & 0xffff) + proto + len;
}

/** Payload bytes: the text the model keeps, cut or padded with zeros to the length on the wire. */
function payload(w: Writer, text: string | undefined, len: number): void {
  const b = new TextEncoder().encode(text ?? '');
  for (let i = 0; i < len; i++) w.u8(i < b.length ? b[i]! : 0);
}

function tcpOptions(w: Writer, t: TcpHeader, room: number, t0: number): void {
  const start = w.len;
  const ts = Math.floor(t0 / 1000) >>> 0;
  if (t.flags & 0x02 && room >= 16) {
    w.u8(2); // MSS
    w.u8(4);
    w.u16(1460);
    w.u8(4); // SACK permitted
    w.u8(2);
    w.u8(8); // timestamps
    w.u8(10);
    w.u32(ts);
    w.u32(0);
    if (t.wscale !== undefined && room - 16 >= 4) {
      w.u8(1);
      w.u8(3);
      w.u8(3);
      w.u8(t.wscale);
    }
  } else if (room >= 12) {
    w.u8(1);
    w.u8(1);
    w.u8(8);
    w.u8(10);
    w.u32(ts);
    w.u32(0);
  }
  while (w.len - start < room) w.u8(1); // NOP to the header length the model counted
}

function l4(w: Writer, ip: IpPacket, t0: number): void {
  const start = w.len;
  const bodyLen = ip.len - 20;
  if (ip.proto === 6) {
    const t = ip.l4 as TcpHeader;
    const hlen = Math.max(20, bodyLen - t.payloadLen) & ~3;
    w.u16(t.sport);
    w.u16(t.dport);
    w.u32(t.seq >>> 0);
    w.u32(t.flags & 0x10 ? t.ack >>> 0 : 0);
    w.u8((hlen / 4) << 4);
    w.u8(t.flags);
    w.u16(Math.min(t.window, 0xffff));
    w.u16(0); // checksum, below
    w.u16(0);
    tcpOptions(w, t, hlen - 20, t0);
    payload(w, t.payload, t.payloadLen);
    w.set16(start + 16, inetChecksum(w.view(start), pseudoSum(ip, 6, w.len - start)));
  } else if (ip.proto === 17) {
    const u = ip.l4 as UdpHeader;
    w.u16(u.sport);
    w.u16(u.dport);
    w.u16(8 + u.payloadLen);
    w.u16(0);
    payload(w, u.payload, u.payloadLen);
    const c = inetChecksum(w.view(start), pseudoSum(ip, 17, w.len - start));
    w.set16(start + 6, c === 0 ? 0xffff : c);
  } else if (ip.proto === 1) {
    const c = ip.l4 as IcmpHeader;
    w.u8(c.type);
    w.u8(c.code);
    w.u16(0);
    if (c.inner) {
      if (c.type === 5) w.u32(c.gateway ?? 0);
      else w.u32(0);
      // The offending packet's IP header and its first 8 bytes, as the kernel quotes them.
      const inner = new Writer();
      ipHeader(inner, c.inner);
      l4(inner, c.inner, t0);
      w.bytes(inner.view(0, Math.min(inner.len, 28, bodyLen - 8)));
    } else {
      w.u16(c.id);
      w.u16(c.seq);
    }
    while (w.len - start < bodyLen) w.u8(0);
    w.set16(start + 2, inetChecksum(w.view(start)));
  } else while (w.len - start < bodyLen) w.u8(0);
}

function ipHeader(w: Writer, ip: IpPacket): void {
  const start = w.len;
  w.u8(0x45);
  w.u8(0);
  w.u16(ip.len);
  w.u16(ip.id);
  // Linux sets DF on TCP and on its ICMP echoes (path MTU discovery); not on ICMP errors.
  const df = ip.proto === 6 || (ip.proto === 1 && !(ip.l4 as IcmpHeader).inner) ? 0x4000 : 0;
  w.u16(df);
  w.u8(ip.ttl);
  w.u8(ip.proto);
  w.u16(0);
  w.u32(ip.src >>> 0);
  w.u32(ip.dst >>> 0);
  w.set16(start + 10, inetChecksum(w.view(start, start + 20)));
}

/** One Ethernet frame as bytes on the wire (no FCS). */
export function frameBytes(f: Frame, t: number): Uint8Array {
  const w = new Writer();
  mac(w, f.dst);
  mac(w, f.src);
  w.u16(f.type);
  if (f.type === 0x0806) {
    const a = f.arp;
    w.u16(1);
    w.u16(0x0800);
    w.u8(6);
    w.u8(4);
    w.u16(a.op);
    mac(w, a.sha);
    w.u32(a.spa >>> 0);
    mac(w, a.tha);
    w.u32(a.tpa >>> 0);
  } else {
    ipHeader(w, f.ip);
    l4(w, f.ip, t);
  }
  return w.done();
}

/**
 * The pcap of interface `ifname` on `host` over the first `index` events (all by default):
 * each frame sent or received there, in timeline order. Undefined when there is no such
 * interface.
 */
export function pcapOf(
  r: RunResult,
  host: string,
  ifname: string,
  index = r.events.length,
): Uint8Array | undefined {
  const h = r.hosts.find((x) => x.name === host);
  if (!h?.interfaces.some((i) => i.name === ifname)) return undefined;
  const w = new Writer();
  w.le32(0xa1b2c3d4);
  w.le16(2);
  w.le16(4);
  w.le32(0); // thiszone
  w.le32(0); // sigfigs
  w.le32(262144);
  w.le32(1); // LINKTYPE_ETHERNET
  const n = Math.min(index, r.events.length);
  for (let i = 0; i < n; i++) {
    const ev = r.events[i]!;
    if ((ev.type !== 'xmit' && ev.type !== 'rcv') || ev.host !== host || ev.dev !== ifname) continue;
    const b = frameBytes(ev.frame, ev.t);
    w.le32(Math.floor(ev.t / 1_000_000));
    w.le32(Math.floor(ev.t) % 1_000_000);
    w.le32(b.length);
    w.le32(b.length);
    w.bytes(b);
  }
  return w.done();
}
