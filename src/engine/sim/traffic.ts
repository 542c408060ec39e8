import { dict } from '../dict';
import type { Outcome } from '../api';
import { formatIpv4, type Ipv4, parseIpv4 } from '../net/ipv4';
import type { TrafficSpec } from '../scenario/schema';
import type { Host } from '../stack/host';
import {
  type AppEvents,
  ping,
  type TcpSock,
  tcpAbort,
  tcpClose,
  tcpConnect,
  tcpInject,
  tcpListen,
  tcpSend,
  type UdpSock,
  udpClose,
  udpListen,
  udpSend,
  udpSendAgain,
} from '../stack/sockets';
import type { World } from './world';

// The applications of the traffic script: small clients and servers that behave like the
// ones the kernel-parity harness runs (connect, send, read the answer, close; a server that
// answers each request). Each client item ends with exactly one outcome.

interface ItemState {
  readonly index: number;
  readonly spec: TrafficSpec;
  readonly from: string;
  readonly to: string;
  readonly proto: 'tcp' | 'udp' | 'icmp';
  done: boolean;
  ok: boolean;
  reason: string;
  /** Segments the client's stack reset because no socket expected them, by source. */
  strays: Map<string, number>;
  sock?: TcpSock | UdpSock;
  answered: number;
  sent: number;
  failedSends: number;
  /** tcp-session: the connection was established (a later reset still fails the item). */
  connected?: boolean;
}

/** What a tcp-connect sends and a tcp-listen answers when the script does not say (the parity agent uses the same). */
export const DEFAULT_TCP_REQUEST = 'GET / HTTP/1.0\r\n\r\n';
export const DEFAULT_TCP_REPLY = 'HTTP/1.0 200 OK\r\n\r\nhello\n';

/** Kinds that run in the background and end with no outcome line of their own. */
function isPassive(
  spec: TrafficSpec,
): spec is Extract<TrafficSpec, { kind: 'tcp-listen' | 'udp-listen' | 'tcp-inject' }> {
  return spec.kind === 'tcp-listen' || spec.kind === 'udp-listen' || spec.kind === 'tcp-inject';
}

export class Traffic implements AppEvents {
  readonly items: ItemState[] = [];
  private readonly byConn = new Map<number, ItemState>();
  private readonly pingOwner = new Map<string, ItemState>();

  constructor(
    private readonly w: World,
    specs: readonly TrafficSpec[],
  ) {
    for (const [index, spec] of specs.entries()) {
      if (isPassive(spec)) continue;
      const proto =
        spec.kind === 'tcp-connect' || spec.kind === 'tcp-session'
          ? 'tcp'
          : spec.kind === 'ping'
            ? 'icmp'
            : 'udp';
      const st: ItemState = {
        index,
        spec,
        from: spec.host,
        to: spec.to,
        proto,
        done: false,
        ok: false,
        reason: '',
        strays: new Map(),
        answered: 0,
        sent: 0,
        failedSends: 0,
      };
      this.items.push(st);
      this.byConn.set(index, st);
    }
  }

  /** Schedules every item; returns an error naming the item when an address is malformed. */
  start(hosts: ReadonlyMap<string, Host>, specs: readonly TrafficSpec[]): string | undefined {
    const w = this.w;
    for (const [i, spec] of specs.entries()) {
      const h = hosts.get(spec.host)!;
      if (spec.kind === 'tcp-listen' || spec.kind === 'udp-listen') {
        const addr = parseIpv4(spec.address);
        if (addr === undefined) return `traffic[${i}].address: not an address: ${spec.address}`;
        if (spec.kind === 'tcp-listen')
          tcpListen(
            w,
            h,
            addr,
            spec.port,
            {
              reply: spec.reply ?? DEFAULT_TCP_REPLY,
              echo: spec.echo,
              closeFirst: spec.close_first,
              delay: spec.delay * 1000,
            },
            i,
          );
        else udpListen(w, h, addr, spec.port, spec.reply ?? 'answer', i);
        continue;
      }
      if (spec.kind === 'tcp-inject') {
        const target = parseTarget(spec.to);
        if (target?.port === undefined) return `traffic[${i}].to: not an address:port: ${spec.to}`;
        w.sched.at(spec.at * 1000, () => {
          const err = tcpInject(w, h, spec.sport, target.ip, target.port!, spec, i);
          if (err) w.app(h.name, i, `raw socket: nothing sent: ${err}`);
        });
        continue;
      }
      const st = this.byConn.get(i)!;
      const target = parseTarget(spec.to);
      if (!target)
        return `traffic[${i}].to: not an address${spec.kind === 'ping' ? '' : ':port'}: ${spec.to}`;
      if (spec.kind !== 'ping' && target.port === undefined)
        return `traffic[${i}].to: needs a port: ${spec.to}`;
      const at = spec.at * 1000;
      switch (spec.kind) {
        case 'tcp-connect':
          w.sched.at(at, () => {
            const s = tcpConnect(
              w,
              h,
              target.ip,
              target.port!,
              spec.sport,
              { send: spec.send ?? DEFAULT_TCP_REQUEST },
              i,
            );
            if (typeof s === 'string') return this.finish(st, false, `connect: ${errnoText(s)}`);
            st.sock = s;
          });
          w.sched.at(at + spec.timeout * 1000, () => {
            if (st.done) return;
            const s = st.sock as TcpSock | undefined;
            if (s) tcpAbort(h, s);
            const tries = s ? s.retries : 0;
            this.finish(
              st,
              false,
              `timed out after ${spec.timeout / 1000} s${timeoutWhy(st, tries, target.ip, target.port!)}`,
            );
          });
          break;
        case 'tcp-session': {
          w.sched.at(at, () => {
            const s = tcpConnect(w, h, target.ip, target.port!, spec.sport, { session: true }, i);
            if (typeof s === 'string') return this.finish(st, false, `connect: ${errnoText(s)}`);
            st.sock = s;
          });
          w.sched.at(at + spec.timeout * 1000, () => {
            if (st.done || st.connected) return;
            const s = st.sock as TcpSock | undefined;
            if (s) tcpAbort(h, s);
            const tries = s ? s.retries : 0;
            this.finish(
              st,
              false,
              `timed out after ${spec.timeout / 1000} s${timeoutWhy(st, tries, target.ip, target.port!)}`,
            );
          });
          for (const a of spec.actions) {
            w.sched.at(Math.max(a.at, spec.at) * 1000, () => {
              const s = st.sock as TcpSock | undefined;
              if (st.done || !s || !st.connected) return;
              if ('close' in a) {
                tcpClose(w, h, s);
                w.app(h.name, i, 'close()');
                this.finish(st, st.answered === st.sent, sessionWhy(st, target.ip, target.port!));
                return;
              }
              st.sent++;
              w.app(h.name, i, `send ${JSON.stringify(a.send)}`);
              if (!tcpSend(w, h, s, a.send)) this.finish(st, false, `send: broken pipe (EPIPE), ${s.state}`);
            });
          }
          // A session the script never closes is judged when its last round has had its time.
          const last = Math.max(spec.at, ...spec.actions.map((a) => a.at));
          w.sched.at((last + spec.timeout) * 1000, () => {
            if (st.done || !st.connected) return;
            this.finish(
              st,
              st.answered === st.sent,
              sessionWhy(st, target.ip, target.port!).replace(/closed$/, 'left open'),
            );
          });
          break;
        }
        case 'udp-send': {
          // Specs built in code rather than parsed may lack the defaults.
          const more = spec.more ?? [];
          const total = 1 + more.length;
          w.sched.at(at, () => {
            st.sent++;
            const s = udpSend(
              w,
              h,
              target.ip,
              target.port!,
              spec.sport,
              spec.send,
              i,
              false,
              spec.connected ?? true,
            );
            if (typeof s === 'string') return this.finish(st, false, `send: ${errnoText(s)}`);
            st.sock = s;
          });
          for (const m of more)
            w.sched.at(Math.max(m.at, spec.at) * 1000, () => {
              const s = st.sock as UdpSock | undefined;
              if (st.done || !s) return;
              st.sent++;
              const err = udpSendAgain(w, h, s, target.ip, target.port!, m.send);
              if (err) this.finish(st, false, `send: ${errnoText(err)}`);
            });
          const last = Math.max(spec.at, ...more.map((m) => m.at));
          w.sched.at((last + spec.timeout) * 1000, () => {
            if (st.done) return;
            if (st.sock) udpClose(h, st.sock as UdpSock);
            this.finish(
              st,
              false,
              total === 1
                ? `no answer within ${spec.timeout / 1000} s`
                : `${st.answered} of ${total} messages answered within ${spec.timeout / 1000} s`,
            );
          });
          break;
        }
        case 'udp-flood':
          for (let f = 0; f < spec.flows; f++) {
            w.sched.at(at + f * spec.interval * 1000, () => {
              const s = udpSend(w, h, target.ip, target.port!, undefined, `flow ${f + 1}`, i, f > 0);
              st.sent++;
              if (typeof s === 'string') st.failedSends++;
            });
          }
          w.sched.at(at + (spec.flows * spec.interval + 2000) * 1000, () => {
            const ok = st.answered === spec.flows;
            this.finish(st, ok, `${st.answered} of ${spec.flows} flows answered`);
          });
          break;
        case 'ping': {
          const id = spec.id ?? 0x1000 + i;
          this.pingOwner.set(`${h.name}:${id}`, st);
          for (let n = 1; n <= spec.count; n++) {
            w.sched.at(at + (n - 1) * 1_000_000, () => {
              st.sent++;
              w.app(h.name, i, `ping ${formatIpv4(target.ip)} id ${id} seq ${n}`);
              const err = ping(w, h, target.ip, id, n, i);
              if (err) this.finish(st, false, errnoText(err));
            });
          }
          w.sched.at(at + (spec.count - 1) * 1_000_000 + spec.timeout * 1000, () => {
            if (st.done) return;
            this.finish(
              st,
              st.answered === spec.count,
              `${st.answered}/${spec.count} echo replies${st.answered < spec.count ? ' (the rest timed out)' : ''}`,
            );
          });
          break;
        }
      }
    }
    return undefined;
  }

  private finish(st: ItemState, ok: boolean, reason: string): void {
    if (st.done) return;
    st.done = true;
    st.ok = ok;
    st.reason = reason;
    const w = this.w;
    if (w.tl) w.emit({ t: w.now, host: st.from, type: 'outcome', conn: st.index, ok, line: outcomeLine(st) });
  }

  /** `stopped`: the run was cut short by a budget or a cancel, whose key undecided items name. */
  /** Each item's outcome; `cutAt` (µs): the run was cut there, so undecided items say so. */
  outcomes(stopped?: string, cutAt?: number): Outcome[] {
    return this.items.map((st) => {
      if (!st.done) {
        st.done = true;
        st.reason = stopped
          ? `not decided: the run was stopped (${stopped})`
          : cutAt === undefined
            ? 'still running when the run ended'
            : 'at' in st.spec && st.spec.at * 1000 > cutAt
              ? `not started at ${formatSeconds(cutAt)} (starts at ${formatSeconds(st.spec.at * 1000)})`
              : `still running at ${formatSeconds(cutAt)}`;
      }
      return {
        conn: st.index,
        from: st.from,
        to: st.to,
        proto: st.proto,
        ok: st.ok,
        reason: st.reason,
        line: outcomeLine(st),
      };
    });
  }

  // ---- AppEvents ----
  tcpConnected(w: World, h: Host, s: TcpSock): void {
    w.app(h.name, s.conn, `connected to ${formatIpv4(s.raddr)}:${s.rport}`);
    const st = s.conn !== undefined ? this.byConn.get(s.conn) : undefined;
    if (st) st.connected = true;
  }
  tcpData(w: World, h: Host, s: TcpSock, text: string, from: string): void {
    w.app(h.name, s.conn, `recv ${JSON.stringify(text)} from ${from}`);
    const st = s.conn !== undefined ? this.byConn.get(s.conn) : undefined;
    if (!st) return;
    if (st.spec.kind === 'tcp-session') {
      st.answered++;
      return;
    }
    this.finish(st, true, `connected and got ${JSON.stringify(firstLine(text))} from ${from}`);
  }
  tcpError(w: World, h: Host, s: TcpSock, errno: string, detail: string): void {
    w.app(h.name, s.conn, `${errno}: ${detail}`);
    const st = s.conn !== undefined ? this.byConn.get(s.conn) : undefined;
    if (st) this.finish(st, false, `${errnoText(errno)} (${detail})`);
  }
  udpData(w: World, h: Host, s: UdpSock, text: string, from: string): void {
    w.app(h.name, s.conn, `recv ${JSON.stringify(text)} from ${from}`);
    const st = this.byConn.get(s.conn);
    if (!st) return;
    st.answered++;
    if (st.spec.kind === 'udp-send' && st.answered < 1 + (st.spec.more ?? []).length) return; // more to come
    udpClose(h, s);
    if (st.spec.kind === 'udp-flood') return;
    const n = st.answered;
    this.finish(
      st,
      true,
      `got ${JSON.stringify(firstLine(text))} from ${from}${n > 1 ? ` (${n} answers)` : ''}`,
    );
  }
  udpError(w: World, h: Host, s: UdpSock, errno: string, detail: string): void {
    w.app(h.name, s.conn, `${errno}: ${detail}`);
    const st = this.byConn.get(s.conn);
    udpClose(h, s);
    if (st && st.spec.kind !== 'udp-flood') this.finish(st, false, `${errnoText(errno)} (${detail})`);
  }
  echoReply(w: World, h: Host, id: number, seq: number, from: Ipv4): void {
    const st = this.pingOwner.get(`${h.name}:${id}`);
    if (!st) return;
    st.answered++;
    w.app(h.name, st.index, `echo reply from ${formatIpv4(from)} seq ${seq}`);
    const spec = st.spec;
    if (spec.kind === 'ping' && st.answered === spec.count)
      this.finish(st, true, `${spec.count}/${spec.count} echo replies`);
  }
  echoError(w: World, h: Host, id: number, seq: number, detail: string): void {
    const st = this.pingOwner.get(`${h.name}:${id}`);
    if (!st) return;
    w.app(h.name, st.index, `ping seq ${seq}: ${detail}`);
    this.finish(st, false, detail);
  }
  strayRst(_w: World, h: Host, seg: { src: Ipv4; l4: { proto: number } }): void {
    const sport = (seg.l4 as { sport?: number }).sport;
    const key = `${formatIpv4(seg.src)}:${sport}`;
    for (const st of this.items)
      if (st.from === h.name && !st.done && st.proto === 'tcp')
        st.strays.set(key, (st.strays.get(key) ?? 0) + 1);
  }
}

function timeoutWhy(st: ItemState, retries: number, ip: Ipv4, port: number): string {
  const rtx = `${retries} SYN retransmission${retries === 1 ? '' : 's'}`;
  if (st.strays.size === 0) return ` (no SYN-ACK; ${rtx})`;
  const [who, n] = [...st.strays.entries()][0]!;
  return ` (${rtx}): each SYN-ACK came from ${who}, not ${formatIpv4(ip)}:${port}, so ${st.from} answered it with RST (${n}x)`;
}

function sessionWhy(st: ItemState, ip: Ipv4, port: number): string {
  return `connected to ${formatIpv4(ip)}:${port}, ${st.answered} of ${st.sent} message${st.sent === 1 ? '' : 's'} answered, closed`;
}

function outcomeLine(st: ItemState): string {
  return `${st.from} -> ${st.to} ${st.proto} ${st.ok ? 'ok' : 'failed'}: ${st.reason}`;
}

function firstLine(t: string): string {
  return t.split(/\r?\n/)[0] ?? '';
}

const ERRNO_TEXT: Readonly<Record<string, string>> = dict({
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
  EAGAIN: 'no free local port',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EPERM: 'operation not permitted',
});

function errnoText(e: string): string {
  const text = ERRNO_TEXT[e];
  return text ? `${text} (${e})` : e;
}

function parseTarget(text: string): { ip: Ipv4; port?: number } | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)(?::(\d{1,5}))?$/.exec(text);
  if (!m) return undefined;
  const ip = parseIpv4(m[1]!);
  if (ip === undefined) return undefined;
  if (m[2] === undefined) return { ip };
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { ip, port };
}

/** µs as the runner's --at takes them back: `2.5s`, `0.0004s`. */
function formatSeconds(us: number): string {
  return `${us / 1_000_000}s`;
}
