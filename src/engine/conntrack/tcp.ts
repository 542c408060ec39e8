import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, type TcpHeader } from '../packet';
import type { CtEntry, TcpSeen, TcpTrack } from './entry';
import { type CtSettings, TCP_STATE_ORDER } from './timeouts';
import { IPS_ASSURED, IPS_SEEN_REPLY, type TcpCtState } from './types';

// The TCP tracker of nf_conntrack_proto_tcp.c (Linux 6.x nf_conntrack_tcp_packet): the state
// table, the ignore/invalid cases, window tracking (tcp_in_window: td_end, td_maxend,
// td_maxwin, td_scale and the four checks), nf_conntrack_tcp_be_liberal, mid-stream pickup
// with nf_conntrack_tcp_loose, the max_retrans timeout cap, the timeout choice and ASSURED.

// Packet classes (tcp_conntrack_get_index), in the kernel's priority RST > SYN(+ACK) > FIN > ACK.
export const TCP_SYN_SET = 0;
export const TCP_SYNACK_SET = 1;
export const TCP_FIN_SET = 2;
export const TCP_ACK_SET = 3;
export const TCP_RST_SET = 4;
export const TCP_NONE_SET = 5;

export function tcpIndex(flags: number): number {
  if (flags & TCP_RST) return TCP_RST_SET;
  if (flags & TCP_SYN) return flags & TCP_ACK ? TCP_SYNACK_SET : TCP_SYN_SET;
  if (flags & TCP_FIN) return TCP_FIN_SET;
  if (flags & TCP_ACK) return TCP_ACK_SET;
  return TCP_NONE_SET;
}

/** tcp_valid_flags (PSH does not matter; the model has no URG/ECE/CWR). */
export function tcpFlagsValid(flags: number): boolean {
  const f = flags & ~TCP_PSH;
  return (
    f === TCP_SYN ||
    f === (TCP_SYN | TCP_ACK) ||
    f === TCP_RST ||
    f === (TCP_RST | TCP_ACK) ||
    f === (TCP_FIN | TCP_ACK) ||
    f === TCP_ACK
  );
}

// State indices in the kernel's order (enum tcp_conntrack); IV and IG are the table's markers.
const sNO = 0;
const sSS = 1;
const sSR = 2;
const sES = 3;
const sFW = 4;
const sCW = 5;
const sLA = 6;
const sTW = 7;
const sCL = 8;
const sS2 = 9;
const sIV = 10;
const sIG = 11;

export const TCP_STATE_NAMES: readonly TcpCtState[] = TCP_STATE_ORDER;

const STATE_INDEX: Readonly<Record<TcpCtState, number>> = {
  NONE: sNO,
  SYN_SENT: sSS,
  SYN_RECV: sSR,
  ESTABLISHED: sES,
  FIN_WAIT: sFW,
  CLOSE_WAIT: sCW,
  LAST_ACK: sLA,
  TIME_WAIT: sTW,
  CLOSE: sCL,
  SYN_SENT2: sS2,
};

/** tcp_conntracks[dir][index][state], copied from nf_conntrack_proto_tcp.c. */
// biome-ignore format: the table reads as the kernel's
const TRANSITIONS: readonly (readonly (readonly number[])[])[] = [
  [
    /*           sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2 */
    /* syn    */ [sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2],
    /* synack */ [sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR],
    /* fin    */ [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
    /* ack    */ [sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV],
    /* rst    */ [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    /* none   */ [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
  ],
  [
    /*           sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2 */
    /* syn    */ [sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2],
    /* synack */ [sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR],
    /* fin    */ [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
    /* ack    */ [sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG],
    /* rst    */ [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    /* none   */ [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
  ],
];

/** What the tracker decided for one segment. */
export const TCP_ACCEPT = 0; // state machine ran: refresh the timer with `entry.timeout`
export const TCP_IGNORED = 1; // accepted with the entry attached, timer not refreshed
export const TCP_INVALID = 2; // no entry attached: ctstate INVALID
export const TCP_KILL = 3; // accepted, but the entry is deleted at once (RST as the only reply)
export const TCP_REOPEN = 4; // SYN reopening a closed connection: delete the entry and look up again
export type TcpVerdict = 0 | 1 | 2 | 3 | 4;

/** tcp_new: may this segment create an entry? (SYN always; a mid-stream ACK with tcp_loose.) */
export function tcpMayCreate(flags: number, loose: boolean): boolean {
  const next = TRANSITIONS[0]![tcpIndex(flags)]![sNO]!;
  if (next === sSS) return true;
  return next === sES && loose;
}

// Sequence arithmetic modulo 2^32, as include/net/tcp.h before()/after().
function before(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
function after(a: number, b: number): boolean {
  return ((b - a) | 0) < 0;
}

// IP_CT_TCP_FLAG_* (uapi nf_conntrack_tcp.h).
const F_WINDOW_SCALE = 0x01;
const F_SACK_PERM = 0x02;
const F_CLOSE_INIT = 0x04;
const F_BE_LIBERAL = 0x08;
const F_DATA_UNACKNOWLEDGED = 0x10;
const F_MAXACK_SET = 0x20;

/** MAXACKWINDOW: how far below td_end an ACK may lag. */
function maxAckWindow(s: TcpSeen): number {
  return Math.max(s.maxwin, 66000);
}

function seqPlusLen(th: TcpHeader): number {
  return (th.seq + th.payloadLen + (th.flags & TCP_SYN ? 1 : 0) + (th.flags & TCP_FIN ? 1 : 0)) >>> 0;
}

function newSeen(): TcpSeen {
  return { end: 0, maxend: 0, maxwin: 0, scale: 0, flags: 0, maxack: 0 };
}

/** tcp_options: the window scale option of a SYN (the model's segments carry no SACK blocks). */
function tcpOptions(th: TcpHeader, seen: TcpSeen): void {
  if (th.wscale !== undefined) {
    seen.flags |= F_WINDOW_SCALE | F_SACK_PERM;
    seen.scale = Math.min(th.wscale, 14);
  }
}

/** tcp_new: the entry's first segment, a SYN or (tcp_loose) a segment picked up mid-stream. */
function tcpNew(th: TcpHeader): TcpTrack {
  const seen: [TcpSeen, TcpSeen] = [newSeen(), newSeen()];
  const s0 = seen[0];
  s0.end = seqPlusLen(th);
  s0.maxwin = th.window === 0 ? 1 : th.window;
  if (TRANSITIONS[0]![tcpIndex(th.flags)]![sNO] === sSS) {
    s0.maxend = s0.end;
    tcpOptions(th, s0);
  } else {
    // In the middle of a connection whose history is lost: window scaling cannot be known, so
    // both directions are checked liberally from now on.
    s0.maxend = (s0.end + s0.maxwin) >>> 0;
    s0.flags = seen[1].flags = F_SACK_PERM | F_BE_LIBERAL;
  }
  return {
    seen,
    lastIndex: TCP_NONE_SET,
    lastDir: 0,
    lastSeq: 0,
    lastAck: 0,
    lastEnd: 0,
    lastWin: 0,
    lastWscale: 0,
    lastFlags: 0,
    retrans: 0,
  };
}

/** tcp_init_sender: a SYN-ACK (or a SYN of a simultaneous open) sets up its direction. */
function initSender(sender: TcpSeen, receiver: TcpSeen, th: TcpHeader, end: number): void {
  sender.end = sender.maxend = end;
  sender.maxwin = th.window === 0 ? 1 : th.window;
  tcpOptions(th, sender);
  // RFC 7323: both sides must send the option for either to scale.
  if (!(sender.flags & F_WINDOW_SCALE && receiver.flags & F_WINDOW_SCALE)) sender.scale = receiver.scale = 0;
}

const WIN_ACCEPT = 0;
const WIN_IGNORE = 1;
const WIN_INVALID = 2;

/** Why the last segment was INVALID, as the kernel's nf_ct_tcp log line says it. */
let invalidWhy = '';
export function tcpInvalidReason(): string {
  return invalidWhy;
}

/** Liberal (sysctl or a picked-up connection): what would be INVALID or ignored is accepted. */
function logInvalid(sender: TcpSeen, liberal: boolean, verdict: number, why: string): number {
  if (liberal || sender.flags & F_BE_LIBERAL) return WIN_ACCEPT;
  invalidWhy = why;
  return verdict;
}

/** tcp_in_window (nf_conntrack_proto_tcp.c, Linux 6.x): the four window checks and the bookkeeping. */
function tcpInWindow(
  e: CtEntry,
  t: TcpTrack,
  dir: 0 | 1,
  index: number,
  th: TcpHeader,
  s: CtSettings,
): number {
  const sender = t.seen[dir];
  const receiver = t.seen[dir === 0 ? 1 : 0];
  let seq = th.seq >>> 0;
  let ack = th.ack >>> 0;
  let sack = ack;
  let win = th.window;
  let end = seqPlusLen(th);
  const state = stateIndexOf(e);

  if (sender.maxwin === 0) {
    if (th.flags & TCP_SYN) {
      initSender(sender, receiver, th, end);
      if (!(th.flags & TCP_ACK)) return WIN_ACCEPT; // simultaneous open
    } else {
      sender.end = end;
      const swin = win * 2 ** sender.scale;
      sender.maxwin = swin === 0 ? 1 : swin;
      sender.maxend = (end + sender.maxwin) >>> 0;
      if (receiver.maxwin === 0) receiver.end = receiver.maxend = sack;
      else if (sack === (receiver.end + 1) >>> 0) receiver.end = (receiver.end + 1) >>> 0; // keepalive reply
    }
  } else if (th.flags & TCP_SYN && after(end, sender.end) && (state === sSS || state === sSR)) {
    // A retransmitted SYN(-ACK) with a new sequence number re-initialises its direction.
    initSender(sender, receiver, th, end);
    if (dir === 1 && !(th.flags & TCP_ACK)) return WIN_ACCEPT;
  }

  if (!(th.flags & TCP_ACK)) ack = sack = receiver.end;
  else if ((th.flags & (TCP_ACK | TCP_RST)) === (TCP_ACK | TCP_RST) && ack === 0) ack = sack = receiver.end;

  if (th.flags & TCP_RST && seq === 0 && state === sSS) seq = end = sender.end; // RST answering a SYN

  const liberal = s.tcpBeLiberal;
  if (!before(seq, (sender.maxend + 1) >>> 0)) {
    const overshot = (end - sender.maxend + 1) >>> 0;
    const ackOk = after(sack, (receiver.end - maxAckWindow(sender) - 1) >>> 0);
    const inRecvWin = receiver.maxwin !== 0 && after(end, (sender.end - receiver.maxwin - 1) >>> 0);
    if (inRecvWin && ackOk && overshot <= receiver.maxwin && before(sack, (receiver.end + 1) >>> 0)) {
      // A sender that overshoots the window a little: keep td_end so the ACK for it fits.
      sender.end = end;
      sender.flags |= F_DATA_UNACKNOWLEDGED;
      return WIN_ACCEPT;
    }
    return logInvalid(
      sender,
      liberal,
      WIN_INVALID,
      `SEQ is over upper bound ${(sender.maxend + 1) >>> 0} (over the window of the receiver)`,
    );
  }
  if (!before(sack, (receiver.end + 1) >>> 0))
    return logInvalid(
      sender,
      liberal,
      WIN_INVALID,
      `ACK is over upper bound ${(receiver.end + 1) >>> 0} (ACKed data not seen yet)`,
    );
  const inRecvWin = receiver.maxwin === 0 || after(end, (sender.end - receiver.maxwin - 1) >>> 0);
  if (!inRecvWin)
    return logInvalid(
      sender,
      liberal,
      WIN_IGNORE,
      `SEQ is under lower bound ${(sender.end - receiver.maxwin - 1) >>> 0} (already ACKed data retransmitted)`,
    );
  if (!after(sack, (receiver.end - maxAckWindow(sender) - 1) >>> 0))
    return logInvalid(
      sender,
      liberal,
      WIN_IGNORE,
      `ignored ACK under lower bound ${(receiver.end - maxAckWindow(sender) - 1) >>> 0} (possible overly delayed)`,
    );

  if (!(th.flags & TCP_SYN)) win *= 2 ** sender.scale;
  const swin = win + ((sack - ack) >>> 0);
  if (sender.maxwin < swin) sender.maxwin = swin;
  if (after(end, sender.end)) {
    sender.end = end;
    sender.flags |= F_DATA_UNACKNOWLEDGED;
  }
  if (th.flags & TCP_ACK) {
    if (!(sender.flags & F_MAXACK_SET)) {
      sender.maxack = ack;
      sender.flags |= F_MAXACK_SET;
    } else if (after(ack, sender.maxack)) sender.maxack = ack;
  }
  if (receiver.maxwin !== 0 && after(end, sender.maxend)) receiver.maxwin += (end - sender.maxend) >>> 0;
  if (after((sack + win) >>> 0, (receiver.maxend - 1) >>> 0)) {
    receiver.maxend = (sack + win) >>> 0;
    if (win === 0) receiver.maxend = (receiver.maxend + 1) >>> 0;
  }
  if (ack === receiver.end) receiver.flags &= ~F_DATA_UNACKNOWLEDGED;

  // Retransmissions: the same ACK-class segment again in the same direction.
  if (index === TCP_ACK_SET) {
    if (
      t.lastDir === dir &&
      t.lastSeq === seq &&
      t.lastAck === ack &&
      t.lastEnd === end &&
      t.lastWin === th.window
    )
      t.retrans++;
    else {
      t.lastDir = dir;
      t.lastSeq = seq;
      t.lastAck = ack;
      t.lastEnd = end;
      t.lastWin = th.window;
      t.retrans = 0;
    }
  }
  return WIN_ACCEPT;
}

/**
 * The state number of the entry. tcpPacket keeps `tcpStateIndex` beside the name it sets, so
 * the per-packet path reads a number; the name is checked so a state set any other way is
 * still read right.
 */
function stateIndexOf(e: CtEntry): number {
  const st = e.tcpState;
  if (st === undefined) return sNO;
  const i = e.tcpStateIndex;
  return i >= 0 && TCP_STATE_NAMES[i] === st ? i : STATE_INDEX[st];
}

/**
 * Runs one segment through the tracker (nf_conntrack_tcp_packet). `dir` 0 = ORIGINAL,
 * 1 = REPLY. Updates the entry's state, window data, timeout and ASSURED bit; on TCP_ACCEPT
 * the caller refreshes the timer.
 */
export function tcpPacket(e: CtEntry, dir: 0 | 1, th: TcpHeader, s: CtSettings): TcpVerdict {
  if (!tcpFlagsValid(th.flags)) {
    invalidWhy = 'invalid TCP flag combination';
    return TCP_INVALID;
  }
  if (e.tcp === undefined) e.tcp = tcpNew(th);
  const t = e.tcp;
  const oldState = stateIndexOf(e);
  const index = tcpIndex(th.flags);
  let newState = TRANSITIONS[dir]![index]![oldState]!;
  let old = oldState;
  let inWindow = false;

  if (newState === sSS && oldState >= sTW) {
    // A SYN on a closed or aborted connection: delete it and let the SYN start a new one;
    // otherwise the SYN is ignored.
    if (
      (t.seen[0].flags | t.seen[1].flags) & F_CLOSE_INIT ||
      (t.lastDir === dir && t.lastIndex === TCP_RST_SET)
    )
      return TCP_REOPEN;
    newState = sIG;
  }
  switch (newState) {
    case sIG:
      if (
        index === TCP_SYNACK_SET &&
        t.lastIndex === TCP_SYN_SET &&
        t.lastDir !== dir &&
        th.ack >>> 0 === t.lastEnd
      ) {
        // b) a SYN/ACK answering a SYN we ignored: client and server are in sync, we resync.
        old = sSS;
        newState = sSR;
        const ld = t.seen[t.lastDir];
        ld.end = ld.maxend = t.lastEnd;
        ld.maxwin = t.lastWin === 0 ? 1 : t.lastWin;
        ld.scale = t.lastWscale;
        ld.flags = t.lastFlags;
        t.seen[dir] = newSeen();
        break;
      }
      t.lastIndex = index;
      t.lastDir = dir;
      t.lastSeq = th.seq >>> 0;
      t.lastEnd = seqPlusLen(th);
      t.lastWin = th.window;
      if (index === TCP_SYN_SET && dir === 0) {
        // a) a SYN in ORIGINAL: remember its options in case the server answers it.
        const seen = newSeen();
        tcpOptions(th, seen);
        t.lastFlags = seen.flags;
        t.lastWscale = seen.scale;
      }
      return TCP_IGNORED;
    case sIV:
      invalidWhy = `invalid state (${TCP_STATE_NAMES[oldState]} cannot take ${['SYN', 'SYN/ACK', 'FIN', 'ACK', 'RST', 'no flags'][index]})`;
      return TCP_INVALID;
    case sCL: {
      if (index !== TCP_RST_SET) break;
      const other = t.seen[dir === 0 ? 1 : 0];
      if (other.flags & F_MAXACK_SET) {
        const seq = th.seq >>> 0;
        if (before(seq, other.maxack)) {
          invalidWhy = 'invalid rst';
          return TCP_INVALID;
        }
        const established = oldState === sES && (e.status & IPS_ASSURED) !== 0;
        if (!established || seq === other.maxack) break;
        if (t.lastIndex === TCP_ACK_SET && t.lastDir === dir && seq === t.lastEnd) break;
        // The RST does not hit the sequence exactly: keep the state for a challenge ACK.
        newState = oldState;
      }
      if (
        (((e.status & IPS_SEEN_REPLY) !== 0 && t.lastIndex === TCP_SYN_SET) ||
          ((e.status & IPS_ASSURED) === 0 && t.lastIndex === TCP_ACK_SET)) &&
        th.ack >>> 0 === t.lastEnd
      )
        inWindow = true; // a RST answering a SYN or ACK we let through unchecked
      break;
    }
    default:
      break;
  }

  if (!inWindow) {
    const r = tcpInWindow(e, t, dir, index, th, s);
    if (r === WIN_IGNORE) return TCP_IGNORED;
    if (r === WIN_INVALID) {
      handleInvalid(e, t, dir, index);
      return TCP_INVALID;
    }
  }

  t.lastIndex = index;
  t.lastDir = dir;
  e.tcpState = TCP_STATE_NAMES[newState]!;
  e.tcpStateIndex = newState;
  if (oldState !== newState && newState === sFW) t.seen[dir].flags |= F_CLOSE_INIT;

  let timeout: number;
  const stateTimeout = s.tcpByIndex[newState]!;
  if (t.retrans >= s.tcpMaxRetrans && stateTimeout > s.tcpRetrans) timeout = s.tcpRetrans;
  else if (index === TCP_RST_SET) timeout = s.tcp.CLOSE;
  else if ((t.seen[0].flags | t.seen[1].flags) & F_DATA_UNACKNOWLEDGED && stateTimeout > s.tcpUnack)
    timeout = s.tcpUnack;
  else if (t.lastWin === 0 && stateTimeout > s.tcpRetrans) timeout = s.tcpRetrans;
  else timeout = stateTimeout;

  if ((e.status & IPS_SEEN_REPLY) === 0) {
    // Only a RST came back: not a connection worth keeping (deleted at once, --RR).
    if (th.flags & TCP_RST) return TCP_KILL;
    // A retransmitted SYN does not renew the timer, so port reuse cannot keep it alive.
    if (index === TCP_SYN_SET && old === sSS) return TCP_IGNORED;
    // A picked-up connection (tcp_loose) gets no long ESTABLISHED timeout before a reply.
    if (newState === sES && timeout > s.tcpUnack) timeout = s.tcpUnack;
  } else if ((e.status & IPS_ASSURED) === 0 && (old === sSR || old === sES) && newState === sES) {
    e.status |= IPS_ASSURED;
  }
  e.timeout = timeout;
  return TCP_ACCEPT;
}

/**
 * nf_tcp_handle_invalid: an out-of-window FIN or RST of an ASSURED connection is remembered,
 * so that one from the other side too marks the connection as dying. (The kernel then also
 * cuts the timer to tcp_timeout_unacknowledged; the model leaves the timer alone.)
 */
function handleInvalid(e: CtEntry, t: TcpTrack, dir: 0 | 1, index: number): void {
  if ((e.status & IPS_ASSURED) === 0) return;
  if (index !== TCP_RST_SET && index !== TCP_FIN_SET) return;
  if (t.lastDir !== dir && (t.lastIndex === TCP_FIN_SET || t.lastIndex === TCP_RST_SET)) return;
  t.lastIndex = index;
  t.lastDir = dir;
}
