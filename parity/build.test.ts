import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applySettings, parseScenarioText } from '../src/engine/scenario/load';
import { FILLER_DST, fillerLines, isFillerLine, nsName, planBuild, sameValue } from './build';

const fixture = () => {
  const r = parseScenarioText(
    readFileSync(join(__dirname, 'fixtures', 'same-bridge-hairpin.json'), 'utf8'),
    'fixture',
  );
  if (!r.ok) throw new Error(r.error);
  return r.scenario;
};

describe('planBuild', () => {
  const applied = applySettings(fixture(), {
    'node:net.bridge.bridge-nf-call-iptables': '1',
    'node:/sys/class/net/veth-a/brport/hairpin_mode': '1',
  });
  if (!applied.ok) throw new Error(applied.error);
  const steps = planBuild(applied.scenario, (h) => nsName('ab12', h));
  const cmds = steps.map((s) => s.argv.join(' '));

  it('makes one namespace per host and one veth pair per link, created with the final names', () => {
    expect(cmds.filter((c) => c.startsWith('ip netns add'))).toEqual([
      'ip netns add nfp-ab12-node',
      'ip netns add nfp-ab12-pod-a',
      'ip netns add nfp-ab12-pod-b',
    ]);
    expect(cmds.filter((c) => c.includes('type veth'))).toEqual([
      'ip -n nfp-ab12-node link add veth-a type veth peer name eth0 netns nfp-ab12-pod-a',
      'ip -n nfp-ab12-node link add veth-b type veth peer name eth0 netns nfp-ab12-pod-b',
    ]);
  });

  it('creates the bridge without multicast snooping and applies hairpin per port', () => {
    expect(cmds).toContain('ip -n nfp-ab12-node link add cni0 type bridge stp_state 0 mcast_snooping 1');
    expect(cmds).toContain('ip -n nfp-ab12-node link set dev veth-a type bridge_slave hairpin on');
    expect(cmds).toContain('ip -n nfp-ab12-node link set dev veth-b type bridge_slave hairpin off');
  });

  it('passes stp_state 1 and forward_delay on to the kernel', () => {
    const r = parseScenarioText(readFileSync(join(__dirname, 'cases', 'stp-bridge.json'), 'utf8'), 'stp');
    if (!r.ok) throw new Error(r.error);
    const s = { ...r.scenario, hosts: r.scenario.hosts.map((h) => ({ ...h })) };
    s.hosts[0] = {
      ...s.hosts[0]!,
      interfaces: s.hosts[0]!.interfaces.map((i) => (i.kind === 'bridge' ? { ...i, forward_delay: 400 } : i)),
    };
    expect(planBuild(s, (h) => nsName('ab12', h)).map((x) => x.argv.join(' '))).toContain(
      'ip -n nfp-ab12-node link add cni0 type bridge stp_state 1 mcast_snooping 0 forward_delay 400',
    );
  });

  it('sets the sysctls (soft) before addresses, then routes, then the ruleset and the trace table', () => {
    const bnf = cmds.indexOf('ip netns exec nfp-ab12-node sysctl -w net.bridge.bridge-nf-call-iptables=1');
    expect(bnf).toBeGreaterThan(0);
    expect(steps[bnf]!.soft).toBe('node: net.bridge.bridge-nf-call-iptables=1');
    const addr = cmds.indexOf('ip -n nfp-ab12-node addr add 10.244.1.1/24 dev cni0');
    const route = cmds.indexOf('ip -n nfp-ab12-pod-a route add default via 10.244.1.1 dev eth0');
    const restore = steps.findIndex((s) => s.argv.includes('iptables-restore'));
    expect(bnf).toBeLessThan(addr);
    expect(addr).toBeLessThan(route);
    expect(route).toBeLessThan(restore);
    expect(steps[restore]!.input).toContain('KUBE-SEP-WEB1');
    expect(steps.at(-1)!.input).toContain('meta nftrace set 1');
    expect(cmds.some((c) => c.includes('addr add 127.0.0.1/8'))).toBe(false);
  });

  it('writes sysfs keys inside the namespace', () => {
    const s = fixture();
    const withSysfs = {
      ...s,
      hosts: s.hosts.map((h) =>
        h.name === 'node' ? { ...h, sysctls: { '/sys/class/net/cni0/bridge/ageing_time': '30000' } } : h,
      ),
    };
    const step = planBuild(withSysfs, (h) => `ns-${h}`).find((x) => x.argv.includes('tee'));
    expect(step?.argv).toEqual([
      'ip',
      'netns',
      'exec',
      'ns-node',
      'tee',
      '/sys/class/net/cni0/bridge/ageing_time',
    ]);
    expect(step?.input).toBe('30000\n');
  });
});

describe('nf_conntrack_max in a child namespace', () => {
  const withMax = (value: string) => {
    const s = fixture();
    return {
      ...s,
      hosts: s.hosts.map((h) =>
        h.name === 'node' ? { ...h, sysctls: { 'net.netfilter.nf_conntrack_max': value } } : h,
      ),
    };
  };
  const plan = (value: string, globalCtMax?: number) =>
    planBuild(withMax(value), (h) => `ns-${h}`, globalCtMax === undefined ? {} : { globalCtMax });

  it('is given by filling the namespace with the rest of the global maximum, as ASSURED entries', () => {
    const fill = plan('8', 20).find((x) => x.argv.join(' ').includes('conntrack -R'))!;
    expect(fill.argv).toEqual([
      'ip',
      'netns',
      'exec',
      'ns-node',
      'sh',
      '-c',
      'cat | conntrack -R /dev/stdin',
    ]);
    const lines = fill.input!.trim().split('\n');
    expect(lines).toHaveLength(12);
    expect(lines[0]).toBe(
      '-I -p udp -s 198.18.0.0 -d 198.19.255.254 --sport 1024 --dport 9 -t 600 --status ASSURED',
    );
    expect(new Set(lines).size).toBe(12);
    expect(fill.verify).toEqual({
      argv: ['ip', 'netns', 'exec', 'ns-node', 'conntrack', '-C'],
      expect: '12',
    });
    expect(fill.soft).toBe('node: net.netfilter.nf_conntrack_max=8 (as 12 ASSURED filler entries)');
    expect(
      plan('8', 20).some((x) => x.argv.includes('sysctl') && x.argv.join(' ').includes('conntrack_max')),
    ).toBe(false);
  });

  it('needs no filler at the global maximum, and is tried as a sysctl above it or when it is unknown', () => {
    expect(plan('20', 20).some((x) => x.argv.join(' ').includes('conntrack -R'))).toBe(false);
    for (const p of [plan('30', 20), plan('8')])
      expect(p.some((x) => x.argv.join(' ').includes('sysctl -w net.netfilter.nf_conntrack_max='))).toBe(
        true,
      );
  });

  it('gives distinct tuples (the address counts 2^16, then the port), told apart by their destination', () => {
    const lines = fillerLines(70000).trim().split('\n');
    expect(new Set(lines).size).toBe(70000);
    expect(lines[65536]).toContain('-s 198.18.0.0 -d 198.19.255.254 --sport 1025 ');
    expect(
      isFillerLine(`udp      17 599 src=198.18.3.4 dst=${FILLER_DST} sport=1027 dport=9 [UNREPLIED]`),
    ).toBe(true);
    expect(isFillerLine('udp      17 29 src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=53')).toBe(false);
  });
});

describe('sameValue', () => {
  it('compares sysctl values field by field', () => {
    expect(sameValue('4096\t87380  6291456', '4096 87380 6291456')).toBe(true);
    expect(sameValue('262144', '16')).toBe(false);
  });
});
