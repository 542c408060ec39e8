// A fix's reason and what it changes for the packet, said in each language from the parts the
// fix search gives (engine/fix: reason keys and parameters, structured path steps). English
// is the engine's own wording (the runner prints the same); Chinese has its templates here,
// one per reason key, step kind and packet kind: the type checker proves none is missing.
// Commands, rule texts, addresses and kernel words stay as typed.

import type { PacketName } from '../engine/fix/flow';
import { packetNameText } from '../engine/fix/flow';
import {
  FIX_REASONS_EN,
  type FixReason,
  type FixReasonKey,
  type FixReasonParams,
} from '../engine/fix/reasons';
import { accountText, type FixAccount, type PathStep, stepText } from '../engine/fix/why';

export interface FixWords {
  readonly reason: (r: FixReason) => string;
  /** One step of the comparison; without the host when the host heads the step already. */
  readonly step: (s: PathStep, withHost: boolean) => string;
  readonly packet: (n: PacketName | undefined) => string;
  /** The whole line: each change's reason, then what changes for the packet. */
  readonly why: (reasons: readonly FixReason[], account: FixAccount | undefined) => string;
}

type Template = (p: FixReasonParams) => string;

export const FIX_REASONS_ZH: Readonly<Record<FixReasonKey, Template>> = {
  bnf: () => '开启 br_netfilter 后，桥接的 IPv4 流量会经过 iptables 和 conntrack',
  masquerade: (p) =>
    `在 ${p.host} 上做地址伪装（MASQUERADE）后，应答会经由 ${p.host} 返回，由它的 conntrack 还原 NAT`,
  snat: (p) => `在 ${p.host} 上 SNAT 到 ${p.addr} 后，应答会经由 ${p.host} 返回，由它的 conntrack 还原 NAT`,
  route: (p) => `经由 ${p.via} 到 ${p.prefix} 的路由`,
  'default-route': (p) => `经由 ${p.via} 的默认路由`,
  'link-down': (p) => `${p.host} 上的 ${p.dev} 未启用（down）`,
  'rule-delete': (p) =>
    `去掉 ${p.table} ${p.chain} 的第 ${p.rulenum} 条规则（${p.rule}）后，就没有规则丢弃它了`,
  'rule-accept-above': (p) => `在 ${p.table} ${p.chain} 的第 ${p.rulenum} 条规则之前加一条 ACCEPT，让它通过`,
  policy: (p) => `${p.table} ${p.chain} 的默认策略丢弃了它`,
  'policy-append': (p) => `在 ${p.table} ${p.chain} 末尾加一条 ACCEPT，让它在默认策略之前通过`,
  'ip-forward': (p) => `${p.host} 不转发数据包（ip_forward=0）`,
  'rp-filter': () => '反向路径过滤（rp_filter）丢弃了它',
  hairpin: (p) => `开启 hairpin_mode 后，网桥可以把帧从它进入的端口 ${p.dev} 再发回去`,
  'ct-max': () => '更大的 conntrack 表有空间容纳新条目',
  'ct-liberal': () => 'conntrack 不再把窗口外的报文段标记为 INVALID',
  'ct-liberal-nat': () => '开启 be_liberal 后，conntrack 把窗口外的报文段当作连接的一部分，并还原它们的 NAT',
  'invalid-drop': (p) =>
    `在 ${p.host} 的 ${p.hook} 中丢弃 INVALID 数据包，conntrack 无法归类的那个数据包就到不了对端`,
  'dnat-ping': (p) => `${p.host} 上的 DNAT 把它转发给 ${p.server}（${p.addr}）`,
  dnat: (p) => `${p.host} 上的 DNAT 把它转发给 ${p.to} 上的服务器`,
};

const PACKET_ZH: Readonly<Record<PacketName['kind'], string>> = {
  tcp: '',
  udp: 'UDP 数据报',
  'echo-request': 'ICMP 回显请求',
  'echo-reply': 'ICMP 回显应答',
  'icmp-error': 'ICMP 差错报文',
  ip: '数据包',
  arp: 'ARP 帧',
};

function packetZh(n: PacketName | undefined): string {
  if (!n) return '该数据包';
  if (n.kind === 'arp') return PACKET_ZH.arp;
  return `${n.kind === 'tcp' ? n.flags : PACKET_ZH[n.kind]} ${n.src} > ${n.dst}`;
}

function stepZh(s: PathStep, withHost: boolean): string {
  const on = withHost ? `在 ${s.host} 上` : '';
  const say = s.say;
  switch (say.step) {
    case 'hook':
      return `${on}经过 ${say.hook}`;
    case 'rule':
      return `${on}遇到 ${say.table} ${say.chain} 的第 ${say.rulenum} 条规则（${say.verdict}）`;
    case 'policy':
      return `${on}遇到 ${say.table} ${say.chain} 的 ${say.policy} 策略`;
    case 'rewrite':
      return `${on}被 ${say.what} 改写为 ${packetZh(say.into)}`;
    case 'route':
      return `${on}找不到路由`;
    case 'drop':
      return `${on}被丢弃（${say.text}）`;
    case 'deliver':
      return `${on}交付给 ${say.to}`;
  }
}

const reasonEn = (r: FixReason) => FIX_REASONS_EN[r.key](r.params);

export const fixWordsEn: FixWords = {
  reason: reasonEn,
  step: (s, withHost) =>
    withHost ? stepText(s.say, s.host) : stepText(s.say, s.host).replace(` on ${s.host}`, ''),
  packet: (n) => (n ? packetNameText(n) : 'the packet'),
  why: (reasons, account) => accountText(reasons.map(reasonEn).join('; and '), account),
};

export const fixWordsZh: FixWords = {
  reason: (r) => FIX_REASONS_ZH[r.key](r.params),
  step: stepZh,
  packet: packetZh,
  why: (reasons, a) => {
    const hint = reasons.map((r) => FIX_REASONS_ZH[r.key](r.params)).join('；并且');
    if (!a) return hint;
    const then = (s: PathStep | undefined) => (s ? `，然后${stepZh(s, true)}` : '');
    const b = a.before;
    const before = b
      ? `（修复前：${b.same ? '它' : `${packetZh(b.packet)} `}${stepZh(b.step, true)}${then(b.next)}）`
      : '';
    return `${hint}：${packetZh(a.packet)} 现在${stepZh(a.now, true)}${then(a.nowThen)}${before}`;
  },
};
