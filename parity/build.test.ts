import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applySettings, parseScenarioText } from '../src/engine/scenario/load';
import { nsName, planBuild, sameValue } from './build';

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

describe('sameValue', () => {
  it('compares sysctl values field by field', () => {
    expect(sameValue('4096\t87380  6291456', '4096 87380 6291456')).toBe(true);
    expect(sameValue('262144', '16')).toBe(false);
  });
});
