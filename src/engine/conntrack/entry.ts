import type { CtDir, CtEntryData, TcpCtState, Tuple } from './types';

/** One node of the tuple hash: each confirmed entry has two (ORIGINAL and REPLY). */
export interface HashNode {
  readonly entry: CtEntry;
  readonly dir: CtDir;
  hash: number;
  next: HashNode | undefined;
}

/**
 * A live conntrack entry (struct nf_conn). Mutable and owned by its ConntrackTable; the
 * outside sees it through `snapshot()` (plain CtEntryData) or reads its fields directly.
 */
export class CtEntry implements CtEntryData {
  readonly id: number;
  readonly orig: Tuple;
  /** Only NAT setup changes it, and only while the entry is unconfirmed. */
  reply: Tuple;
  status = 0;
  tcpState: TcpCtState | undefined;
  /** Table internals: tcpState as the tracker's number (-1: none yet); see tcp.ts stateIndexOf. */
  tcpStateIndex = -1;
  expiresAt: number;
  readonly createdAt: number;
  mark = 0;
  readonly zone: number;

  /** The timeout (µs) last set by the L4 tracker: the timer starts from it at confirmation. */
  timeout: number;
  /** Gone from the table (expired, killed, early-dropped or freed). */
  dead = false;

  // TCP tracker memory (ip_ct_tcp): last packet class and direction, per-direction state.
  tcpLastIndex = -1;
  tcpLastDir: CtDir = 'ORIGINAL';
  // Per-direction state (struct ip_ct_tcp_state, reduced to what the model uses), as fields
  // suffixed 0 (ORIGINAL) and 1 (REPLY) rather than two objects per connection:
  /** Highest sequence number sent + 1 (td_end); -1 until the direction is seen. */
  tcpEnd0 = -1;
  tcpEnd1 = -1;
  /** IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED: this direction sent data the peer has not acked. */
  tcpUnacked0 = false;
  tcpUnacked1 = false;
  /** IP_CT_TCP_FLAG_CLOSE_INIT: this direction sent a FIN. */
  tcpCloseInit0 = false;
  tcpCloseInit1 = false;

  /** Table internals: the shared steady-state in() result per direction (see table.ts). */
  steadyOrig: object | undefined = undefined;
  steadyReply: object | undefined = undefined;
  /** Table internals: the hash nodes of the two tuples, and timer-heap generation. */
  readonly origNode: HashNode;
  readonly replyNode: HashNode;
  heapGen = 0;
  heapAt = Number.POSITIVE_INFINITY;
  /** Table internals: the nf_nat_bysource chain (srcHash -1: not in it). */
  srcHash = -1;
  srcNext: CtEntry | undefined = undefined;

  constructor(id: number, orig: Tuple, reply: Tuple, zone: number, now: number) {
    this.id = id;
    this.orig = orig;
    this.reply = reply;
    this.zone = zone;
    this.createdAt = now;
    this.expiresAt = now;
    this.timeout = 0;
    this.tcpState = undefined;
    this.origNode = { entry: this, dir: 'ORIGINAL', hash: 0, next: undefined };
    this.replyNode = { entry: this, dir: 'REPLY', hash: 0, next: undefined };
  }
}

/** The plain, frozen data of an entry at this moment. */
export function snapshotEntry(e: CtEntry): CtEntryData {
  const data: CtEntryData = {
    id: e.id,
    orig: e.orig,
    reply: e.reply,
    status: e.status,
    ...(e.tcpState === undefined ? {} : { tcpState: e.tcpState }),
    expiresAt: e.expiresAt,
    createdAt: e.createdAt,
    mark: e.mark,
    zone: e.zone,
  };
  return Object.freeze(data);
}
