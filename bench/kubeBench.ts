import { type Scenario, scenarioSchema } from '../src/engine';
import { ipv4 } from '../src/engine/net/ipv4';
import { TCP_SYN } from '../src/engine/packet';
import { buildWorld } from '../src/engine/sim/run';
import { netifRx } from '../src/engine/stack/ip';
import { newSkb } from '../src/engine/stack/skb';
import { benchKubeEval, benchParse100k } from './iptablesBench';
import { generateKubeProxyRules, kubeServices } from './kubeRules';

// First packets of new connections through a kube-proxy node with 10,000 Services, through the
// whole node path (conntrack, nat PREROUTING with the KUBE-* chains, DNAT binding, routing,
// filter FORWARD, nat POSTROUTING, confirm), timeline off; indexed walk against a naive scan.
// Rates are by the process's CPU time over the packet loop (user and system, every thread, so
// GC helpers count), not the wall clock: the machine is shared, and a neighbour's load would
// otherwise be measured too.

/** The node as iptables-save text, or (`nft`) as kube-proxy's nftables ruleset. */
function node(rules: string, nft = false): Scenario {
  return scenarioSchema.parse({
    version: 1,
    id: 'bench-kube-node',
    hosts: [
      {
        name: 'node',
        interfaces: [
          { name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'] },
          { name: 'eth0', kind: 'ethernet', addresses: ['192.168.0.10/24'] },
          { name: 'eth1', kind: 'ethernet', addresses: ['10.0.0.1/24'] },
        ],
        routes: [{ dst: '10.244.0.0/14', via: '10.0.0.2' }],
        sysctls: { 'net.ipv4.ip_forward': '1' },
        ...(nft ? { nft_ruleset: rules } : { iptables_save: rules }),
      },
    ],
  });
}

/** New connections per CPU second: each packet a fresh connection to a Service picked at random. */
export function run(rules: string, naive: boolean, packets: number, nft = false, services = 10_000): number {
  const b = buildWorld(node(rules, nft), false, naive);
  if (!b.ok) throw new Error(b.error);
  const w = b.world;
  const h = w.hosts.get('node')!;
  const eth0 = h.ifaces.get('eth0')!;
  h.ifaces.get('eth1')!.neigh.set(ipv4('10.0.0.2'), '02:00:00:00:00:02');
  const svcs = kubeServices(services);
  const vips = svcs.map((s) => ({ ip: ipv4(s.vip), port: s.port }));
  const client = ipv4('192.168.0.50');
  let pick = 12345;
  const c0 = process.cpuUsage();
  for (let i = 0; i < packets; i++) {
    // An exact 32-bit LCG (Math.imul: a plain product loses its low bits past 2^53, and cycled
    // after 7,323 packets over 738 distinct Services of 10,000), mapped by its high bits.
    pick = (Math.imul(pick, 1103515245) + 12345) >>> 0;
    const v = vips[Math.floor((pick / 2 ** 32) * vips.length)]!;
    const l4 = {
      proto: 6 as const,
      sport: 1024 + (i % 60000),
      dport: v.port,
      flags: TCP_SYN,
      seq: i,
      ack: 0,
      window: 64240,
      payloadLen: 0,
    };
    const ip = {
      src: (client + Math.floor(i / 60000)) as typeof client,
      dst: v.ip,
      ttl: 64,
      id: i & 0xffff,
      proto: 6,
      len: 60,
      l4,
    };
    netifRx(w, h, eth0, newSkb(i, undefined, { src: '02:00:00:00:00:50', dst: eth0.mac, type: 0x0800, ip }));
    while (w.sched.step()) {
      /* drain */
    }
  }
  const cpu = process.cpuUsage(c0);
  const ms = (cpu.user + cpu.system) / 1000;
  const confirmed = (h.nf as { table: { count: number } }).table.count;
  if (confirmed < packets * 0.99)
    throw new Error(`only ${confirmed} of ${packets} connections were confirmed`);
  return (packets / ms) * 1000;
}

/**
 * The figures. `new_conns_per_s_10k_services` / `speedup_vs_linear`: first packets
 * through the 10k-Service rule set (the nat PREROUTING walk that decides each new connection),
 * indexed against a naive first-match scan. `node_*`: the same first packets through the whole
 * node path (conntrack entry, the walk, the NAT binding with its port search, routing, FORWARD,
 * POSTROUTING, confirm), which is what a new connection costs end to end.
 */
export function benchKubeNewConns(): {
  new_conns_per_s_10k_services: number;
  speedup_vs_linear: number;
  node_new_conns_per_s_10k_services: number;
  node_speedup_vs_linear: number;
  parse_ms_100k_lines: number;
} {
  const walk = benchKubeEval(10_000);
  const rules = generateKubeProxyRules(10_000, 2);
  run(rules, false, 20_000); // warm-up
  const indexed = run(rules, false, 200_000);
  const naive = run(rules, true, 2_000);
  return {
    new_conns_per_s_10k_services: walk.evals_per_s_indexed,
    speedup_vs_linear: walk.speedup,
    node_new_conns_per_s_10k_services: Math.round(indexed),
    node_speedup_vs_linear: Math.round((indexed / naive) * 10) / 10,
    ...benchParse100k(),
  };
}
