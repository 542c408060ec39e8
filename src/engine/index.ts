// The engine's public entry: everything the worker, the CLI and the parity harness use.
export type * from './api';
export { formatConntrackEvent, formatConntrackL, formatProcConntrack } from './conntrack';
export type { CtEntryData, CtState, TcpCtState, Tuple } from './conntrack/types';
export { formatEther, formatFrame, formatIp, tcpKind } from './format/packet';
export { formatIptablesList, formatIptablesSave, parseIptablesSave } from './iptables';
export { formatIpv4, parseIpv4 } from './net/ipv4';
export type { Frame, IpPacket } from './packet';
export { applySettings, parseScenario, parseScenarioText } from './scenario/load';
export type { HostSpec, ScenarioInput, SettingSpec, TrafficSpec } from './scenario/schema';
export { scenarioSchema } from './scenario/schema';
export { defaultValue, type SettingRun, settingRuns } from './scenario/variants';
export { runScenario, simulate, startRun } from './sim/run';
export type { Hook, TableName } from './timeline/events';
export { conntrackEventLines, type CtEventKind, ctEventKind } from './timeline/ctEvents';
export { stateAt } from './timeline/replay';
export { formatTime, formatTraceLine } from './timeline/trace';
export {
  type HostView,
  hostRulesLines,
  hostRulesText,
  hostViews,
  type RulesLines,
  type RulesOutline,
  type RulesView,
} from './timeline/views';
export { isChange } from './console/change';
export { type CommandOutput, COMMANDS, KNOWN, runCommand } from './console/run';
export type { Fix, FixChange, FixProgress, FixReport, FixSearchOptions } from './fix/search';
export { findFixes, formatFixes, searchFixes, withFix } from './fix/search';
