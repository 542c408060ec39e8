// The iptables model: parse and print what iptables-save / iptables -L show, and walk a
// table for a packet as the kernel does.
export { formatIptablesList, type ListOptions } from './list';
export { conntrackReason } from './needs';
export { type ParseResult, parseIptablesSave } from './parse';
export * from './ruleset';
export { formatIptablesSave, formatRule, type SaveOptions } from './save';
export type * from './types';
export { type CreateOptions, createIptables, type IptablesRuntime } from './walk';
