// Writes src/scenarios/iptables-vs-nftables.json: the same 31 Services on two nodes, kube-proxy
// in iptables mode on one and in nftables mode on the other, with the rulesets each mode writes
// (bench/kubeRules.ts, bench/kubeRulesNft.ts). Run: npx tsx scripts/gen-iptables-vs-nftables.ts
import { writeFileSync } from 'node:fs';
import { fakeHash, type KubeService, kubeProxyIptablesRules } from '../bench/kubeRules';
import { kubeProxyNftRuleset } from '../bench/kubeRulesNft';
import { formatIptablesSave, parseIptablesSave } from '../src/engine/iptables';

const svc = (name: string, vip: string, endpoints: string[]): KubeService => ({
  name,
  vip,
  port: 80,
  endpoints,
  svcChain: `KUBE-SVC-${fakeHash(`${name}tcp`)}`,
});
// Thirty Services that sort before the one the pods call, then default/web, so that iptables
// mode walks KUBE-SERVICES past all of them while nftables mode looks web up in one map.
const services = [
  ...Array.from({ length: 30 }, (_, i) =>
    svc(`default/api-${String(i).padStart(2, '0')}:http`, `10.96.0.${20 + i}`, [`10.244.3.${10 + i}`]),
  ),
  svc('default/web:http', '10.96.0.10', ['10.244.2.3']),
];
const parsed = parseIptablesSave(kubeProxyIptablesRules(services), 'generated');
if (!parsed.ok) throw new Error(parsed.error.message);
const iptables = formatIptablesSave(parsed.ruleset, { header: false });
const nft = kubeProxyNftRuleset(services, { nodeIps: ['10.0.0.2'] });

const lo = { name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'] };
const pod = (name: string, addr: string, gw: string, node: string, port: string, x: number, y: number) => ({
  name,
  role: { en: 'pod', zh: 'Pod' },
  interfaces: [
    lo,
    { name: 'eth0', kind: 'veth', addresses: [`${addr}/24`], peer: { host: node, ifname: port } },
  ],
  routes: [{ dst: 'default', via: gw, dev: 'eth0' }],
  position: { x, y },
});
const node = (
  name: string,
  n: 1 | 2,
  ports: [string, string][],
  rules: { iptables_save?: string; nft_ruleset?: string },
  role: { en: string; zh: string },
  x: number,
) => ({
  name,
  role,
  interfaces: [
    lo,
    {
      name: 'eth0',
      kind: 'ethernet',
      addresses: [`10.0.0.${n}/24`],
      peer: { host: n === 1 ? 'node-nft' : 'node-ipt', ifname: 'eth0' },
    },
    { name: 'cni0', kind: 'bridge', addresses: [`10.244.${n}.1/24`], mcast_snooping: 0 },
    ...ports.map(([p, peer]) => ({
      name: p,
      kind: 'veth',
      master: 'cni0',
      hairpin: false,
      peer: { host: peer, ifname: 'eth0' },
    })),
  ],
  routes: [{ dst: `10.244.${3 - n}.0/24`, via: `10.0.0.${3 - n}`, dev: 'eth0' }],
  sysctls: { 'net.ipv4.ip_forward': '1', 'net.bridge.bridge-nf-call-iptables': '1' },
  ...rules,
  position: { x, y: 0.35 },
});

const scenario = {
  version: 1,
  id: 'iptables-vs-nftables',
  title: {
    en: 'The same Services, iptables mode and nftables mode',
    zh: '同样的 Service：iptables 模式与 nftables 模式',
  },
  summary: {
    en: 'Two nodes of one cluster know the same 31 Services. kube-proxy runs in iptables mode on node-ipt and in nftables mode on node-nft. A pod on each calls Service default/web (10.96.0.10:80), whose endpoint is web on node-nft: iptables mode walks one rule per Service before it finds web, nftables mode finds it with one verdict-map lookup.',
    zh: '同一集群的两个节点知道同样的 31 个 Service。node-ipt 上 kube-proxy 以 iptables 模式运行，node-nft 上以 nftables 模式运行。两边各有一个 Pod 访问 Service default/web（10.96.0.10:80），其端点是 node-nft 上的 web：iptables 模式要逐条走过每个 Service 的规则才找到 web，nftables 模式只需在判决映射（verdict map）里查一次。',
  },
  teaching: {
    en: [
      "Both nodes got their rules from kube-proxy for the same Services and endpoints. On node-ipt they are iptables rules (`iptables-save`); on node-nft they are one nftables table, `table ip kube-proxy` (`nft list ruleset`, the runner's `--format nft`). Both rulesets hook into the same netfilter hooks and use the same conntrack and NAT core: the DNAT of the first packet is remembered by conntrack and every later packet of the connection is translated without looking at a rule.",
      "Follow pod-1's SYN on node-ipt: nat PREROUTING jumps to KUBE-SERVICES, which holds one rule per Service port, `-d <ClusterIP>/32 -p tcp --dport 80 -j KUBE-SVC-...`. The walk tries them in order; web's rule is the 31st. A node with 10,000 Services walks up to 10,000 rules for every new connection, and rewrites them all on every change.",
      "Follow pod-2's SYN on node-nft: the nat chain `nat-prerouting` jumps to `services`, whose first rule is `ip daddr . meta l4proto . th dport vmap @service-ips`: one hash lookup of 10.96.0.10 . tcp . 80 in a map that holds every Service, with the verdict `goto service-...-default/web/tcp/http`. The cost does not grow with the number of Services. `numgen random mod N vmap { ... }` then picks an endpoint (here N is 1), and the endpoint chain says `dnat to 10.244.2.3:8080`.",
      "The two modes also differ in where they filter: kube-proxy's nftables table has its own base chains (`filter-prerouting-pre-dnat` at priority dstnat - 10, `filter-forward` at filter) beside whatever else the node has; iptables mode puts KUBE-FORWARD into the shared filter table. Open the pipeline of node-nft to see them registered at their priorities.",
      'Compare the figures with `npm run bench`: nft_node_new_conns_per_s_100, _1k and _10k stay about the same, while iptables mode slows down as Services are added.',
    ],
    zh: [
      '两个节点的规则都由 kube-proxy 根据同样的 Service 和端点生成。node-ipt 上是 iptables 规则（`iptables-save`）；node-nft 上是一张 nftables 表 `table ip kube-proxy`（`nft list ruleset`，即运行器的 `--format nft`）。两套规则挂在同样的 netfilter 钩子上，使用同一个 conntrack 和 NAT 核心：首包的 DNAT 由 conntrack 记住，同一连接后续的包无需再查规则即被转换。',
      '跟踪 pod-1 在 node-ipt 上的 SYN：nat PREROUTING 跳到 KUBE-SERVICES，其中每个 Service 端口一条规则 `-d <ClusterIP>/32 -p tcp --dport 80 -j KUBE-SVC-...`。匹配按顺序逐条尝试，web 的规则是第 31 条。有 10,000 个 Service 的节点，每个新连接要走最多 10,000 条规则，而且每次变化都要重写全部规则。',
      '跟踪 pod-2 在 node-nft 上的 SYN：nat 链 `nat-prerouting` 跳到 `services`，第一条规则是 `ip daddr . meta l4proto . th dport vmap @service-ips`：在一个容纳所有 Service 的映射里对 10.96.0.10 . tcp . 80 做一次哈希查找，判决为 `goto service-...-default/web/tcp/http`。开销不随 Service 数量增长。随后 `numgen random mod N vmap { ... }` 选出端点（这里 N 为 1），端点链执行 `dnat to 10.244.2.3:8080`。',
      '两种模式过滤的位置也不同：kube-proxy 的 nftables 表有自己的基础链（优先级 dstnat - 10 的 `filter-prerouting-pre-dnat`、优先级 filter 的 `filter-forward`），与节点上其他规则并存；iptables 模式则把 KUBE-FORWARD 放进共享的 filter 表。打开 node-nft 的 pipeline 视图，可以看到它们按优先级注册。',
      '用 `npm run bench` 对比数据：nft_node_new_conns_per_s_100、_1k、_10k 基本持平，而 iptables 模式随 Service 增多而变慢。',
    ],
  },
  hosts: [
    node(
      'node-ipt',
      1,
      [['veth-p1', 'pod-1']],
      { iptables_save: iptables },
      {
        en: 'Kubernetes node, kube-proxy in iptables mode',
        zh: 'Kubernetes 节点，kube-proxy 为 iptables 模式',
      },
      0.3,
    ),
    node(
      'node-nft',
      2,
      [
        ['veth-p2', 'pod-2'],
        ['veth-web', 'web'],
      ],
      { nft_ruleset: nft },
      {
        en: 'Kubernetes node, kube-proxy in nftables mode',
        zh: 'Kubernetes 节点，kube-proxy 为 nftables 模式',
      },
      0.7,
    ),
    pod('pod-1', '10.244.1.2', '10.244.1.1', 'node-ipt', 'veth-p1', 0.2, 0.8),
    pod('pod-2', '10.244.2.2', '10.244.2.1', 'node-nft', 'veth-p2', 0.6, 0.8),
    {
      ...pod('web', '10.244.2.3', '10.244.2.1', 'node-nft', 'veth-web', 0.85, 0.8),
      role: { en: 'web server pod, endpoint of default/web', zh: 'Web 服务 Pod，default/web 的端点' },
    },
  ],
  traffic: [
    { kind: 'tcp-listen', host: 'web', port: 8080, reply: 'hello from web\n' },
    {
      kind: 'tcp-connect',
      host: 'pod-1',
      to: '10.96.0.10:80',
      at: 0,
      send: 'GET / HTTP/1.0\r\n\r\n',
      timeout: 4000,
      label: {
        en: 'pod-1 on the iptables node calls default/web',
        zh: 'iptables 节点上的 pod-1 访问 default/web',
      },
    },
    {
      kind: 'tcp-connect',
      host: 'pod-2',
      to: '10.96.0.10:80',
      at: 100,
      send: 'GET / HTTP/1.0\r\n\r\n',
      timeout: 4000,
      label: {
        en: 'pod-2 on the nftables node calls default/web',
        zh: 'nftables 节点上的 pod-2 访问 default/web',
      },
    },
  ],
  settings: [],
  limitations: [],
};
writeFileSync(
  new URL('../src/scenarios/iptables-vs-nftables.json', import.meta.url),
  `${JSON.stringify(scenario, null, 2)}\n`,
);
