// nf_conntrack for nflab: tuples, the per-namespace table with its L4 trackers, and the
// text formats of conntrack-tools and /proc.
export { CtEntry } from './entry';
export {
  ctTimeoutSeconds,
  formatConntrackEvent,
  formatConntrackL,
  formatProcConntrack,
  formatTuple,
  HZ,
} from './format';
export {
  ConntrackTable,
  type ConntrackTableOptions,
  type CtInResult,
  type CtRemoved,
  type CtStats,
  TABLE_FULL_MESSAGE,
} from './table';
export { type CtSettings, readCtSettings, SECOND, type Sysctls } from './timeouts';
export {
  hashOfTuple,
  icmpErrorInnerTuple,
  invertTuple,
  isIcmpError,
  isIcmpQueryRequest,
  packetDport,
  packetSport,
  tupleEquals,
  tupleHash,
  tupleOf,
} from './tuple';
export * from './types';
