// The hostile inputs of issue 8, as scenario files: small links that used to take a tab or the
// runner down (exponential rule walks, L2 loops, runaway timers, huge floods, JS property
// names as user text, deep nesting). hostile.test.ts runs the runner on each; `npm run fuzz`
// and the memory script use them too. Each says what the runner must answer.
import type { ScenarioInput } from '../../engine';

export interface HostileCase {
  readonly name: string;
  /** The file's text (usually JSON.stringify of a scenario; some are malformed on purpose). */
  readonly text: string;
  readonly args?: readonly string[];
  /** 0: a run (perhaps stopped by a budget, then stderr says which); 2: refused, one line. */
  readonly exit: 0 | 2;
  /** What stderr (exit 2) or the budget line (exit 0) must match. */
  readonly says: RegExp;
}

const lo = { name: 'lo', kind: 'loopback' as const, addresses: ['127.0.0.1/8'] };

function filter(chains: readonly string[], rules: readonly string[]): string {
  return [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ...chains.map((c) => `:${c} - [0:0]`),
    ...rules,
    'COMMIT',
    '',
  ].join('\n');
}

/** `n` user chains, each jumping `fanout` times to the next: fanout^n walks of the last one. */
export function jumpTree(n: number, fanout: number): string {
  const chains = Array.from({ length: n }, (_, i) => `C${i}`);
  const rules = ['-A OUTPUT -j C0'];
  for (let i = 0; i + 1 < n; i++) for (let k = 0; k < fanout; k++) rules.push(`-A C${i} -j C${i + 1}`);
  return filter(chains, rules);
}

/** One host that pings a peer through `a`'s ruleset. */
function pinger(ruleset: string, id: string): ScenarioInput {
  return {
    version: 1,
    id,
    hosts: [
      {
        name: 'a',
        interfaces: [
          lo,
          { name: 'eth0', kind: 'veth', addresses: ['10.0.0.1/24'], peer: { host: 'b', ifname: 'eth0' } },
        ],
        iptables_save: ruleset,
      },
      {
        name: 'b',
        interfaces: [
          lo,
          { name: 'eth0', kind: 'veth', addresses: ['10.0.0.2/24'], peer: { host: 'a', ifname: 'eth0' } },
        ],
      },
    ],
    traffic: [{ kind: 'ping', host: 'a', to: '10.0.0.2', count: 3 }],
  };
}

/** Two bridges on `node` joined by two veth pairs: an L2 loop; pod's ARP broadcast storms. */
function twoBridgeLoop(): ScenarioInput {
  return {
    version: 1,
    id: 'l2-loop-bridges',
    hosts: [
      {
        name: 'node',
        interfaces: [
          lo,
          { name: 'br0', kind: 'bridge', addresses: ['10.0.0.1/24'] },
          { name: 'br1', kind: 'bridge' },
          { name: 'x0', kind: 'veth', master: 'br0', peer: { host: 'node', ifname: 'x1' } },
          { name: 'x1', kind: 'veth', master: 'br1', peer: { host: 'node', ifname: 'x0' } },
          { name: 'y0', kind: 'veth', master: 'br0', peer: { host: 'node', ifname: 'y1' } },
          { name: 'y1', kind: 'veth', master: 'br1', peer: { host: 'node', ifname: 'y0' } },
          { name: 'v-pod', kind: 'veth', master: 'br1', peer: { host: 'pod', ifname: 'eth0' } },
        ],
      },
      {
        name: 'pod',
        interfaces: [
          lo,
          { name: 'eth0', kind: 'veth', addresses: ['10.0.0.2/24'], peer: { host: 'node', ifname: 'v-pod' } },
        ],
      },
    ],
    traffic: [{ kind: 'ping', host: 'pod', to: '10.0.0.9' }],
  };
}

/** A bridge on each of two hosts, joined by two veth pairs. */
function twoHostLoop(): ScenarioInput {
  const side = (me: string, other: string, addr: string) => ({
    name: me,
    interfaces: [
      lo,
      { name: 'br0', kind: 'bridge' as const, addresses: [addr] },
      { name: 'p0', kind: 'veth' as const, master: 'br0', peer: { host: other, ifname: 'p0' } },
      { name: 'p1', kind: 'veth' as const, master: 'br0', peer: { host: other, ifname: 'p1' } },
    ],
  });
  return {
    version: 1,
    id: 'l2-loop-hosts',
    hosts: [side('left', 'right', '10.0.0.1/24'), side('right', 'left', '10.0.0.2/24')],
    traffic: [{ kind: 'ping', host: 'left', to: '10.0.0.9' }],
  };
}

/** Both ends of one veth pair on the same bridge, hairpin on: allowed by the kernel, and a loop. */
function vethBothEndsOnBridge(): ScenarioInput {
  return {
    version: 1,
    id: 'veth-loop-hairpin',
    hosts: [
      {
        name: 'node',
        interfaces: [
          lo,
          { name: 'br0', kind: 'bridge', addresses: ['10.0.0.1/24'] },
          { name: 'va', kind: 'veth', master: 'br0', hairpin: true, peer: { host: 'node', ifname: 'vb' } },
          { name: 'vb', kind: 'veth', master: 'br0', hairpin: true, peer: { host: 'node', ifname: 'va' } },
        ],
      },
    ],
    traffic: [{ kind: 'ping', host: 'node', to: '10.0.0.9' }],
  };
}

/** A veth whose peer is itself, on a hairpin bridge port: the kernel refuses the pair. */
function vethSelf(): ScenarioInput {
  return {
    version: 1,
    id: 'veth-self',
    hosts: [
      {
        name: 'node',
        interfaces: [
          lo,
          { name: 'br0', kind: 'bridge', addresses: ['10.0.0.1/24'] },
          { name: 'va', kind: 'veth', master: 'br0', hairpin: true, peer: { host: 'node', ifname: 'va' } },
        ],
      },
    ],
    traffic: [{ kind: 'ping', host: 'node', to: '10.0.0.9' }],
  };
}

function bridgeIn(master: string, kind: 'bridge' | 'loopback', name: string): ScenarioInput {
  return {
    version: 1,
    id: 'bad-port',
    hosts: [
      {
        name: 'node',
        interfaces: [
          ...(kind === 'loopback' ? [] : [lo]),
          { name: 'br0', kind: 'bridge', addresses: ['10.0.0.1/24'], ...(name === 'br0' ? { master } : {}) },
          ...(name !== 'br0' ? [{ name, kind, addresses: ['127.0.0.1/8'], master }] : []),
        ],
      },
    ],
  };
}

function synRetries(): ScenarioInput {
  const s = pinger('', 'syn-retries');
  return {
    ...s,
    hosts: s.hosts.map((h) =>
      h.name === 'a' ? { ...h, sysctls: { 'net.ipv4.tcp_syn_retries': '1000000000' } } : h,
    ),
    traffic: [{ kind: 'tcp-connect', host: 'a', to: '10.0.0.3:80', timeout: 1e12 }],
  };
}

function udpFlood(interval: number): ScenarioInput {
  const s = pinger('', `udp-flood-${interval}`);
  return {
    ...s,
    traffic: [
      { kind: 'udp-listen', host: 'b', port: 53 },
      { kind: 'udp-flood', host: 'a', to: '10.0.0.2:53', flows: 300_000, interval },
    ],
  };
}

/** An nft ruleset whose chain goes to itself: the walk would never end. */
function nftGotoLoop(): ScenarioInput {
  const s = pinger('', 'nft-goto-loop');
  const nft =
    'table inet t {\n\tchain out {\n\t\ttype filter hook output priority filter; policy accept;\n\t\tgoto x\n\t}\n\n\tchain x {\n\t\tgoto x\n\t}\n}\n';
  return { ...s, hosts: s.hosts.map((h) => (h.name === 'a' ? { ...h, nft_ruleset: nft } : h)) };
}

function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

const json = (s: ScenarioInput) => JSON.stringify(s, null, 1);

export const hostileCases: readonly HostileCase[] = [
  {
    name: 'jump-tree-40',
    text: json(pinger(jumpTree(40, 2), 'jump-tree-40')),
    exit: 2,
    says: /iptables_save: line 74: RULE_APPEND failed \(Too many links\): rule in chain C14$/,
  },
  {
    name: 'jump-tree-15',
    text: json(pinger(jumpTree(15, 3), 'jump-tree-15')),
    exit: 0,
    says: /budget: stopped after 200000 rule evaluations for packet #\d+ in filter OUTPUT on a/,
  },
  {
    name: 'chains-20000-deep',
    text: json(pinger(jumpTree(20_000, 1), 'chains-20000')),
    exit: 2,
    says: /line 20020: RULE_APPEND failed \(Too many links\): rule in chain C14$/,
  },
  {
    name: 'jump-loop',
    text: json(pinger(filter(['C0', 'C1'], ['-A OUTPUT -j C0', '-A C0 -j C1', '-A C1 -j C0']), 'jump-loop')),
    exit: 2,
    says: /line 9: RULE_APPEND failed \(Too many links\): rule in chain C1$/,
  },
  {
    name: 'nft-goto-loop',
    text: json(nftGotoLoop()),
    exit: 0,
    says: /budget: stopped after 200000 rule evaluations for packet #1 in t out OUTPUT on a/,
  },
  { name: 'l2-loop-bridges', text: json(twoBridgeLoop()), exit: 0, says: /storm: stopped after \d+ frames/ },
  { name: 'l2-loop-hosts', text: json(twoHostLoop()), exit: 0, says: /storm: stopped after \d+ frames/ },
  {
    name: 'veth-loop-hairpin',
    text: json(vethBothEndsOnBridge()),
    exit: 0,
    says: /storm: stopped after \d+ frames/,
  },
  {
    name: 'veth-self',
    text: json(vethSelf()),
    exit: 2,
    says: /interfaces\[2\]\.peer: RTNETLINK answers: File exists$/,
  },
  {
    name: 'bridge-self-port',
    text: json(bridgeIn('br0', 'bridge', 'br0')),
    exit: 2,
    says: /interfaces\[1\]\.master: Error: Can not enslave a bridge to a bridge\.$/,
  },
  {
    name: 'loopback-port',
    text: json(bridgeIn('br0', 'loopback', 'lo')),
    exit: 2,
    says: /interfaces\[1\]\.master: RTNETLINK answers: Invalid argument$/,
  },
  {
    name: 'syn-retries-1e9',
    text: json(synRetries()),
    exit: 2,
    says: /hosts\[0\]\.sysctls: sysctl: setting key "net\.ipv4\.tcp_syn_retries": Invalid argument$/,
  },
  { name: 'udp-flood-300k-interval-0', text: json(udpFlood(0)), exit: 0, says: /^$|budget: / },
  { name: 'udp-flood-300k-interval-1', text: json(udpFlood(1)), exit: 0, says: /^$|budget: / },
  {
    name: 'json-nested-100000',
    text: `{"version":1,"id":"deep","hosts":${nested(100_000)}}`,
    exit: 2,
    says: /deep|hosts/,
  },
  {
    name: 'js-names-chains',
    text: json(
      pinger(
        filter(
          ['constructor', 'toString', '__proto__', 'hasOwnProperty'],
          [
            '-A OUTPUT -j constructor',
            '-A constructor -j toString',
            '-A toString -j __proto__',
            '-A __proto__ -j hasOwnProperty',
          ],
        ),
        'js-names',
      ),
    ),
    exit: 0,
    says: /^$/,
  },
  {
    name: 'js-names-match',
    text: json(pinger(filter([], ['-A OUTPUT -m constructor -j ACCEPT']), 'js-match')),
    exit: 2,
    says: /line 5: Couldn't load match `constructor':No such file or directory$/,
  },
  {
    name: 'js-names-variant',
    text: json(pinger('', 'js-variant')),
    args: ['--set', 'a:variant=constructor'],
    exit: 2,
    says: /--set a:variant=constructor: no variant constructor \(known: none\)$/,
  },
];
