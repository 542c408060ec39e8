// Every visible text in English and Chinese. A plain typed object per language: the type
// checker proves both languages have every key, no framework needed.
// The accessible names the design fixes as a contract (Play, Step back, Scenario, Outcome,
// `conntrack <host>`, ...) are NOT here: they stay English in both languages (see a11y.ts).

import type { StopKey } from '../engine/api';
import { type FixWords, fixWordsEn, fixWordsZh } from './fixText';

export type Lang = 'en' | 'zh';

export interface Dict {
  readonly tagline: string;
  readonly scenario: string;
  readonly play: string;
  readonly pause: string;
  readonly step: string;
  readonly stepBack: string;
  readonly restart: string;
  readonly end: string;
  readonly share: string;
  readonly copied: string;
  readonly speed: string;
  readonly eventsPerSecond: string;
  readonly theme: string;
  readonly light: string;
  readonly dark: string;
  readonly language: string;
  readonly timeline: string;
  readonly eventOf: (i: number, n: number) => string;
  /** What the counter's numbers are, as its tooltip. */
  readonly counterHint: string;
  readonly atStart: string;
  readonly topology: string;
  readonly path: string;
  readonly pathEmpty: string;
  /** The path panel's tab that shows the packet as `nft monitor trace` prints it. */
  readonly nftTraceTab: string;
  readonly nftTraceNone: string;
  readonly pathViews: string;
  readonly packet: string;
  readonly followPlayhead: string;
  readonly conntrack: string;
  readonly conntrackOff: string;
  readonly conntrackEmpty: string;
  readonly filter: string;
  readonly rules: string;
  readonly hosts: string;
  readonly settings: string;
  readonly outcome: string;
  readonly outcomePending: string;
  readonly ok: string;
  readonly failed: string;
  readonly account: string;
  readonly accountPacket: string;
  readonly accountRun: string;
  readonly teaching: string;
  readonly limitations: string;
  readonly loading: string;
  readonly running: string;
  readonly workerDied: (reason: string) => string;
  /** `instead`: what the app shows in the link's place, the default scenario or the user's last work. */
  readonly badLink: (reason: string, instead?: 'default' | 'work') => string;
  readonly runFailed: (reason: string) => string;
  readonly badFile: (reason: string) => string;
  /** The browser's storage refused the work (too large): a reload will not bring it back. */
  readonly workNotSaved: (size: string) => string;
  readonly fileTooLarge: (limitKb: number) => string;
  readonly runStopped: (partial: boolean) => string;
  /** A run the engine ended at a budget: the stop's key and params, and the engine's English text. */
  readonly runBudget: (key: StopKey, p: Readonly<Record<string, string | number>>, text: string) => string;
  readonly stop: string;
  readonly progress: (events: number, ms: number) => string;
  readonly nothingShown: string;
  readonly openFile: string;
  readonly edited: string;
  readonly bridgedNote: string;
  readonly pipeline: string;
  /** The console panel (issue 10). */
  readonly console: string;
  readonly consoleHint: string;
  readonly changes: string;
  readonly noChanges: string;
  readonly undo: string;
  readonly redo: string;
  readonly remove: string;
  readonly presentation: string;
  readonly exportSvg: string;
  readonly exportPng: string;
  readonly exportSave: string;
  readonly exportNoRun: string;
  readonly exportScenario: string;
  readonly plNoFns: string;
  readonly plBridge: string;
  readonly plRouting: string;
  readonly plLocal: string;
  readonly plBypass: string;
  readonly plBypassed: string;
  readonly plBnfOff: string;
  readonly plBypassHint: string;
  readonly plCallHint: string;
  readonly dismiss: string;
  readonly before: string;
  readonly after: string;
  readonly future: string;
  readonly entries: (n: number) => string;
  readonly fixes: string;
  readonly lesson: string;
  readonly lessonNone: string;
  readonly lessonStepOf: (i: number, n: number) => string;
  readonly lessonBack: string;
  readonly lessonNext: string;
  readonly lessonRight: string;
  readonly lessonWrong: (answer: string) => string;
  readonly lessonTask: (host: string) => string;
  readonly lessonTaskTodo: string;
  readonly lessonTaskDone: string;
  readonly lessonNoMoment: string;
  readonly lessonLook: string;
  readonly fixSearching: (runs: number, planned: number) => string;
  readonly fixCancel: string;
  readonly fixCancelled: string;
  readonly fixFailed: (reason: string) => string;
  readonly fixNone: (conn: string) => string;
  readonly fixFor: (conn: string) => string;
  readonly fixNothingFailed: string;
  readonly fixTruncated: (runs: number) => string;
  readonly fixUndo: string;
  readonly fixFind: string;
  readonly fixApply: string;
  readonly fixApplied: (n: number) => string;
  readonly fixPathShow: string;
  readonly fixPathFor: (packet: string) => string;
  readonly fixPathWithout: string;
  readonly fixPathWith: string;
  /** A fix's reason, its steps and packets, from the parts the search gives (fixText.ts). */
  readonly fix: FixWords;
  readonly narr: Narration;
}

/** Sentence templates for the plain-language account, one per timeline event kind. */
export interface Narration {
  readonly app: (host: string, text: string) => string;
  readonly packet: (host: string, what: string, origin: string) => string;
  readonly xmit: (host: string, dev: string, to: string) => string;
  readonly rcv: (host: string, dev: string) => string;
  readonly bridge: (bridge: string, inPort: string, decision: string, out: string) => string;
  readonly hook: (host: string, hook: string, bridged: boolean) => string;
  readonly chain: (table: string, chain: string) => string;
  readonly rule: (table: string, chain: string, n: number, text: string, verdict: string) => string;
  readonly policy: (table: string, chain: string, policy: string) => string;
  readonly target: (text: string) => string;
  readonly rewrite: (what: string, before: string, after: string) => string;
  readonly conntrack: (host: string, op: string, state: string, note: string) => string;
  readonly ctstate: (state: string, note: string) => string;
  readonly route: (host: string, text: string) => string;
  readonly neigh: (host: string, op: string, ip: string, mac: string) => string;
  readonly deliver: (host: string, to: string) => string;
  readonly drop: (host: string, text: string) => string;
  readonly cloned: (n: number) => string;
  readonly outcome: (line: string) => string;
  readonly sysctl: (host: string, key: string, value: string) => string;
  readonly runSummary: (ok: number, failed: number) => string;
}

// A count with its thousands grouped, as both languages write it (1,000,004): by hand, as the
// first Intl.NumberFormat (or toLocaleString) of a page loads locale data for 20 ms.
function num(n: number): string {
  const s = String(Math.round(Math.abs(n)));
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += ',';
    out += s[i];
  }
  return n < 0 ? `-${out}` : out;
}

const en: Dict = {
  tagline: 'netfilter packet-flow lab',
  scenario: 'Scenario',
  play: 'Play',
  pause: 'Pause',
  step: 'Step',
  stepBack: 'Step back',
  restart: 'Restart',
  end: 'End',
  share: 'Share',
  copied: 'Link copied',
  speed: 'Speed',
  eventsPerSecond: 'events/s',
  theme: 'Theme',
  light: 'Light',
  dark: 'Dark',
  language: 'Language',
  timeline: 'Timeline',
  eventOf: (i, n) => `event ${i} / ${n}`,
  counterHint: 'events shown / events in the run · virtual time of the current event since the run started',
  atStart: 'Before the first event',
  topology: 'Topology',
  path: 'Netfilter path',
  pathEmpty: 'No packet selected yet: play or step, or pick a packet.',
  nftTraceTab: 'nft monitor trace',
  nftTraceNone:
    'This packet met no nftables base chain (no iptables-nft table or nft ruleset on its way), so nft monitor trace prints nothing for it.',
  pathViews: 'Path views',
  packet: 'Packet',
  followPlayhead: 'follow the playhead',
  conntrack: 'conntrack -L',
  conntrackOff: 'No rule here loads conntrack: this namespace tracks nothing.',
  conntrackEmpty: 'conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.',
  filter: 'Filter by address',
  rules: 'Rules',
  hosts: 'Hosts',
  settings: 'Settings',
  outcome: 'Outcome',
  outcomePending: 'Not decided yet at this point of the timeline.',
  ok: 'ok',
  failed: 'failed',
  account: 'What happened',
  accountPacket: 'This packet',
  accountRun: 'The whole run',
  teaching: 'The story',
  limitations: 'Where the model simplifies',
  loading: 'Starting the engine…',
  running: 'Running…',
  workerDied: (r) => `The engine stopped (${r}). It was restarted; your scenario and settings are kept.`,
  badLink: (r, instead) =>
    `This link could not be opened (${r}).${instead === 'work' ? ' Your last work is shown instead, as you left it.' : instead === 'default' ? ' Showing the default scenario instead.' : ''}`,
  runFailed: (r) => `The scenario could not run: ${r}`,
  badFile: (r) => `This file could not be opened: ${r}`,
  workNotSaved: (n) =>
    `This work (${n}) is too large for the browser to keep: a reload will not bring it back. Save it as a file to keep it.`,
  fileTooLarge: (kb) => `larger than ${kb} kB`,
  runStopped: (partial) =>
    partial
      ? 'The run was stopped: the views show what happened up to there.'
      : 'The run was stopped. The views show what they showed before.',
  runBudget: (_key, _p, text) => `The run stopped early: ${text}. The views show what happened up to there.`,
  stop: 'Stop',
  progress: (n, ms) => `${num(n)} events, ${num(ms)} ms of virtual time`,
  nothingShown: 'Nothing to show yet: pick a scenario.',
  openFile: 'Open JSON…',
  edited: '(edited scenario)',
  bridgedNote: 'bridged, br_netfilter',
  pipeline: 'Pipeline',
  console: 'Console',
  consoleHint:
    'Enter runs it at the playhead; ↑/↓ history, Tab completes. Changing commands join the changes and the run goes on from there.',
  changes: 'Changes',
  noChanges: 'No changes: the scenario as written.',
  undo: 'Undo',
  redo: 'Redo',
  remove: 'Remove',
  presentation: 'Presentation',
  exportSvg: 'Save as SVG (standalone, styles included)',
  exportPng: 'Save as PNG image',
  exportSave: 'Save:',
  exportNoRun: 'Nothing to save: no run is shown.',
  exportScenario: 'Save JSON',
  plNoFns: 'nothing registered',
  plBridge: 'bridge forwarding',
  plRouting: 'routing decision',
  plLocal: 'local process',
  plBypass: 'not called',
  plBypassed: 'bridged past the IPv4 hooks (bridge-nf-call-iptables=0)',
  plBnfOff: 'bridge-nf-call-iptables=0: bridged frames skip the IPv4 hooks',
  plBypassHint:
    'With net.bridge.bridge-nf-call-iptables=0 br_netfilter does not call the IPv4 hooks: bridged frames skip iptables and conntrack.',
  plCallHint:
    'br_netfilter runs the IPv4 hook from inside this bridge hook (net.bridge.bridge-nf-call-iptables=1).',
  dismiss: 'Dismiss',
  before: 'before',
  after: 'after',
  future: 'not reached yet',
  entries: (n) => `${n} ${n === 1 ? 'entry' : 'entries'}`,
  fixes: 'Fixes',
  lesson: 'Lesson',
  lessonNone: 'No lesson',
  lessonStepOf: (i, n) => `Step ${i} of ${n}`,
  lessonBack: 'Back',
  lessonNext: 'Next',
  lessonRight: 'Right.',
  lessonWrong: (a) => `Not quite: the answer is "${a}".`,
  lessonTask: (h) => `Your turn: in the console on ${h}, type`,
  lessonTaskTodo: 'Not done yet: the connection does not do what this step asks.',
  lessonTaskDone: 'Done: the run now does what this step asked.',
  lessonNoMoment: 'This moment does not happen in the run on screen.',
  lessonLook: 'Look at',
  fixSearching: (r, p) => `Searching: ${r} of ${p} runs made`,
  fixCancel: 'Cancel',
  fixCancelled: 'Search cancelled.',
  fixFailed: (r) => `The search failed: ${r}`,
  fixNone: (c) => `No fix found for ${c}.`,
  fixFor: (c) => `For ${c}:`,
  fixNothingFailed: 'Nothing failed: every connection succeeded.',
  fixTruncated: (r) => `The search stopped after ${r} runs; it may have missed fixes.`,
  fixUndo: 'Undo fix',
  fixFind: 'What would make this work?',
  fixApply: 'Apply',
  fixApplied: (n) => `${n} fix${n === 1 ? '' : 'es'} applied as changes at the start of the run.`,
  fixPathShow: 'What changes for the packet',
  fixPathFor: (p) => `The first packet whose way changes: ${p}.`,
  fixPathWithout: 'Without the fix',
  fixPathWith: 'With the fix',
  fix: fixWordsEn,
  narr: {
    app: (h, t) => `On ${h}, the application: ${t}.`,
    packet: (h, w, o) => `${h} creates a packet (${o}): ${w}.`,
    xmit: (h, d, to) => `${h} sends it out of ${d}${to ? ` towards ${to}` : ''}.`,
    rcv: (h, d) => `It arrives at ${h} on ${d}.`,
    bridge: (b, i, d, o) => `Bridge ${b} receives it on port ${i} and decides: ${d}${o ? ` (${o})` : ''}.`,
    hook: (h, k, br) =>
      `On ${h} it enters the ${k} hook${br ? ' (a bridged frame, seen by br_netfilter)' : ''}.`,
    chain: (t, c) => `The ${t} table's ${c} chain is walked.`,
    rule: (t, c, n, x, v) => `Rule ${n} of ${t}/${c} matches: ${x} → ${v}.`,
    policy: (t, c, p) => `No rule of ${t}/${c} ends the walk: the policy ${p} applies.`,
    target: (x) => `Side effect: ${x}.`,
    rewrite: (w, b, a) => `${w} rewrites the packet: ${b} becomes ${a}.`,
    conntrack: (h, op, s, n) => `conntrack on ${h}: ${op}${s ? `, ctstate ${s}` : ''}${n ? ` (${n})` : ''}.`,
    ctstate: (s, n) => `conntrack has no entry for it: ctstate ${s} (${n}).`,
    route: (h, t) => `${h} looks up the route: ${t}.`,
    neigh: (h, op, ip, mac) => `${h} neighbour table, ${ip}: ${op}${mac ? ` ${mac}` : ''}.`,
    deliver: (h, to) => `Delivered on ${h} to ${to}.`,
    drop: (h, t) => `Dropped on ${h}: ${t}.`,
    cloned: (n) => `The bridge floods it as ${n} copies.`,
    outcome: (l) => `Outcome: ${l}.`,
    sysctl: (h, k, v) => `On ${h}, ${k} = ${v}.`,
    runSummary: (ok, f) => `${ok} connection(s) succeeded, ${f} failed.`,
  },
};

const zh: Dict = {
  tagline: 'netfilter 数据包路径实验室',
  scenario: '场景',
  play: '播放',
  pause: '暂停',
  step: '前进一步',
  stepBack: '后退一步',
  restart: '从头开始',
  end: '跳到结尾',
  share: '分享',
  copied: '链接已复制',
  speed: '速度',
  eventsPerSecond: '事件/秒',
  theme: '主题',
  light: '浅色',
  dark: '深色',
  language: '语言',
  timeline: '时间线',
  eventOf: (i, n) => `事件 ${i} / ${n}`,
  counterHint: '已显示事件数 / 本次运行的事件总数 · 当前事件的虚拟时间（自运行开始）',
  atStart: '第一个事件之前',
  topology: '拓扑',
  path: 'Netfilter 路径',
  pathEmpty: '尚未选中数据包：请播放或单步执行，或选择一个数据包。',
  nftTraceTab: 'nft monitor trace',
  nftTraceNone:
    '该数据包一路上没有经过任何 nftables 基础链（没有 iptables-nft 表或 nft 规则集），因此 nft monitor trace 不会为它输出任何内容。',
  pathViews: '路径视图',
  packet: '数据包',
  followPlayhead: '跟随播放位置',
  conntrack: 'conntrack -L',
  conntrackOff: '此处没有规则加载 conntrack：该命名空间不跟踪任何连接。',
  conntrackEmpty: 'conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.',
  filter: '按地址过滤',
  rules: '规则',
  hosts: '主机',
  settings: '设置',
  outcome: '结果',
  outcomePending: '在时间线的这一点上尚未有结果。',
  ok: '成功',
  failed: '失败',
  account: '发生了什么',
  accountPacket: '当前数据包',
  accountRun: '整个运行',
  teaching: '讲解',
  limitations: '模型的简化之处',
  loading: '正在启动引擎…',
  running: '正在运行…',
  workerDied: (r) => `引擎已停止（${r}）。已重新启动，你的场景和设置均已保留。`,
  badLink: (r, instead) =>
    `无法打开此链接（${r}）。${instead === 'work' ? '改为显示你上次的工作，保持原样。' : instead === 'default' ? '改为显示默认场景。' : ''}`,
  runFailed: (r) => `场景无法运行：${r}`,
  badFile: (r) => `无法打开此文件：${r}`,
  workNotSaved: (n) => `当前工作（${n}）太大，浏览器无法保存：重新加载后将无法恢复。请另存为文件以保留。`,
  fileTooLarge: (kb) => `超过 ${kb} kB`,
  runStopped: (partial) =>
    partial ? '运行已停止：视图显示停止之前发生的一切。' : '运行已停止。视图仍显示停止前的内容。',
  runBudget: (key, p) => `运行提前结束：${zhStop(key, p)}。视图显示此前发生的一切。`,
  stop: '停止',
  progress: (n, ms) => `${num(n)} 个事件，虚拟时间 ${num(ms)} 毫秒`,
  nothingShown: '暂无内容：请选择一个场景。',
  openFile: '打开 JSON…',
  edited: '（编辑过的场景）',
  bridgedNote: '桥接帧，br_netfilter',
  pipeline: '处理流水线',
  console: '控制台',
  consoleHint: '回车在播放位置执行；↑/↓ 翻历史，Tab 补全。修改类命令会记入变更，运行从那一刻起带着它继续。',
  changes: '变更',
  noChanges: '没有变更：场景如原样。',
  undo: '撤销',
  redo: '重做',
  remove: '删除',
  presentation: '演示模式',
  exportSvg: '保存为 SVG（独立文件，含样式）',
  exportPng: '保存为 PNG 图片',
  exportSave: '保存：',
  exportNoRun: '没有可保存的内容：当前没有运行结果。',
  exportScenario: '保存 JSON',
  plNoFns: '未注册任何函数',
  plBridge: '网桥转发',
  plRouting: '路由决策',
  plLocal: '本地进程',
  plBypass: '不调用',
  plBypassed: '桥接帧绕过了 IPv4 钩子（bridge-nf-call-iptables=0）',
  plBnfOff: 'bridge-nf-call-iptables=0：桥接帧跳过 IPv4 钩子',
  plBypassHint:
    'net.bridge.bridge-nf-call-iptables=0 时 br_netfilter 不调用 IPv4 钩子：桥接帧跳过 iptables 和 conntrack。',
  plCallHint: 'br_netfilter 在这个网桥钩子里运行 IPv4 钩子（net.bridge.bridge-nf-call-iptables=1）。',
  dismiss: '关闭',
  before: '改写前',
  after: '改写后',
  future: '尚未到达',
  entries: (n) => `${n} 条记录`,
  fixes: '修复',
  lesson: '课程',
  lessonNone: '不使用课程',
  lessonStepOf: (i, n) => `第 ${i} 步，共 ${n} 步`,
  lessonBack: '上一步',
  lessonNext: '下一步',
  lessonRight: '答对了。',
  lessonWrong: (a) => `不对：正确答案是“${a}”。`,
  lessonTask: (h) => `轮到你了：在 ${h} 的控制台中输入`,
  lessonTaskTodo: '尚未完成：连接还没有达到这一步的要求。',
  lessonTaskDone: '完成：现在的运行结果达到了这一步的要求。',
  lessonNoMoment: '当前的运行中没有出现这个时刻。',
  lessonLook: '请看',
  fixSearching: (r, p) => `搜索中：已运行 ${r} / ${p} 次`,
  fixCancel: '取消',
  fixCancelled: '搜索已取消。',
  fixFailed: (r) => `搜索失败：${r}`,
  fixNone: (c) => `没有找到能让 ${c} 成功的修改。`,
  fixFor: (c) => `${c}：`,
  fixNothingFailed: '没有失败的连接：每个连接都成功了。',
  fixTruncated: (r) => `搜索在 ${r} 次运行后停止，可能遗漏了修复。`,
  fixUndo: '撤销修复',
  fixFind: '怎样才能成功？',
  fixApply: '应用',
  fixApplied: (n) => `已在运行开始时应用 ${n} 个修复。`,
  fixPathShow: '数据包的路径有何变化',
  fixPathFor: (p) => `第一个路径发生变化的数据包：${p}。`,
  fixPathWithout: '不做修改',
  fixPathWith: '应用修改后',
  fix: fixWordsZh,
  narr: {
    app: (h, t) => `${h} 上的应用程序：${t}。`,
    packet: (h, w, o) => `${h} 产生一个数据包（${o}）：${w}。`,
    xmit: (h, d, to) => `${h} 从 ${d} 发出${to ? `，发往 ${to}` : ''}。`,
    rcv: (h, d) => `数据包在 ${h} 的 ${d} 上到达。`,
    bridge: (b, i, d, o) => `网桥 ${b} 从端口 ${i} 收到它，决定：${d}${o ? `（${o}）` : ''}。`,
    hook: (h, k, br) => `在 ${h} 上进入 ${k} 钩子${br ? '（桥接帧，由 br_netfilter 送入 iptables）' : ''}。`,
    chain: (t, c) => `遍历 ${t} 表的 ${c} 链。`,
    rule: (t, c, n, x, v) => `${t}/${c} 的第 ${n} 条规则匹配：${x} → ${v}。`,
    policy: (t, c, p) => `${t}/${c} 中没有规则终结遍历：应用默认策略 ${p}。`,
    target: (x) => `附加动作：${x}。`,
    rewrite: (w, b, a) => `${w} 改写数据包：${b} 变为 ${a}。`,
    conntrack: (h, op, s, n) =>
      `${h} 上的 conntrack：${op}${s ? `，ctstate ${s}` : ''}${n ? `（${n}）` : ''}。`,
    ctstate: (s, n) => `conntrack 中没有它的条目：ctstate ${s}（${n}）。`,
    route: (h, t) => `${h} 查询路由：${t}。`,
    neigh: (h, op, ip, mac) => `${h} 的邻居表，${ip}：${op}${mac ? ` ${mac}` : ''}。`,
    deliver: (h, to) => `在 ${h} 上交付给 ${to}。`,
    drop: (h, t) => `在 ${h} 上被丢弃：${t}。`,
    cloned: (n) => `网桥将它泛洪为 ${n} 个副本。`,
    outcome: (l) => `结果：${l}。`,
    sysctl: (h, k, v) => `${h} 上 ${k} = ${v}。`,
    runSummary: (ok, f) => `${ok} 个连接成功，${f} 个失败。`,
  },
};

/** The engine's stop messages (budget.ts) in Chinese, with the same params. */
function zhStop(key: StopKey, p: Readonly<Record<string, string | number>>): string {
  switch (key) {
    case 'budget.rules':
      return `预算：${p.host} 上数据包 #${p.pkt} 在 ${p.table} ${p.hook} 中的规则求值超过 ${p.limit} 次后停止（链跳转到链）`;
    case 'budget.events':
      return `预算：记录 ${p.limit} 个时间线事件后停止`;
    case 'budget.frames':
      return `预算：链路上传送 ${p.limit} 个帧后停止`;
    case 'budget.tasks':
      return `预算：调度器执行 ${p.limit} 步后停止`;
    case 'budget.memory':
      return `预算：同时在途的数据包和定时器达到 ${p.limit} 个时停止`;
    case 'budget.bytes':
      return `预算：时间线约达 ${p.mb} MB 时停止（上限 ${p.limit} 字节）`;
    case 'storm':
      return `广播风暴：${p.frames} 个帧后停止（网桥环路：一个帧回到了 ${p.host} 上它已经经过的 ${p.bridge}）`;
    case 'cancelled':
      return `在 ${p.tasks} 个调度步骤后取消`;
    default: {
      const never: never = key;
      return never;
    }
  }
}

export const dictionaries: Readonly<Record<Lang, Dict>> = { en, zh };

/** Words the engine's structured events carry, translated for the Chinese account. */
const ZH_WORDS: Readonly<Record<string, string>> = {
  forward: '转发',
  flood: '泛洪',
  local: '交给本机',
  drop: '丢弃',
  new: '创建未确认条目',
  confirmed: '条目确认并插入表中',
  update: '条目状态更新',
  lookup: '匹配已有条目',
  nat: '建立 NAT 绑定',
  destroy: '条目删除',
  'early-drop': '为腾出空间被提前丢弃',
  freed: '未确认条目随数据包释放',
  hit: '命中',
  miss: '未命中',
  learn: '学习',
  resolved: '已解析',
  failed: '解析失败',
  socket: '套接字',
  'tcp-stack': 'TCP 协议栈',
  icmp: 'ICMP',
  arp: 'ARP',
  reject: 'REJECT',
  raw: '原始套接字',
};

export function word(lang: Lang, w: string): string {
  return lang === 'zh' ? (ZH_WORDS[w] ?? w) : w;
}
