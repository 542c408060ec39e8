import {
  createIptables,
  type IptablesRuntime,
  type PacketCtx,
  parseIptablesSave,
} from '../src/engine/iptables';
import { ipv4 } from '../src/engine/net/ipv4';
import type { IpPacket } from '../src/engine/packet';
import { generateKubeProxyRules, generateSaveLines, kubeServices } from './kubeRules';

// Micro-benchmarks of the iptables model (run: npx tsx bench/iptablesBench.ts). No assertions
// on time anywhere: machines differ. Goals: 100k lines parse in <= 500 ms; the indexed nat walk
// of a 10k-service kube-proxy node does >= 100k first packets/s and >= 50x the naive scan.

function best(runs: number, f: () => void): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

export function benchParse100k(): { parse_ms_100k_lines: number } {
  const text = generateSaveLines(100_000);
  const ms = best(5, () => {
    const r = parseIptablesSave(text, 'bench');
    if (!r.ok) throw new Error(r.error.message);
  });
  return { parse_ms_100k_lines: Math.round(ms * 10) / 10 };
}

function ctxFor(ip: IpPacket, random: () => number): PacketCtx {
  return {
    ip,
    inDev: 'cni0',
    outDev: '',
    physIn: '',
    physOut: '',
    bridged: false,
    mark: 0,
    ct: undefined,
    ctstate: 'NEW',
    notrack: false,
    zone: 0,
    trace: false,
    addrType: () => 'UNICAST',
    random,
  };
}

function evalsPerSecond(ipt: IptablesRuntime, ctxs: PacketCtx[], minMs: number): number {
  let n = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < ctxs.length; i++) {
      const c = ctxs[i]!;
      c.mark = 0;
      if (ipt.runTable('nat', 'PREROUTING', c).nat === undefined) throw new Error('no DNAT');
    }
    n += ctxs.length;
    elapsed = performance.now() - t0;
  }
  return (n / elapsed) * 1000;
}

export function benchKubeEval(services = 10_000): {
  evals_per_s_indexed: number;
  evals_per_s_naive: number;
  speedup: number;
} {
  const parsed = parseIptablesSave(generateKubeProxyRules(services, 2), 'bench');
  if (!parsed.ok) throw new Error(parsed.error.message);
  const indexed = createIptables(parsed.ruleset);
  const naive = createIptables(parsed.ruleset, { naive: true });
  let seed = 42;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const svcs = kubeServices(services, 2);
  const ctxs: PacketCtx[] = [];
  for (let i = 0; i < 1000; i++) {
    const s = svcs[Math.floor(random() * svcs.length)]!;
    const ip: IpPacket = {
      src: ipv4(`10.244.${i % 200}.${(i % 250) + 1}`),
      dst: ipv4(s.vip),
      ttl: 64,
      id: i,
      proto: 6,
      len: 60,
      l4: {
        proto: 6,
        sport: 30000 + i,
        dport: s.port,
        flags: 0x02,
        seq: 0,
        ack: 0,
        window: 64240,
        payloadLen: 0,
      },
    };
    ctxs.push(ctxFor(ip, random));
  }
  evalsPerSecond(indexed, ctxs, 200); // warm-up
  const idx = evalsPerSecond(indexed, ctxs, 1000);
  evalsPerSecond(naive, ctxs.slice(0, 50), 200);
  const nv = evalsPerSecond(naive, ctxs, 1000);
  return {
    evals_per_s_indexed: Math.round(idx),
    evals_per_s_naive: Math.round(nv),
    speedup: Math.round((idx / nv) * 10) / 10,
  };
}

/** A 10-rule filter chain, timeline off: ns per packet. */
export function benchFilterChain(): { ns_per_packet_10_rules: number } {
  const rules = [
    '-A INPUT -i lo -j ACCEPT',
    '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A INPUT -m conntrack --ctstate INVALID -j DROP',
    '-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT',
    '-A INPUT -s 192.168.0.0/16 -p tcp -m tcp --dport 22 -j ACCEPT',
    '-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT',
    '-A INPUT -p udp -m udp --dport 53 -j ACCEPT',
    '-A INPUT -m mark --mark 0x1/0x1 -j ACCEPT',
    '-A INPUT -m addrtype --dst-type BROADCAST -j DROP',
    '-A INPUT -m comment --comment "last" -p tcp -m tcp --dport 8080 -j ACCEPT',
  ];
  const parsed = parseIptablesSave(`*filter\n:INPUT DROP [0:0]\n${rules.join('\n')}\nCOMMIT\n`, 'bench');
  if (!parsed.ok) throw new Error(parsed.error.message);
  const ipt = createIptables(parsed.ruleset);
  const ip: IpPacket = {
    src: ipv4('10.0.0.1'),
    dst: ipv4('10.0.0.2'),
    ttl: 64,
    id: 1,
    proto: 6,
    len: 60,
    l4: { proto: 6, sport: 40000, dport: 9999, flags: 0x02, seq: 0, ack: 0, window: 64240, payloadLen: 0 },
  };
  const ctx = ctxFor(ip, () => 0.5);
  const n = 1_000_000;
  for (let i = 0; i < 100_000; i++) ipt.runTable('filter', 'INPUT', ctx);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) ipt.runTable('filter', 'INPUT', ctx);
  return { ns_per_packet_10_rules: Math.round(((performance.now() - t0) * 1e6) / n) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(benchParse100k()));
  console.log(JSON.stringify(benchKubeEval()));
  console.log(JSON.stringify(benchFilterChain()));
}
