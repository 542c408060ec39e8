import { dict } from '../dict';
import { formatIpv4, type Ipv4 } from '../net/ipv4';
import {
  type IcmpHeader,
  IP_HLEN,
  type IpPacket,
  TCP_ACK,
  TCP_FIN,
  TCP_HLEN,
  TCP_HLEN_SYN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  type TcpHeader,
  type UdpHeader,
} from '../packet';
import type { World } from '../sim/world';
import type { ConnId } from '../timeline/events';
import type { Host } from './host';
import { icmpSocketError, icmpText } from './icmpErr';
import { drop, ipLocalOut, type L4, routeOutput, routeOutputErrno, setL4 } from './ip';
import { setRejectSender } from './netfilter';
import type { Skb } from './skb';

// End-host transport: just enough TCP, UDP and ICMP to behave as Linux does on the wire —
// handshake, SYN retransmission on the kernel's backoff, RST for segments no socket expects,
// FIN close, ICMP port unreachable for closed UDP ports, echo replies — and to tell each
// traffic item's application what happened.

export type TcpState =
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'ESTABLISHED'
  | 'FIN_WAIT1'
  | 'FIN_WAIT2'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'TIME_WAIT'
  | 'CLOSED';

export interface TcpSock {
  state: TcpState;
  readonly laddr: Ipv4;
  readonly lport: number;
  readonly raddr: Ipv4;
  readonly rport: number;
  readonly conn: ConnId | undefined;
  /** Next sequence number to send (starts at the ISN from the host's seeded rng). */
  sndNxt: number;
  /** Next sequence number expected from the peer. */
  rcvNxt: number;
  /** Own receive window in bytes, and the scale our SYN announces (RFC 7323). */
  readonly rcvWnd: number;
  readonly rcvWscale: number;
  /** Both SYNs carried the window scale option, so windows on the wire are scaled. */
  wscaleOk: boolean;
  readonly role: 'client' | 'server';
  /** What the application on this socket does with it. */
  readonly app: TcpApp;
  retries: number;
}

/** The application behind a TCP socket, as the traffic script describes it. */
export interface TcpApp {
  /** Client: the request written once connected (a one-shot client then closes on the answer). */
  readonly send?: string;
  /** Client: keep the connection open across rounds (tcp-session); the script closes it. */
  readonly session?: boolean;
  /** Server: the text written after each request. */
  readonly reply?: string;
  /** Server: answer each message with itself. */
  readonly echo?: boolean;
  /** Server: write `reply` at once after accept and close first (HTTP/1.0). */
  readonly closeFirst?: boolean;
  /** Server: µs before each answer. */
  readonly delay?: number;
}

export interface Listener {
  readonly addr: Ipv4;
  readonly port: number;
  readonly app: TcpApp;
  readonly conn: ConnId;
}

export interface UdpSock {
  readonly laddr: Ipv4;
  readonly lport: number;
  /** Connected peer (connected clients): only datagrams from it are taken. Undefined: from anyone. */
  readonly raddr?: Ipv4;
  readonly rport?: number;
  readonly conn: ConnId;
  /** A client's socket hands answers to its application; a server's answers each datagram. */
  readonly client: boolean;
  readonly reply?: string;
}

/** What the application of a traffic item hears from its socket. */
export interface AppEvents {
  tcpConnected(w: World, h: Host, s: TcpSock): void;
  tcpData(w: World, h: Host, s: TcpSock, text: string, from: string): void;
  tcpError(w: World, h: Host, s: TcpSock, errno: string, detail: string): void;
  udpData(w: World, h: Host, s: UdpSock, text: string, from: string): void;
  udpError(w: World, h: Host, s: UdpSock, errno: string, detail: string): void;
  echoReply(w: World, h: Host, id: number, seq: number, from: Ipv4): void;
  echoError(w: World, h: Host, id: number, seq: number, detail: string): void;
  /** A segment arrived that no socket expected and the stack answered it with RST. */
  strayRst(w: World, h: Host, seg: IpPacket): void;
}

export class Sockets {
  readonly tcp = new TcpTable();
  readonly listeners = new Map<number, Listener>();
  readonly udp = new Map<number, UdpSock>();
  /** Ping ids owned by traffic items. */
  readonly pings = new Map<number, ConnId>();
  /** UDP sockets closed so far (TcpTable counts its own): a port may have come free. */
  udpReleased = 0;
  /**
   * Per allocation kind, the release count when the whole ephemeral range was found in use:
   * until a socket is released the range stays full, so the next allocation fails at once
   * instead of scanning the range again (a 300,000-flow flood would be quadratic).
   */
  readonly exhausted = new Map<string, number>();
  constructor(readonly app: AppEvents) {}
}

/** An ephemeral port for `kind`, or undefined when the range is full (see Sockets.exhausted). */
function allocPort(h: Host, s0: Sockets, kind: string, inUse: (p: number) => boolean): number | undefined {
  const released = s0.udpReleased + s0.tcp.released;
  if (s0.exhausted.get(kind) === released) return undefined;
  const p = h.ephemeralPort(inUse);
  if (p === undefined) s0.exhausted.set(kind, released);
  return p;
}

/** TCP sockets by 4-tuple, bucketed by the port pair so the per-segment lookup builds no string. */
export class TcpTable {
  private readonly buckets = new Map<number, TcpSock[]>();
  size = 0;
  /** Sockets deleted so far (allocPort's memo). */
  released = 0;
  get(la: number, lp: number, ra: number, rp: number): TcpSock | undefined {
    const b = this.buckets.get(lp * 65536 + rp);
    if (!b) return undefined;
    for (const s of b) if (s.laddr === la && s.raddr === ra) return s;
    return undefined;
  }
  /** The socket of local port `lp` talking to `ra:rp`, whatever its local address (for raw injection). */
  find(lp: number, ra: number, rp: number): TcpSock | undefined {
    for (const s of this.buckets.get(lp * 65536 + rp) ?? []) if (s.raddr === ra) return s;
    return undefined;
  }
  has(la: number, lp: number, ra: number, rp: number): boolean {
    return this.get(la, lp, ra, rp) !== undefined;
  }
  set(s: TcpSock): void {
    const k = s.lport * 65536 + s.rport;
    const b = this.buckets.get(k);
    if (b) b.push(s);
    else this.buckets.set(k, [s]);
    this.size++;
  }
  delete(s: TcpSock): void {
    const k = s.lport * 65536 + s.rport;
    const b = this.buckets.get(k);
    const i = b ? b.indexOf(s) : -1;
    if (i < 0) return;
    b!.splice(i, 1);
    if (b!.length === 0) this.buckets.delete(k);
    this.size--;
    this.released++;
  }
}

function sk(h: Host): Sockets {
  return h.sockets as Sockets;
}

/** The window of a SYN (44 x MSS 1460) and of a SYN-ACK (45 x 1448, the MSS less timestamps), as Linux sends them. */
const SYN_WINDOW = 64240;
const SYNACK_WINDOW = 65160;

function tcpPacket(
  h: Host,
  src: Ipv4,
  dst: Ipv4,
  sport: number,
  dport: number,
  flags: number,
  seq: number,
  ack: number,
  payload?: string,
  window = 64240,
  wscale?: number,
): IpPacket {
  const payloadLen = payload?.length ?? 0;
  const hl = flags & TCP_SYN ? TCP_HLEN_SYN : flags & TCP_RST ? 20 : TCP_HLEN;
  const l4: TcpHeader = {
    proto: 6,
    sport,
    dport,
    flags,
    seq: seq >>> 0,
    ack: ack >>> 0,
    window: flags & TCP_RST ? 0 : window,
    payloadLen,
    ...(payload ? { payload } : {}),
    ...(wscale !== undefined ? { wscale } : {}),
  };
  return {
    src,
    dst,
    ttl: 64,
    id: flags & TCP_RST ? 0 : h.ipId(),
    proto: 6,
    len: IP_HLEN + hl + payloadLen,
    l4,
  };
}

/** The window field of a segment from `s`: scaled once both SYNs agreed, rounded up as __tcp_select_window does. */
function advertised(s: TcpSock): number {
  return s.wscaleOk ? Math.ceil(s.rcvWnd / 2 ** s.rcvWscale) : Math.min(s.rcvWnd, 65535);
}

/** The right edge of what `s` accepts: rcv_nxt plus the window it advertised. */
function rcvWindow(s: TcpSock): number {
  return s.wscaleOk ? advertised(s) * 2 ** s.rcvWscale : advertised(s);
}

function tcpOut(w: World, h: Host, s: TcpSock, flags: number, payload?: string, parent?: number): void {
  const syn = (flags & TCP_SYN) !== 0;
  const ip = tcpPacket(
    h,
    s.laddr,
    s.raddr,
    s.lport,
    s.rport,
    flags,
    s.sndNxt,
    flags & TCP_ACK ? s.rcvNxt : 0,
    payload,
    syn ? (flags & TCP_ACK ? SYNACK_WINDOW : SYN_WINDOW) : advertised(s),
    syn && (s.role === 'client' || s.wscaleOk) ? s.rcvWscale : undefined,
  );
  ipLocalOut(w, h, ip, s.conn, 'socket', parent);
}

function iss(h: Host): number {
  return Math.floor(h.random() * 0xffffffff) >>> 0;
}

/** The window scale a SYN announces: tcp_select_initial_window, from tcp_rmem[2] and rmem_max. */
export function ownWscale(h: Host): number {
  const rmem = Number((h.sysctl.get('net.ipv4.tcp_rmem') ?? '').trim().split(/\s+/)[2]);
  // 33554432 is tcp_rmem[2] of a 6.18 namespace on a machine with a few GiB or more.
  const space = Math.max(
    Number.isFinite(rmem) && rmem > 0 ? rmem : 33554432,
    h.sysctl.int('net.core.rmem_max', 4194304),
  );
  return Math.min(14, Math.max(0, Math.floor(Math.log2(space)) - 15));
}

/** Retransmission delay before SYN number `n` (1-based): linear first, then exponential (tcp_syn_linear_timeouts). */
export function synBackoff(h: Host, n: number): number {
  const linear = h.sysctl.int('net.ipv4.tcp_syn_linear_timeouts', 4);
  return n <= linear ? 1_000_000 : 1_000_000 * 2 ** (n - linear);
}

export function tcpListen(w: World, h: Host, addr: Ipv4, port: number, app: TcpApp, conn: ConnId): void {
  sk(h).listeners.set(port, { addr, port, app, conn });
  w.app(h.name, conn, `listen on ${formatIpv4(addr)}:${port} (tcp)`);
}

export function tcpConnect(
  w: World,
  h: Host,
  dst: Ipv4,
  dport: number,
  sportWanted: number | undefined,
  app: TcpApp,
  conn: ConnId,
): TcpSock | string {
  const r = routeOutput(h, dst);
  if (!r) return routeOutputErrno(h, dst);
  const s0 = sk(h);
  const sport =
    sportWanted ??
    allocPort(
      h,
      s0,
      `tcp ${r.src} ${dst}:${dport}`,
      (p) => s0.tcp.has(r.src, p, dst, dport) || s0.listeners.has(p) || s0.udp.has(p),
    );
  // __inet_hash_connect with every port of the range taken.
  if (sport === undefined) return 'EADDRNOTAVAIL';
  const isn = iss(h);
  const s: TcpSock = {
    state: 'SYN_SENT',
    laddr: r.src,
    lport: sport,
    raddr: dst,
    rport: dport,
    conn,
    sndNxt: isn,
    rcvNxt: 0,
    rcvWnd: SYN_WINDOW,
    rcvWscale: ownWscale(h),
    wscaleOk: false,
    role: 'client',
    app,
    retries: 0,
  };
  s0.tcp.set(s);
  w.app(h.name, conn, `connect() from ${formatIpv4(s.laddr)}:${sport} to ${formatIpv4(dst)}:${dport}`);
  tcpOut(w, h, s, TCP_SYN);
  s.sndNxt = (isn + 1) >>> 0;
  scheduleSynRetransmit(w, h, s);
  return s;
}

function scheduleSynRetransmit(w: World, h: Host, s: TcpSock): void {
  const max = h.sysctl.int('net.ipv4.tcp_syn_retries', 6);
  if (s.retries >= max) return;
  w.sched.after(synBackoff(h, s.retries + 1), () => {
    if (s.state !== 'SYN_SENT') return;
    s.retries++;
    w.app(h.name, s.conn, `SYN retransmission #${s.retries}`);
    const ip = tcpPacket(
      h,
      s.laddr,
      s.raddr,
      s.lport,
      s.rport,
      TCP_SYN,
      (s.sndNxt - 1) >>> 0,
      0,
      undefined,
      SYN_WINDOW,
      s.rcvWscale,
    );
    ipLocalOut(w, h, ip, s.conn, 'socket');
    scheduleSynRetransmit(w, h, s);
  });
}

/** The application gives up on a socket (connect timeout): no packet, the socket is gone. */
export function tcpAbort(h: Host, s: TcpSock): void {
  s.state = 'CLOSED';
  sk(h).tcp.delete(s);
}

export function tcpClose(w: World, h: Host, s: TcpSock): void {
  if (s.state === 'ESTABLISHED') {
    tcpOut(w, h, s, TCP_FIN | TCP_ACK);
    s.sndNxt = (s.sndNxt + 1) >>> 0;
    s.state = 'FIN_WAIT1';
  } else if (s.state === 'CLOSE_WAIT') {
    tcpOut(w, h, s, TCP_FIN | TCP_ACK);
    s.sndNxt = (s.sndNxt + 1) >>> 0;
    s.state = 'LAST_ACK';
  }
}

/** write() on a connected socket; false (EPIPE) once this side has closed or the connection is gone. */
export function tcpSend(w: World, h: Host, s: TcpSock, text: string): boolean {
  if (s.state !== 'ESTABLISHED' && s.state !== 'CLOSE_WAIT') return false;
  if (!text) return true;
  tcpOut(w, h, s, TCP_PSH | TCP_ACK, text);
  s.sndNxt = (s.sndNxt + text.length) >>> 0;
  return true;
}

/** What a tcp-inject item crafts: its numbers are resolved against the socket at send time. */
export interface InjectSpec {
  readonly flags: string;
  readonly seq: number | string;
  readonly ack: number | string;
  readonly len: number;
  readonly window?: number;
}

/** tcpdump's flag letters (`A` or `.` for ACK) as header bits. */
export function parseTcpFlags(letters: string): number {
  let f = 0;
  for (const c of letters) {
    if (c === 'S') f |= TCP_SYN;
    else if (c === 'F') f |= TCP_FIN;
    else if (c === 'R') f |= TCP_RST;
    else if (c === 'P') f |= TCP_PSH;
    else if (c === 'A' || c === '.') f |= TCP_ACK;
  }
  return f;
}

/** `snd_nxt±N`, `rcv_nxt±N` or a number, against socket `s`. */
export function resolveSeq(spec: number | string, s: TcpSock): number {
  if (typeof spec === 'number') return spec >>> 0;
  const m = /^(snd_nxt|rcv_nxt)([+-]\d+)?$/.exec(spec);
  if (!m) throw new Error(`not a sequence number: ${spec}`);
  const base = m[1] === 'snd_nxt' ? s.sndNxt : s.rcvNxt;
  return (base + Number(m[2] ?? 0)) >>> 0;
}

/**
 * A raw socket on `h` sends one crafted segment on the 4-tuple of its TCP socket local port
 * `lport` <-> `raddr:rport`, numbers taken from that socket now. The socket itself is not
 * touched: as with a raw socket, the stack does not know the segment was sent.
 */
export function tcpInject(
  w: World,
  h: Host,
  lport: number,
  raddr: Ipv4,
  rport: number,
  spec: InjectSpec,
  conn: ConnId,
): string | undefined {
  const s = sk(h).tcp.find(lport, raddr, rport);
  if (!s) return `no TCP socket :${lport} <-> ${formatIpv4(raddr)}:${rport} on ${h.name}`;
  const flags = parseTcpFlags(spec.flags);
  const ip = tcpPacket(
    h,
    s.laddr,
    s.raddr,
    s.lport,
    s.rport,
    flags,
    resolveSeq(spec.seq, s),
    flags & TCP_ACK ? resolveSeq(spec.ack, s) : 0,
    spec.len > 0 ? 'X'.repeat(spec.len) : undefined,
    spec.window ?? advertised(s),
  );
  const l4 = ip.l4 as TcpHeader;
  w.app(
    h.name,
    conn,
    `raw socket: ${spec.flags} seq ${l4.seq} ack ${l4.ack} len ${spec.len} on ${formatIpv4(s.laddr)}:${s.lport} -> ${formatIpv4(s.raddr)}:${s.rport} (socket snd_nxt ${s.sndNxt}, rcv_nxt ${s.rcvNxt})`,
  );
  ipLocalOut(w, h, ip, conn, 'raw');
  return undefined;
}

function tcpRcv(w: World, h: Host, skb: Skb): void {
  const ip = skb.ip;
  const t = ip.l4 as TcpHeader;
  const s0 = sk(h);
  const s = s0.tcp.get(ip.dst, t.dport, ip.src, t.sport);
  if (s) return tcpSegment(w, h, s, ip, t, skb);
  const l = s0.listeners.get(t.dport);
  if (l && (l.addr === 0 || l.addr === ip.dst) && t.flags === TCP_SYN) {
    if (w.tl)
      w.emit({ t: w.now, host: h.name, type: 'deliver', pkt: skb.id, to: `listening socket *:${t.dport}` });
    const c: TcpSock = {
      state: 'SYN_RECV',
      laddr: ip.dst,
      lport: t.dport,
      raddr: ip.src,
      rport: t.sport,
      conn: l.conn,
      sndNxt: iss(h),
      rcvNxt: (t.seq + 1) >>> 0,
      rcvWnd: SYNACK_WINDOW,
      rcvWscale: ownWscale(h),
      wscaleOk: t.wscale !== undefined,
      role: 'server',
      app: l.app,
      retries: 0,
    };
    s0.tcp.set(c);
    tcpOut(w, h, c, TCP_SYN | TCP_ACK, undefined);
    c.sndNxt = (c.sndNxt + 1) >>> 0;
    return;
  }
  // No socket expects this segment: RFC 793 reset generation, as tcp_v4_send_reset does.
  if (t.flags & TCP_RST) {
    drop(w, h, skb, 'no-socket', 'RST for no socket: ignored');
    return;
  }
  const why = l
    ? `${formatIpv4(ip.dst)}:${t.dport} is listening but this is not a SYN`
    : s0.listeners.size || s0.tcp.size
      ? `no socket for ${formatIpv4(ip.src)}:${t.sport} -> ${formatIpv4(ip.dst)}:${t.dport}`
      : `nothing listens on ${formatIpv4(ip.dst)}:${t.dport}`;
  drop(
    w,
    h,
    skb,
    t.flags & TCP_SYN && !(t.flags & TCP_ACK) ? 'no-socket' : 'socket-mismatch',
    `${why}; TCP answers with RST`,
  );
  sendRst(w, h, ip, t, skb.id);
  s0.app.strayRst(w, h, ip);
}

function sendRst(w: World, h: Host, ip: IpPacket, t: TcpHeader, parent: number, about?: Skb): void {
  const segLen = t.payloadLen + (t.flags & TCP_SYN ? 1 : 0) + (t.flags & TCP_FIN ? 1 : 0);
  const rst =
    t.flags & TCP_ACK
      ? tcpPacket(h, ip.dst, ip.src, t.dport, t.sport, TCP_RST, t.ack, 0)
      : tcpPacket(h, ip.dst, ip.src, t.dport, t.sport, TCP_RST | TCP_ACK, 0, t.seq + segLen);
  ipLocalOut(w, h, rst, undefined, about ? 'reject' : 'tcp-stack', parent, about);
}

/** The peer of a segment as text; built only where a message needs it, not per segment. */
function peerOf(ip: IpPacket, t: TcpHeader): string {
  return `${formatIpv4(ip.src)}:${t.sport}`;
}

const before = (a: number, b: number): boolean => ((a - b) | 0) < 0;
const after = (a: number, b: number): boolean => ((b - a) | 0) < 0;

/**
 * tcp_validate_incoming for a synchronized socket: a segment outside the receive window
 * (tcp_sequence) is answered with a duplicate ACK and dropped; a RST counts only at exactly
 * rcv_nxt, elsewhere in the window it draws a challenge ACK (RFC 5961); an ACK of data never
 * sent is dropped (tcp_ack). Returns false when the segment goes no further.
 */
function validIncoming(w: World, h: Host, s: TcpSock, t: TcpHeader, skb: Skb): boolean {
  const end = (t.seq + t.payloadLen + (t.flags & TCP_SYN ? 1 : 0) + (t.flags & TCP_FIN ? 1 : 0)) >>> 0;
  const inWindow = !before(end, s.rcvNxt) && !after(t.seq, (s.rcvNxt + rcvWindow(s)) >>> 0);
  if (!inWindow) {
    if (t.flags & TCP_RST) {
      drop(w, h, skb, 'socket-mismatch', `RST seq ${t.seq} outside the receive window: ignored`);
      return false;
    }
    drop(
      w,
      h,
      skb,
      'socket-mismatch',
      `seq ${t.seq} outside the receive window (rcv_nxt ${s.rcvNxt}): duplicate ACK`,
    );
    tcpOut(w, h, s, TCP_ACK);
    return false;
  }
  if (t.flags & TCP_RST && t.seq !== s.rcvNxt) {
    drop(
      w,
      h,
      skb,
      'socket-mismatch',
      `RST seq ${t.seq} in the window but not rcv_nxt ${s.rcvNxt}: challenge ACK`,
    );
    tcpOut(w, h, s, TCP_ACK);
    return false;
  }
  if (!(t.flags & TCP_RST) && t.flags & TCP_ACK && after(t.ack, s.sndNxt)) {
    drop(w, h, skb, 'socket-mismatch', `ACK ${t.ack} of data never sent (snd_nxt ${s.sndNxt}): dropped`);
    return false;
  }
  if (t.payloadLen > 0 && t.seq !== s.rcvNxt) {
    // Out of order: the kernel queues it and sends a duplicate ACK; the model keeps no queue.
    drop(w, h, skb, 'socket-mismatch', `seq ${t.seq} is not rcv_nxt ${s.rcvNxt}: duplicate ACK`);
    tcpOut(w, h, s, TCP_ACK);
    return false;
  }
  return true;
}

const SYNCHRONIZED: ReadonlySet<TcpState> = new Set([
  'ESTABLISHED',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'CLOSE_WAIT',
  'LAST_ACK',
]);

function tcpSegment(w: World, h: Host, s: TcpSock, ip: IpPacket, t: TcpHeader, skb: Skb): void {
  const s0 = sk(h);
  const app = s0.app;
  // A segment the socket refuses ends there (its one fate is the drop), not delivered.
  if (SYNCHRONIZED.has(s.state) && !validIncoming(w, h, s, t, skb)) return;
  if (w.tl)
    w.emit({
      t: w.now,
      host: h.name,
      type: 'deliver',
      pkt: skb.id,
      to: `socket ${formatIpv4(s.laddr)}:${s.lport} <-> ${formatIpv4(s.raddr)}:${s.rport} (${s.state})`,
    });
  if (t.flags & TCP_RST) {
    const prev = s.state;
    tcpAbort(h, s);
    if (prev === 'SYN_SENT') app.tcpError(w, h, s, 'ECONNREFUSED', `RST from ${peerOf(ip, t)}`);
    else if (s.role === 'client' && prev !== 'TIME_WAIT')
      app.tcpError(w, h, s, 'ECONNRESET', `RST from ${peerOf(ip, t)}`);
    return;
  }
  switch (s.state) {
    case 'SYN_SENT':
      if (t.flags & TCP_SYN && t.flags & TCP_ACK && t.ack === s.sndNxt) {
        s.rcvNxt = (t.seq + 1) >>> 0;
        s.wscaleOk = t.wscale !== undefined;
        s.state = 'ESTABLISHED';
        tcpOut(w, h, s, TCP_ACK);
        app.tcpConnected(w, h, s);
        if (s.app.send) tcpSend(w, h, s, s.app.send);
      }
      return;
    case 'SYN_RECV':
      if (t.flags & TCP_ACK && t.ack === s.sndNxt) {
        s.state = 'ESTABLISHED';
        w.app(h.name, s.conn, `accept() connection from ${peerOf(ip, t)}`);
        if (s.app.closeFirst) {
          // HTTP/1.0: the server writes its answer and closes without waiting for a request.
          tcpSend(w, h, s, s.app.reply ?? '');
          tcpClose(w, h, s);
        }
      }
      if (t.payloadLen > 0) {
        s.rcvNxt = (s.rcvNxt + t.payloadLen) >>> 0;
        serverData(w, h, s, t, peerOf(ip, t));
      }
      return;
    case 'ESTABLISHED':
      if (t.payloadLen > 0) {
        s.rcvNxt = (s.rcvNxt + t.payloadLen) >>> 0;
        if (s.role === 'server') serverData(w, h, s, t, peerOf(ip, t));
        else {
          app.tcpData(w, h, s, t.payload ?? '', peerOf(ip, t));
          // A one-shot client read the answer and closes: its FIN carries the ACK of the data.
          // A session reads on and acknowledges at once (quick ACK).
          if (s.app.session) {
            if (!(t.flags & TCP_FIN)) tcpOut(w, h, s, TCP_ACK);
          } else if (!(t.flags & TCP_FIN)) tcpClose(w, h, s);
        }
      }
      if (t.flags & TCP_FIN && s.state === 'ESTABLISHED') {
        s.rcvNxt = (s.rcvNxt + 1) >>> 0;
        s.state = 'CLOSE_WAIT';
        // The application reads EOF and closes at once: one FIN|ACK answers the peer's FIN.
        tcpClose(w, h, s);
      }
      return;
    case 'FIN_WAIT1':
    case 'FIN_WAIT2':
      if (t.payloadLen > 0) {
        s.rcvNxt = (s.rcvNxt + t.payloadLen) >>> 0;
        if (s.role === 'client') app.tcpData(w, h, s, t.payload ?? '', peerOf(ip, t));
      }
      if (t.flags & TCP_FIN) {
        s.rcvNxt = (s.rcvNxt + 1) >>> 0;
        s.state = 'TIME_WAIT';
        tcpOut(w, h, s, TCP_ACK);
      } else {
        if (t.flags & TCP_ACK && t.ack === s.sndNxt) s.state = 'FIN_WAIT2';
        if (t.payloadLen > 0) tcpOut(w, h, s, TCP_ACK);
      }
      return;
    case 'LAST_ACK':
      if (t.flags & TCP_ACK && t.ack === s.sndNxt) {
        s.state = 'CLOSED';
        s0.tcp.delete(s);
        w.app(h.name, s.conn, `connection from ${peerOf(ip, t)} closed`);
      }
      return;
    default:
      return;
  }
}

/** A request reached a server socket: answer it (echo or the scripted reply), now or after the server's delay. */
function serverData(w: World, h: Host, s: TcpSock, t: TcpHeader, who: string): void {
  w.app(h.name, s.conn, `recv ${JSON.stringify(t.payload ?? '')} from ${who}`);
  if (s.app.closeFirst) {
    tcpOut(w, h, s, TCP_ACK);
    return;
  }
  const answer = s.app.echo ? (t.payload ?? '') : (s.app.reply ?? '');
  const delay = s.app.delay ?? 0;
  if (delay > 0) {
    // The request is acknowledged at once; the answer comes when the server is done.
    tcpOut(w, h, s, TCP_ACK);
    w.sched.after(delay, () => {
      if (!tcpSend(w, h, s, answer)) w.app(h.name, s.conn, `answer not sent: the connection is ${s.state}`);
    });
    return;
  }
  if (answer) tcpSend(w, h, s, answer);
  else tcpOut(w, h, s, TCP_ACK);
}

// ---- UDP ----

export function udpListen(w: World, h: Host, addr: Ipv4, port: number, reply: string, conn: ConnId): void {
  sk(h).udp.set(port, { laddr: addr, lport: port, conn, client: false, reply });
  w.app(h.name, conn, `listen on ${formatIpv4(addr)}:${port} (udp)`);
}

export function udpSend(
  w: World,
  h: Host,
  dst: Ipv4,
  dport: number,
  sportWanted: number | undefined,
  text: string,
  conn: ConnId,
  quiet = false,
  connected = true,
): UdpSock | string {
  const r = routeOutput(h, dst);
  if (!r) return routeOutputErrno(h, dst);
  const s0 = sk(h);
  const sport = sportWanted ?? allocPort(h, s0, 'udp', (p) => s0.udp.has(p) || s0.listeners.has(p));
  // inet_autobind with every port of the range taken: sendto() fails with EAGAIN.
  if (sport === undefined) return 'EAGAIN';
  const s: UdpSock = connected
    ? { laddr: r.src, lport: sport, raddr: dst, rport: dport, conn, client: true }
    : { laddr: 0 as Ipv4, lport: sport, conn, client: true };
  s0.udp.set(sport, s);
  if (!quiet)
    w.app(
      h.name,
      conn,
      `sendto ${formatIpv4(dst)}:${dport} from ${formatIpv4(r.src)}:${sport}: ${JSON.stringify(text)}`,
    );
  ipLocalOut(w, h, udpPacket(h, r.src, dst, sport, dport, text), conn, 'socket');
  return s;
}

/** A further datagram on a client's socket (connected: to its peer; unconnected: sendto `dst`). */
export function udpSendAgain(
  w: World,
  h: Host,
  s: UdpSock,
  dst: Ipv4,
  dport: number,
  text: string,
): string | undefined {
  if (sk(h).udp.get(s.lport) !== s) return 'EBADF';
  const to = s.raddr ?? dst;
  const r = routeOutput(h, to);
  if (!r) return routeOutputErrno(h, to);
  w.app(h.name, s.conn, `send to ${formatIpv4(to)}:${s.rport ?? dport}: ${JSON.stringify(text)}`);
  ipLocalOut(w, h, udpPacket(h, r.src, to, s.lport, s.rport ?? dport, text), s.conn, 'socket');
  return undefined;
}

function udpPacket(h: Host, src: Ipv4, dst: Ipv4, sport: number, dport: number, text: string): IpPacket {
  const l4: UdpHeader = { proto: 17, sport, dport, payloadLen: text.length, payload: text };
  return { src, dst, ttl: 64, id: h.ipId(), proto: 17, len: IP_HLEN + 8 + text.length, l4 };
}

export function udpClose(h: Host, s: UdpSock): void {
  const s0 = sk(h);
  if (s0.udp.get(s.lport) === s) {
    s0.udp.delete(s.lport);
    s0.udpReleased++;
  }
}

function udpRcv(w: World, h: Host, skb: Skb): void {
  const ip = skb.ip;
  const u = ip.l4 as UdpHeader;
  const s = sk(h).udp.get(u.dport);
  const matches =
    s !== undefined &&
    (s.laddr === 0 || s.laddr === ip.dst) &&
    (s.raddr === undefined || (s.raddr === ip.src && s.rport === u.sport));
  if (!s || !matches) {
    drop(w, h, skb, 'no-socket', `no UDP socket for ${formatIpv4(ip.dst)}:${u.dport}; ICMP port unreachable`);
    return icmpSend(w, h, skb, 3, 3);
  }
  const who = `${formatIpv4(ip.src)}:${u.sport}`;
  if (w.tl) w.emit({ t: w.now, host: h.name, type: 'deliver', pkt: skb.id, to: `udp socket :${u.dport}` });
  if (!s.client) {
    w.app(h.name, s.conn, `recv ${JSON.stringify(u.payload ?? '')} from ${who}`);
    const reply = s.reply ?? 'answer';
    ipLocalOut(w, h, udpPacket(h, ip.dst, ip.src, u.dport, u.sport, reply), s.conn, 'socket');
    return;
  }
  sk(h).app.udpData(w, h, s, u.payload ?? '', who);
}

// ---- ICMP ----

export function ping(
  w: World,
  h: Host,
  dst: Ipv4,
  id: number,
  seq: number,
  conn: ConnId,
): string | undefined {
  const r = routeOutput(h, dst);
  if (!r) return routeOutputErrno(h, dst);
  sk(h).pings.set(id, conn);
  const l4: IcmpHeader = { proto: 1, type: 8, code: 0, id, seq };
  ipLocalOut(w, h, { src: r.src, dst, ttl: 64, id: h.ipId(), proto: 1, len: 84, l4 }, conn, 'socket');
  return undefined;
}

function icmpRcv(w: World, h: Host, skb: Skb): void {
  const ip = skb.ip;
  const c = ip.l4 as IcmpHeader;
  const s0 = sk(h);
  if (c.type === 8) {
    if (w.tl) w.emit({ t: w.now, host: h.name, type: 'deliver', pkt: skb.id, to: 'icmp echo' });
    const l4: IcmpHeader = { proto: 1, type: 0, code: 0, id: c.id, seq: c.seq };
    ipLocalOut(
      w,
      h,
      { src: ip.dst, dst: ip.src, ttl: 64, id: h.ipId(), proto: 1, len: ip.len, l4 },
      skb.conn,
      'icmp',
    );
    return;
  }
  if (c.type === 0) {
    if (!s0.pings.has(c.id)) return drop(w, h, skb, 'no-socket', `echo reply id ${c.id}: no ping socket`);
    if (w.tl) w.emit({ t: w.now, host: h.name, type: 'deliver', pkt: skb.id, to: `ping socket id ${c.id}` });
    s0.app.echoReply(w, h, c.id, c.seq, ip.src);
    return;
  }
  const inner = c.inner;
  if (!inner) return drop(w, h, skb, 'no-socket', `ICMP type ${c.type} ignored`);
  const what = icmpText(c.type, c.code);
  if (w.tl)
    w.emit({ t: w.now, host: h.name, type: 'deliver', pkt: skb.id, to: `icmp error handler (${what})` });
  if (inner.proto === 17) {
    // Without IP_RECVERR only a connected socket hears an error, and only a hard one (icmpErr.ts).
    const u = inner.l4 as UdpHeader;
    const s = s0.udp.get(u.sport);
    const v =
      s && icmpSocketError(s.raddr !== undefined ? 'udp-connected' : 'udp-unconnected', c.type, c.code);
    if (s && v?.fatal) s0.app.udpError(w, h, s, v.errno, `${what} from ${formatIpv4(ip.src)}`);
  } else if (inner.proto === 6) {
    // tcp_v4_err: in SYN_SENT an error the socket takes ends the connect() (icmpErr.ts).
    const t = inner.l4 as TcpHeader;
    const s = s0.tcp.get(inner.src, t.sport, inner.dst, t.dport);
    const v = s?.state === 'SYN_SENT' ? icmpSocketError('tcp-connecting', c.type, c.code) : undefined;
    if (s && v?.fatal) {
      tcpAbort(h, s);
      s0.app.tcpError(w, h, s, v.errno, `${what} from ${formatIpv4(ip.src)}`);
    }
  } else if (inner.proto === 1) {
    const e = inner.l4 as IcmpHeader;
    if (e.type === 8 && s0.pings.has(e.id))
      s0.app.echoError(w, h, e.id, e.seq, `${what} from ${formatIpv4(ip.src)}`);
  }
}

/** icmp_send: an error about `offending`, back to its source, through OUTPUT as the kernel does. */
export function icmpSend(
  w: World,
  h: Host,
  offending: Skb,
  type: number,
  code: number,
  gateway?: Ipv4,
): void {
  const o = offending.ip;
  if (o.proto === 1 && ![0, 8, 13, 14, 15, 16, 17, 18].includes((o.l4 as IcmpHeader).type)) return; // never about an error
  if (o.dst === 0xffffffff || h.routes.broadcast.has(o.dst)) return;
  const src = h.routes.isLocal(o.dst) ? o.dst : (routeOutput(h, o.src)?.src ?? h.anyAddr());
  if (src === undefined) return;
  const l4: IcmpHeader = {
    proto: 1,
    type,
    code,
    id: 0,
    seq: 0,
    inner: o,
    ...(gateway !== undefined ? { gateway } : {}),
  };
  const len = IP_HLEN + 8 + Math.min(o.len, 548);
  ipLocalOut(
    w,
    h,
    { src, dst: o.src, ttl: 64, id: h.ipId(), proto: 1, len, l4 },
    offending.conn,
    'icmp',
    offending.id,
    offending,
  );
}

const REJECT_CODES: Readonly<Record<string, number>> = dict({
  'icmp-net-unreachable': 0,
  'icmp-host-unreachable': 1,
  'icmp-proto-unreachable': 2,
  'icmp-port-unreachable': 3,
  'icmp-net-prohibited': 9,
  'icmp-host-prohibited': 10,
  'icmp-admin-prohibited': 13,
});

/** REJECT: `--reject-with tcp-reset` answers with a RST, anything else with that ICMP error. */
function sendReject(w: World, h: Host, skb: Skb, how: string): void {
  const ip = skb.ip;
  if (how === 'tcp-reset' && ip.proto === 6) return sendRst(w, h, ip, ip.l4 as TcpHeader, skb.id, skb);
  icmpSend(w, h, skb, 3, REJECT_CODES[how] ?? 3);
}

const l4: L4 = {
  rcv(w, h, skb) {
    const p = skb.ip.proto;
    if (p === 6) return tcpRcv(w, h, skb);
    if (p === 17) return udpRcv(w, h, skb);
    if (p === 1) return icmpRcv(w, h, skb);
    drop(w, h, skb, 'no-socket', `protocol ${p} unsupported`);
  },
  error(w, h, skb, errno) {
    const ip = skb.ip;
    const s0 = sk(h);
    if (ip.proto === 6) {
      // tcp_transmit_skb's EPERM is not the socket's error: the segment is retransmitted as if
      // lost (measured: connect() times out while conntrack -S counts each SYN in `drop`).
      if (errno === 'EPERM') return;
      const t = ip.l4 as TcpHeader;
      const s = s0.tcp.get(ip.src, t.sport, ip.dst, t.dport);
      if (s && s.state === 'SYN_SENT' && s.retries === 0) s0.app.tcpError(w, h, s, errno, 'at the first SYN');
    } else if (ip.proto === 17) {
      const s = s0.udp.get((ip.l4 as UdpHeader).sport);
      // EPERM is sendmsg's own return value, so a client's unconnected socket gets it too; the
      // other errors arrive later, as ICMP does, and only a connected socket hears them.
      if (s && (errno === 'EPERM' ? s.client : s.raddr !== undefined))
        s0.app.udpError(w, h, s, errno, 'sending');
    } else if (ip.proto === 1) {
      const c = ip.l4 as IcmpHeader;
      if (c.type === 8) s0.app.echoError(w, h, c.id, c.seq, errno);
    }
  },
  icmpSend,
};
setL4(l4);

setRejectSender(sendReject);
