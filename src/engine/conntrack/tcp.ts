import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, type TcpHeader } from '../packet';
import type { CtEntry } from './entry';
import { type CtSettings, TCP_STATE_ORDER } from './timeouts';
import { IPS_ASSURED, IPS_SEEN_REPLY, type TcpCtState } from './types';

// The TCP tracker of nf_conntrack_proto_tcp.c (tcp_packet): the state table, the ignore/
// invalid cases, the timeout choice and ASSURED. Sequence-window checks are reduced to the
// bookkeeping the timeouts need (td_end and "data unacknowledged"); every segment is taken
// as in-window (as with nf_conntrack_tcp_be_liberal=1), and the max_retrans cap is left out.

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

function after(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** tcp_in_window, reduced: track td_end and the "data unacknowledged" flag per direction. */
function trackWindow(e: CtEntry, dir: 0 | 1, th: TcpHeader): void {
  const seq = th.seq >>> 0;
  const end = (seq + th.payloadLen + (th.flags & TCP_SYN ? 1 : 0) + (th.flags & TCP_FIN ? 1 : 0)) >>> 0;
  const senderEnd = dir === 0 ? e.tcpEnd0 : e.tcpEnd1;
  if (senderEnd < 0) {
    setEnd(e, dir, end);
  } else if (end !== seq && after(end, senderEnd)) {
    setEnd(e, dir, end);
    if (dir === 0) e.tcpUnacked0 = true;
    else e.tcpUnacked1 = true;
  }
  // A segment without ACK counts as acknowledging everything, as in the kernel.
  const receiverEnd = dir === 0 ? e.tcpEnd1 : e.tcpEnd0;
  const ack = th.flags & TCP_ACK ? th.ack >>> 0 : receiverEnd;
  if (receiverEnd >= 0 && ack === receiverEnd) {
    if (dir === 0) e.tcpUnacked1 = false;
    else e.tcpUnacked0 = false;
  }
}

function setEnd(e: CtEntry, dir: 0 | 1, end: number): void {
  if (dir === 0) e.tcpEnd0 = end;
  else e.tcpEnd1 = end;
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
 * Runs one segment through the tracker. `dir` 0 = ORIGINAL, 1 = REPLY. Updates the entry's
 * state, timeout and ASSURED bit; on TCP_ACCEPT the caller refreshes the timer.
 */
export function tcpPacket(e: CtEntry, dir: 0 | 1, th: TcpHeader, s: CtSettings): TcpVerdict {
  if (!tcpFlagsValid(th.flags)) return TCP_INVALID;
  const oldState = stateIndexOf(e);
  const index = tcpIndex(th.flags);
  let newState = TRANSITIONS[dir]![index]![oldState]!;
  const dirName = dir === 0 ? 'ORIGINAL' : 'REPLY';
  let old = oldState;

  if (newState === sSS && oldState >= sTW) {
    // A SYN on a closed or aborted connection: delete it and let the SYN start a new one.
    const closeInit = e.tcpCloseInit0 || e.tcpCloseInit1;
    if (closeInit || (e.tcpLastDir === dirName && e.tcpLastIndex === TCP_RST_SET)) return TCP_REOPEN;
    newState = sIG;
  }
  if (newState === sIG) {
    // b) a SYN/ACK answering a SYN we ignored: client and server are in sync, we resync.
    if (index === TCP_SYNACK_SET && e.tcpLastIndex === TCP_SYN_SET && e.tcpLastDir !== dirName) {
      old = sSS;
      newState = sSR;
    } else {
      e.tcpLastIndex = index;
      e.tcpLastDir = dirName;
      return TCP_IGNORED;
    }
  }
  if (newState === sIV) return TCP_INVALID;

  trackWindow(e, dir, th);
  e.tcpLastIndex = index;
  e.tcpLastDir = dirName;
  e.tcpState = TCP_STATE_NAMES[newState]!;
  e.tcpStateIndex = newState;
  if (old !== newState && newState === sFW) {
    if (dir === 0) e.tcpCloseInit0 = true;
    else e.tcpCloseInit1 = true;
  }

  let timeout: number;
  const stateTimeout = s.tcpByIndex[newState]!;
  if (index === TCP_RST_SET) timeout = s.tcp.CLOSE;
  else if ((e.tcpUnacked0 || e.tcpUnacked1) && stateTimeout > s.tcpUnack) timeout = s.tcpUnack;
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
