import { formatIpv4, type Ipv4, parseIpv4 } from '../net/ipv4';
import { type Frame, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type TcpHeader } from '../packet';
import { serviceName } from '../iptables/values';
import type { TimelineEvent } from '../timeline/events';
import { type CommandOutput, err, out } from './output';
import type { ConsoleHost } from './state';

// `ss -tan` / `ss -uan` (iproute2 6.1): the sockets of the host's stack at the playhead, read
// off its timeline as the engine's stack lived them (stack/sockets.ts): listeners from the
// applications' `listen`, TCP sockets from the segments the host sent and the ones delivered
// to its sockets (each delivery names the socket's state before it, which keeps this in step),
// UDP client sockets from `sendto` to the outcome. TIME-WAIT lasts TCP_TIMEWAIT_LEN (60 s).
//
// Not from the kernel: the order. ss prints listeners first, then the established hash, whose
// bucket order comes from a per-boot secret; here the rest follow in the order they were made.
// UDP sockets are listed by port (the kernel's slot is the port plus a per-namespace mix).
// Recv-Q and Send-Q are 0 but for LISTEN: the model's applications read what arrives at once.
// Servers listen with a backlog of 64, as the parity agent's do (LISTEN's Send-Q).

const BACKLOG = 64;
const TIMEWAIT_US = 60_000_000;

type TcpState =
  | 'LISTEN'
  | 'SYN-SENT'
  | 'SYN-RECV'
  | 'ESTAB'
  | 'FIN-WAIT-1'
  | 'FIN-WAIT-2'
  | 'CLOSE-WAIT'
  | 'LAST-ACK'
  | 'CLOSING'
  | 'TIME-WAIT';

interface Sock {
  readonly proto: 'tcp' | 'udp';
  state: TcpState | 'UNCONN';
  readonly laddr: Ipv4;
  readonly lport: number;
  /** Undefined: not connected (`*`). */
  readonly raddr?: Ipv4;
  readonly rport?: number;
  sndNxt: number;
  /** The oldest byte the peer has not acknowledged (snd_una): Send-Q is sndNxt - sndUna. */
  sndUna: number;
  /** When it entered TIME-WAIT (µs). */
  since: number;
  readonly order: number;
}

/** The engine's names for its TCP states (stack/sockets.ts), as ss prints them. */
const FROM_ENGINE: Readonly<Record<string, TcpState>> = {
  SYN_SENT: 'SYN-SENT',
  SYN_RECV: 'SYN-RECV',
  ESTABLISHED: 'ESTAB',
  FIN_WAIT1: 'FIN-WAIT-1',
  FIN_WAIT2: 'FIN-WAIT-2',
  CLOSE_WAIT: 'CLOSE-WAIT',
  LAST_ACK: 'LAST-ACK',
  TIME_WAIT: 'TIME-WAIT',
};

const key = (la: number, lp: number, ra: number, rp: number) => `${la}:${lp}>${ra}:${rp}`;

function tcpOf(f: Frame | undefined): { src: Ipv4; dst: Ipv4; t: TcpHeader } | undefined {
  return f && f.type === 0x0800 && f.ip.l4.proto === 6
    ? { src: f.ip.src, dst: f.ip.dst, t: f.ip.l4 as TcpHeader }
    : undefined;
}

/** Every socket of the host after its events so far, TIME-WAIT ones that ran out dropped. */
export function socketsAt(h: ConsoleHost): Sock[] {
  const tcp = new Map<string, Sock>();
  const listeners: Sock[] = [];
  const udp = new Map<number, Sock>();
  const udpByConn = new Map<number, number>();
  const frames = new Map<number, Frame>();
  let order = 0;
  const apply = (ev: TimelineEvent) => {
    switch (ev.type) {
      case 'app': {
        const m = /^listen on ([\d.]+):(\d+) \((tcp|udp)\)$/.exec(ev.text);
        if (m) {
          const s: Sock = {
            proto: m[3] as 'tcp' | 'udp',
            state: m[3] === 'tcp' ? 'LISTEN' : 'UNCONN',
            laddr: parseIpv4(m[1]!)!,
            lport: Number(m[2]),
            sndNxt: 0,
            sndUna: 0,
            since: ev.t,
            order: order++,
          };
          if (s.proto === 'tcp') listeners.push(s);
          else udp.set(s.lport, s);
          return;
        }
        const u = /^sendto ([\d.]+):(\d+) from ([\d.]+):(\d+): /.exec(ev.text);
        if (u && ev.conn !== undefined) {
          const spec = h.scenario.traffic[ev.conn];
          const connected = !(spec?.kind === 'udp-send' && spec.connected === false);
          const lport = Number(u[4]);
          udp.set(lport, {
            proto: 'udp',
            state: connected ? 'ESTAB' : 'UNCONN',
            laddr: connected ? parseIpv4(u[3]!)! : (0 as Ipv4),
            lport,
            ...(connected ? { raddr: parseIpv4(u[1]!)!, rport: Number(u[2]) } : {}),
            sndNxt: 0,
            sndUna: 0,
            since: ev.t,
            order: order++,
          });
          udpByConn.set(ev.conn, lport);
        }
        return;
      }
      case 'outcome': {
        // A UDP client closes its socket as it reports (sim/traffic.ts).
        const p = udpByConn.get(ev.conn);
        if (p !== undefined) {
          udp.delete(p);
          udpByConn.delete(ev.conn);
        }
        return;
      }
      case 'packet': {
        frames.set(ev.pkt, ev.frame);
        if (ev.origin !== 'socket' && ev.origin !== 'tcp-stack') return;
        const seg = tcpOf(ev.frame);
        if (seg) sent(seg.src, seg.dst, seg.t, ev.t);
        return;
      }
      case 'rcv':
        frames.set(ev.pkt, ev.frame);
        return;
      case 'rewrite':
        frames.set(ev.pkt, ev.after);
        return;
      case 'deliver': {
        const m = /^socket ([\d.]+):(\d+) <-> ([\d.]+):(\d+) \((\w+)\)$/.exec(ev.to);
        const seg = tcpOf(frames.get(ev.pkt));
        if (m && seg) {
          const k = key(parseIpv4(m[1]!)!, Number(m[2]), parseIpv4(m[3]!)!, Number(m[4]));
          const s = tcp.get(k);
          const before = FROM_ENGINE[m[5]!];
          if (s && before) {
            s.state = before;
            received(k, s, seg.t, ev.t);
          }
        }
        return;
      }
      default:
        return;
    }
  };
  const sent = (src: Ipv4, dst: Ipv4, t: TcpHeader, now: number) => {
    const k = key(src, t.sport, dst, t.dport);
    const next = (t.seq + t.payloadLen + (t.flags & TCP_SYN ? 1 : 0) + (t.flags & TCP_FIN ? 1 : 0)) >>> 0;
    let s = tcp.get(k);
    if (t.flags & TCP_SYN) {
      const state = t.flags & TCP_ACK ? 'SYN-RECV' : 'SYN-SENT';
      if (!s) {
        s = {
          proto: 'tcp',
          state,
          laddr: src,
          lport: t.sport,
          raddr: dst,
          rport: t.dport,
          sndNxt: next,
          sndUna: t.seq,
          since: now,
          order: order++,
        };
        tcp.set(k, s);
      }
      s.sndNxt = next;
      return;
    }
    if (!s) return;
    if (t.flags & TCP_RST) {
      tcp.delete(k);
      return;
    }
    s.sndNxt = next;
    if (t.flags & TCP_FIN) {
      if (s.state === 'ESTAB') s.state = 'FIN-WAIT-1';
      else if (s.state === 'CLOSE-WAIT') s.state = 'LAST-ACK';
    }
  };
  // stack/sockets.ts tcpSegment, after the delivery.
  const received = (k: string, s: Sock, t: TcpHeader, now: number) => {
    if (t.flags & TCP_RST) {
      tcp.delete(k);
      return;
    }
    const acked = (t.flags & TCP_ACK) !== 0 && t.ack === s.sndNxt;
    if (t.flags & TCP_ACK && ((t.ack - s.sndUna) | 0) > 0 && ((s.sndNxt - t.ack) | 0) >= 0) s.sndUna = t.ack;
    switch (s.state) {
      case 'SYN-SENT':
        if (t.flags & TCP_SYN && acked) s.state = 'ESTAB';
        return;
      case 'SYN-RECV':
        if (acked) s.state = 'ESTAB';
        return;
      case 'ESTAB':
        if (t.flags & TCP_FIN) s.state = 'CLOSE-WAIT';
        return;
      case 'FIN-WAIT-1':
      case 'FIN-WAIT-2':
        if (t.flags & TCP_FIN) {
          s.state = 'TIME-WAIT';
          s.since = now;
        } else if (acked) s.state = 'FIN-WAIT-2';
        return;
      case 'LAST-ACK':
        if (acked) tcp.delete(k);
        return;
      default:
        return;
    }
  };
  for (const ev of h.events) apply(ev);
  const live = [...tcp.values()].filter((s) => s.state !== 'TIME-WAIT' || h.now - s.since < TIMEWAIT_US);
  // ss dumps the UDP table before the TCP one.
  return [
    ...[...udp.values()].sort((a, b) => a.lport - b.lport),
    ...listeners,
    ...live.sort((a, b) => a.order - b.order),
  ];
}

interface Column {
  readonly header: string;
  readonly right: boolean;
  /** The delimiter printed before the field when it is not the first of its line. */
  readonly ldelim: string;
}

const COLUMNS: readonly Column[] = [
  { header: 'Netid', right: false, ldelim: '' },
  { header: 'State', right: false, ldelim: ' ' },
  { header: 'Recv-Q', right: false, ldelim: ' ' },
  { header: 'Send-Q', right: false, ldelim: ' ' },
  { header: 'Local Address:', right: true, ldelim: ' ' },
  { header: 'Port', right: false, ldelim: '' },
  { header: 'Peer Address:', right: true, ldelim: ' ' },
  { header: 'Port', right: false, ldelim: '' },
  { header: 'Process', right: false, ldelim: '' },
];

/**
 * ss's render() when stdout is no terminal: each column as wide as its widest field (plus its
 * delimiter, but for the first), no spreading to a screen width; the last column of a data line
 * (Process, without -p) is an empty field padded to its width.
 */
function render(rows: readonly (readonly (string | undefined)[])[], enabled: readonly boolean[]): string {
  const cols = COLUMNS.map((c, i) => ({ ...c, i })).filter((c) => enabled[c.i]);
  const widths = cols.map((c, j) => {
    const max = Math.max(c.header.length, ...rows.map((r) => (r[c.i] ?? '').length));
    return j > 0 && max > 0 ? max + c.ldelim.length : max;
  });
  const line = (fields: readonly string[]) => {
    let s = '';
    cols.forEach((c, j) => {
      const text = fields[j] ?? '';
      let printed = j > 0 ? c.ldelim.length : 0;
      s += j > 0 ? c.ldelim : '';
      if (c.right) {
        const pad = widths[j]! - text.length - printed;
        if (pad > 0) s += ' '.repeat(pad);
        printed += Math.max(pad, 0);
      }
      s += text;
      printed += text.length;
      if (!c.right && widths[j]! - printed > 0) s += ' '.repeat(widths[j]! - printed);
    });
    return `${s}\n`;
  };
  return line(cols.map((c) => c.header)) + rows.map((r) => line(cols.map((c) => r[c.i] ?? ''))).join('');
}

/**
 * Send-Q: a listener's backlog; a TCP socket's sent but unacknowledged sequence space (its SYN
 * or FIN counts, as write_seq - snd_una does); 0 for a request (SYN-RECV), TIME-WAIT and UDP.
 */
function sendQ(s: Sock): number {
  if (s.state === 'LISTEN') return BACKLOG;
  if (s.proto === 'udp' || s.state === 'SYN-RECV' || s.state === 'TIME-WAIT') return 0;
  return (s.sndNxt - s.sndUna) >>> 0;
}

/** `ss [-t] [-u] [-a] [-l] [-n]`, the options as single letters, together or apart. */
export function ssCommand(h: ConsoleHost, args: readonly string[]): CommandOutput {
  let tcp = false;
  let udp = false;
  let all = false;
  let listening = false;
  let numeric = false;
  for (const a of args) {
    const m = /^-([tualn]+)$/.exec(a);
    // Not ss's own words: the options it has beyond these are not modelled, so say that.
    if (!m) return err(`ss: only -t, -u, -a, -l and -n are modelled here, not "${a}"\n`, 1);
    tcp ||= m[1]!.includes('t');
    udp ||= m[1]!.includes('u');
    all ||= m[1]!.includes('a');
    listening ||= m[1]!.includes('l');
    numeric ||= m[1]!.includes('n');
  }
  if (!tcp && !udp) return err('ss: this command is modelled for TCP and UDP sockets: give -t or -u\n', 1);
  // Without -a only connections, with -l only listeners (and unconnected UDP), as ss filters.
  const shown = (s: Sock) => {
    if (s.proto === 'tcp' ? !tcp : !udp) return false;
    const listen = s.state === 'LISTEN' || s.state === 'UNCONN';
    if (all) return true;
    if (listening) return listen;
    return !listen && s.state !== 'TIME-WAIT' && s.state !== 'SYN-RECV';
  };
  const [lo] = (h.host.sysctl.get('net.ipv4.ip_local_port_range') ?? '32768 60999').split(/\s+/).map(Number);
  const hi = Number((h.host.sysctl.get('net.ipv4.ip_local_port_range') ?? '32768 60999').split(/\s+/)[1]);
  // Without -n ss names the port by /etc/services, but never an ephemeral one.
  const port = (p: number | undefined, proto: 'tcp' | 'udp') =>
    p === undefined || p === 0 ? '*' : numeric || (p >= lo! && p <= hi) ? String(p) : serviceName(p, proto);
  const rows = socketsAt(h)
    .filter(shown)
    .map((s) => [
      s.proto,
      s.state,
      '0'.padEnd(6),
      String(sendQ(s)).padEnd(6),
      `${formatIpv4(s.laddr)}:`,
      port(s.lport, s.proto),
      `${formatIpv4(s.raddr ?? (0 as Ipv4))}:`,
      port(s.rport, s.proto),
      undefined,
    ]);
  // ss shows Netid only when more than one socket table is asked for.
  const enabled = COLUMNS.map((_, i) => i !== 0 || (tcp && udp));
  return out(render(rows, enabled));
}
