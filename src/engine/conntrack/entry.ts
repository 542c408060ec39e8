import type { CtDir, CtEntryData, TcpCtState, Tuple } from './types';

/** struct ip_ct_tcp_state: what conntrack knows of one direction's sequence space. */
export interface TcpSeen {
  /** td_end: highest sequence number sent + 1. */
  end: number;
  /** td_maxend: highest right edge of the window the other side advertised. */
  maxend: number;
  /** td_maxwin: largest window seen (0: direction not seen yet). */
  maxwin: number;
  /** td_scale: window scale this direction applies. */
  scale: number;
  /** IP_CT_TCP_FLAG_* bits. */
  flags: number;
  /** td_maxack: highest ACK this direction sent (valid with MAXACK_SET). */
  maxack: number;
}

/** struct ip_ct_tcp, less the state (kept on the entry as tcpState). */
export interface TcpTrack {
  readonly seen: [TcpSeen, TcpSeen];
  lastIndex: number;
  lastDir: 0 | 1;
  lastSeq: number;
  lastAck: number;
  lastEnd: number;
  lastWin: number;
  lastWscale: number;
  lastFlags: number;
  retrans: number;
}

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

  /** TCP tracker memory (struct ip_ct_tcp); made by the tracker for the entry's first segment. */
  tcp: TcpTrack | undefined = undefined;

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
