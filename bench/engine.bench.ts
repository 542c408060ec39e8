import { performance } from 'node:perf_hooks';
import { type Scenario, scenarioSchema } from '../src/engine';
import { ipv4 } from '../src/engine/net/ipv4';
import { TCP_ACK } from '../src/engine/packet';
import { buildWorld } from '../src/engine/sim/run';
import { ipLocalOut } from '../src/engine/stack/ip';
import type { TcpSock } from '../src/engine/stack/sockets';
import { tcpConnect, tcpListen } from '../src/engine/stack/sockets';
import { benchBudgetOverhead } from './budgetOverhead';
import { benchFixSearch } from './fixBench';
import { benchKubeNewConns } from './kubeBench';
import { benchNft } from './nftBench';
import { benchScenarios } from './scenarioBench';

// `npm run bench [-- --json]`: the figures issue #2 asks for, measured in one run.

const json = process.argv.includes('--json');

/** client --- router --- server, conntrack on all three, stateful FORWARD on the router. */
export const forwardingPath: Scenario = scenarioSchema.parse({
  version: 1,
  id: 'bench-forwarding',
  hosts: [
    {
      name: 'client',
      interfaces: [
        { name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'] },
        { name: 'eth0', kind: 'veth', addresses: ['10.0.1.2/24'], peer: { host: 'router', ifname: 'eth0' } },
      ],
      routes: [{ dst: 'default', via: '10.0.1.1' }],
      iptables_save:
        '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\nCOMMIT\n',
    },
    {
      name: 'router',
      interfaces: [
        { name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'] },
        { name: 'eth0', kind: 'veth', addresses: ['10.0.1.1/24'], peer: { host: 'client', ifname: 'eth0' } },
        { name: 'eth1', kind: 'veth', addresses: ['10.0.2.1/24'], peer: { host: 'server', ifname: 'eth0' } },
      ],
      sysctls: { 'net.ipv4.ip_forward': '1' },
      iptables_save:
        '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FORWARD -i eth0 -o eth1 -p tcp -m tcp --dport 80 -j ACCEPT\nCOMMIT\n',
    },
    {
      name: 'server',
      interfaces: [
        { name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'] },
        { name: 'eth0', kind: 'veth', addresses: ['10.0.2.2/24'], peer: { host: 'router', ifname: 'eth1' } },
      ],
      routes: [{ dst: 'default', via: '10.0.2.1' }],
      iptables_save:
        '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\nCOMMIT\n',
    },
  ],
});

/** Packets of one established TCP flow, client -> server through the router, timeline off. */
export function benchEstablished(packets = 1_000_000): { established_pps: number; delivered: number } {
  const b = buildWorld(forwardingPath, false);
  if (!b.ok) throw new Error(b.error);
  const w = b.world;
  const client = w.hosts.get('client')!;
  const server = w.hosts.get('server')!;
  tcpListen(w, server, ipv4('0.0.0.0'), 80, { reply: '' }, 0);
  const s = tcpConnect(w, client, ipv4('10.0.2.2'), 80, 40000, { send: '' }, 0) as TcpSock;
  while (w.sched.step()) {
    /* handshake, ARP */
  }
  if (s.state !== 'ESTABLISHED') throw new Error(`handshake failed: ${s.state}`);
  const l4 = {
    proto: 6 as const,
    sport: s.lport,
    dport: s.rport,
    flags: TCP_ACK,
    seq: s.sndNxt,
    ack: s.rcvNxt,
    window: 64240,
    payloadLen: 0,
  };
  const ip = { src: s.laddr, dst: s.raddr, ttl: 64, id: 0, proto: 6, len: 52, l4 };
  const serverNf = server.nf as { table?: { stats: { found: number } } };
  const found0 = serverNf.table?.stats.found ?? 0;
  const t0 = performance.now();
  const batch = 1;
  for (let i = 0; i < packets; i += batch) {
    for (let j = 0; j < batch; j++) ipLocalOut(w, client, ip, undefined, 'socket');
    while (w.sched.step()) {
      /* drain */
    }
  }
  const ms = performance.now() - t0;
  const delivered = (serverNf.table?.stats.found ?? 0) - found0;
  return { established_pps: Math.round((packets / ms) * 1000), delivered };
}

async function main(): Promise<void> {
  const est = benchEstablished(json ? 1_000_000 : 300_000);
  const kube = benchKubeNewConns();
  const figures = {
    ...est,
    ...kube,
    ...benchNft(),
    ...benchScenarios(),
    ...benchFixSearch(),
    ...(await benchBudgetOverhead()),
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    return;
  }
  const goals: Record<string, [number, '>=' | '<=']> = {
    established_pps: [1_000_000, '>='],
    new_conns_per_s_10k_services: [100_000, '>='],
    speedup_vs_linear: [50, '>='],
    parse_ms_100k_lines: [500, '<='],
    fix_search_ms_max: [2000, '<='],
    budget_overhead_pct: [5, '<='],
  };
  for (const [k, v] of Object.entries(figures) as [string, number][]) {
    const g = goals[k];
    // A ratio over a figure at or below zero (an overhead lost in the noise) means nothing.
    const ratio = g && v > 0 ? (g[1] === '>=' ? v / g[0] : g[0] / v) : undefined;
    const goal = g
      ? `   goal ${g[1]} ${g[0]}${ratio !== undefined ? `   ratio ${ratio.toFixed(2)}` : ''}`
      : '';
    process.stdout.write(`${k.padEnd(32)} ${String(v).padStart(12)}${goal}\n`);
  }
}

if (process.argv[1]?.endsWith('engine.bench.ts')) void main();
