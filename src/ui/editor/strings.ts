// The editor's visible text in English and Chinese (the type makes both complete). Accessible
// names stay English in both languages, as the rest of the app's (i18n.ts): tests and outside
// checks find fields by them.
import type { Lang } from '../i18n';

export interface EditorDict {
  readonly editor: string;
  readonly editorHint: string;
  readonly undoEdit: string;
  readonly redoEdit: string;
  readonly host: string;
  readonly hostName: string;
  readonly rename: string;
  readonly removeHost: string;
  readonly newHost: string;
  readonly addHost: string;
  readonly ruleset: string;
  readonly rulesetFrom: (variant: string) => string;
  readonly rulesetOk: string;
  readonly rulesetChecking: string;
  readonly rulesetLine: (line: number) => string;
  readonly rulesetKept: string;
  readonly rulesetNftTitle: string;
  readonly interfaces: string;
  readonly name: string;
  readonly kind: string;
  readonly bridge: string;
  readonly none: string;
  readonly hairpin: string;
  readonly up: string;
  readonly addresses: string;
  readonly addressesHint: string;
  readonly peer: string;
  readonly newInterface: string;
  readonly addInterface: string;
  readonly vethPair: string;
  readonly thisEnd: string;
  readonly peerHost: string;
  readonly peerName: string;
  readonly addVeth: string;
  readonly routes: string;
  readonly dst: string;
  readonly via: string;
  readonly dev: string;
  readonly metric: string;
  readonly type: string;
  readonly addRoute: string;
  readonly noRoutes: string;
  readonly sysctls: string;
  readonly key: string;
  readonly value: string;
  readonly addSysctl: string;
  readonly noSysctls: string;
  readonly traffic: string;
  readonly noTraffic: string;
  readonly at: string;
  readonly to: string;
  readonly port: string;
  readonly count: string;
  readonly send: string;
  readonly reply: string;
  readonly addTraffic: string;
  readonly sport: string;
  readonly timeout: string;
  readonly flags: string;
  readonly seq: string;
  readonly ack: string;
  readonly len: string;
  readonly window: string;
  readonly action: string;
  readonly addAction: string;
  readonly remove: string;
  readonly refused: (where: string) => string;
}

const en: EditorDict = {
  editor: 'Editor',
  editorHint:
    'Edits are checked by the engine and run at once; a refused edit leaves the scenario as it was. Ctrl+Z / Ctrl+Shift+Z undo and redo edits (the console keeps its own undo for changes).',
  undoEdit: 'Undo edit',
  redoEdit: 'Redo edit',
  host: 'Host',
  hostName: 'Name',
  rename: 'Rename',
  removeHost: 'Remove host',
  newHost: 'New host',
  addHost: 'Add host',
  ruleset: 'Ruleset (iptables-save)',
  rulesetFrom: (v) => `the ruleset of setting ${v}`,
  rulesetOk: 'Parses; the run follows it.',
  rulesetChecking: 'Checking…',
  rulesetLine: (n) => `line ${n}`,
  rulesetKept: 'The run keeps the last ruleset that parsed.',
  rulesetNftTitle: 'Native nftables (nft list ruleset)',
  interfaces: 'Interfaces',
  name: 'Name',
  kind: 'Kind',
  bridge: 'Bridge',
  none: '(none)',
  hairpin: 'hairpin',
  up: 'up',
  addresses: 'Addresses',
  addressesHint: 'CIDR, separated by spaces',
  peer: 'peer',
  newInterface: 'New interface',
  addInterface: 'Add interface',
  vethPair: 'veth pair',
  thisEnd: 'This end',
  peerHost: 'Peer host',
  peerName: 'Peer end',
  addVeth: 'Add veth pair',
  routes: 'Routes',
  dst: 'Destination',
  via: 'Via',
  dev: 'Device',
  metric: 'Metric',
  type: 'Type',
  addRoute: 'Add route',
  noRoutes: 'Only the connected routes of the addresses.',
  sysctls: 'Sysctls',
  key: 'Key',
  value: 'Value',
  addSysctl: 'Add sysctl',
  noSysctls: "The kernel's defaults.",
  traffic: 'Traffic',
  noTraffic: 'No traffic: nothing happens in the run.',
  at: 'At (ms)',
  to: 'To',
  port: 'Port',
  count: 'Count',
  send: 'Send',
  reply: 'Reply',
  addTraffic: 'Add traffic',
  sport: 'Source port',
  timeout: 'Timeout (ms)',
  flags: 'Flags (S F R P A)',
  seq: 'Seq (snd_nxt±N or a number)',
  ack: 'Ack (rcv_nxt±N or a number)',
  len: 'Length',
  window: 'Window',
  action: 'Action',
  addAction: 'Add action',
  remove: 'Remove',
  refused: (w) => (w ? `Refused (${w}):` : 'Refused:'),
};

const zh: EditorDict = {
  editor: '编辑器',
  editorHint:
    '每次编辑都由引擎检查并立即运行；被拒绝的编辑不会改变场景。Ctrl+Z / Ctrl+Shift+Z 撤销和重做编辑（控制台的变更有自己的撤销）。',
  undoEdit: '撤销编辑',
  redoEdit: '重做编辑',
  host: '主机',
  hostName: '名称',
  rename: '重命名',
  removeHost: '删除主机',
  newHost: '新主机',
  addHost: '添加主机',
  ruleset: '规则集（iptables-save）',
  rulesetFrom: (v) => `设置 ${v} 的规则集`,
  rulesetOk: '解析成功；运行随之更新。',
  rulesetChecking: '检查中…',
  rulesetLine: (n) => `第 ${n} 行`,
  rulesetKept: '运行保留最后一次解析成功的规则集。',
  rulesetNftTitle: '原生 nftables（nft list ruleset）',
  interfaces: '网络接口',
  name: '名称',
  kind: '类型',
  bridge: '网桥',
  none: '（无）',
  hairpin: 'hairpin',
  up: '启用',
  addresses: '地址',
  addressesHint: 'CIDR 格式，以空格分隔',
  peer: '对端',
  newInterface: '新接口',
  addInterface: '添加接口',
  vethPair: 'veth 对',
  thisEnd: '本端',
  peerHost: '对端主机',
  peerName: '对端接口',
  addVeth: '添加 veth 对',
  routes: '路由',
  dst: '目的地址',
  via: '网关',
  dev: '设备',
  metric: '度量值',
  type: '类型',
  addRoute: '添加路由',
  noRoutes: '只有地址生成的直连路由。',
  sysctls: '内核参数',
  key: '参数名',
  value: '值',
  addSysctl: '添加内核参数',
  noSysctls: '内核默认值。',
  traffic: '流量',
  noTraffic: '没有流量：运行中什么也不会发生。',
  at: '时间（毫秒）',
  to: '目标',
  port: '端口',
  count: '次数',
  send: '发送',
  reply: '回复',
  addTraffic: '添加流量',
  sport: '源端口',
  timeout: '超时（毫秒）',
  flags: '标志（S F R P A）',
  seq: '序号（snd_nxt±N 或数字）',
  ack: '确认号（rcv_nxt±N 或数字）',
  len: '长度',
  window: '窗口',
  action: '动作',
  addAction: '添加动作',
  remove: '删除',
  refused: (w) => (w ? `被拒绝（${w}）：` : '被拒绝：'),
};

export const editorDicts: Readonly<Record<Lang, EditorDict>> = { en, zh };
