import { describe, expect, it } from 'vitest';
import stpCase from '../../../parity/cases/stp-bridge.json?raw';
import { parseScenario, parseScenarioText, runScenario } from '..';
import { runCommand } from '../console/run';

// Kernel STP on a lone bridge, as seen on Linux 6.18 (see stp.ts): ports listen for
// forward_delay, learn for forward_delay, then forward; every frame before that is dropped.

const lo = { name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'] };
function stpBridge(bridge: Record<string, unknown>, pings: number[]) {
  const pod = (name: string, addr: string, port: string) => ({
    name,
    interfaces: [lo, { name: 'eth0', kind: 'veth', addresses: [addr], peer: { host: 'node', ifname: port } }],
  });
  const r = parseScenario(
    {
      version: 1,
      id: 'stp',
      hosts: [
        {
          name: 'node',
          interfaces: [
            lo,
            { name: 'br0', kind: 'bridge', addresses: ['10.9.0.254/24'], ...bridge },
            { name: 'va', kind: 'veth', master: 'br0', peer: { host: 'a', ifname: 'eth0' } },
            { name: 'vb', kind: 'veth', master: 'br0', peer: { host: 'b', ifname: 'eth0' } },
          ],
        },
        pod('a', '10.9.0.1/24', 'va'),
        pod('b', '10.9.0.2/24', 'vb'),
      ],
      traffic: pings.map((at) => ({ kind: 'ping', host: 'a', to: '10.9.0.2', at })),
    },
    'stp.json',
  );
  if (!r.ok) throw new Error(r.error);
  return runScenario(r.scenario);
}

describe('a bridge with stp_state 1', () => {
  it('forwards only after 2 x forward_delay (1500 cs by default): 30 s', () => {
    const r = stpBridge({ stp_state: 1 }, [0, 26000, 30000]);
    expect(r.outcomes.map((o) => o.ok)).toEqual([false, false, true]);
    const drops = r.events.filter((e) => e.type === 'drop' && e.reason === 'bridge-port-state');
    expect(drops.length).toBeGreaterThan(0);
    expect(drops.every((e) => e.t < 30_000_000)).toBe(true);
    const texts = new Set(drops.map((e) => (e.type === 'drop' ? e.text : '')));
    expect(texts).toContain(
      'va is in STP state listening (br0 has stp_state 1); it forwards from 30 s, 2 x forward_delay after it came up',
    );
    expect([...texts].some((t) => t.startsWith('va is in STP state learning'))).toBe(true);
  });

  it('takes forward_delay in centiseconds, clamped to 200 .. 3000 as br_stp_start does', () => {
    expect(stpBridge({ stp_state: 1, forward_delay: 400 }, [4000, 8000]).outcomes.map((o) => o.ok)).toEqual([
      false,
      true,
    ]);
    // 100 becomes 200 (2 s): forwarding from 4 s, so the ARP retries at 1 s and 2 s of a ping at 0
    // still go unanswered.
    expect(stpBridge({ stp_state: 1, forward_delay: 100 }, [0, 4000]).outcomes.map((o) => o.ok)).toEqual([
      false,
      true,
    ]);
    // Without STP forward_delay changes nothing.
    expect(stpBridge({ forward_delay: 3000 }, [0]).outcomes[0]!.ok).toBe(true);
  });

  it('learns source MACs while learning but not while listening', () => {
    const r = stpBridge({ stp_state: 1, forward_delay: 400 }, [1000, 5000]);
    const learnedAt = r.events.flatMap((e) => (e.type === 'bridge' && e.learned ? [e.t] : []));
    expect(learnedAt.length).toBeGreaterThan(0);
    expect(Math.min(...learnedAt)).toBeGreaterThanOrEqual(4_000_000);
  });

  it('the bridge itself sends nothing before a port forwards', () => {
    const r = parseScenario(
      {
        version: 1,
        id: 'stp-own',
        hosts: [
          {
            name: 'node',
            interfaces: [
              lo,
              { name: 'br0', kind: 'bridge', addresses: ['10.9.0.254/24'], stp_state: 1 },
              { name: 'va', kind: 'veth', master: 'br0', peer: { host: 'a', ifname: 'eth0' } },
            ],
          },
          {
            name: 'a',
            interfaces: [
              lo,
              {
                name: 'eth0',
                kind: 'veth',
                addresses: ['10.9.0.1/24'],
                peer: { host: 'node', ifname: 'va' },
              },
            ],
          },
        ],
        traffic: [
          { kind: 'ping', host: 'node', to: '10.9.0.1', at: 0 },
          { kind: 'ping', host: 'node', to: '10.9.0.1', at: 31000 },
        ],
      },
      'own.json',
    );
    if (!r.ok) throw new Error(r.error);
    const run = runScenario(r.scenario);
    expect(run.outcomes.map((o) => o.ok)).toEqual([false, true]);
    const first = run.events.find((e) => e.type === 'drop' && e.host === 'node');
    expect(first).toMatchObject({ reason: 'bridge-port-state', t: 0 });
    // No frame reached a before the port forwarded.
    expect(run.events.some((e) => e.type === 'rcv' && e.host === 'a' && e.t < 30_000_000)).toBe(false);
  });

  it('bridge link shows each port listening, learning, then forwarding', () => {
    const r = stpBridge({ stp_state: 1, forward_delay: 400 }, [1000, 5000, 9000]);
    const at = (t: number) => {
      const i = r.events.findIndex((e) => e.t >= t);
      return runCommand(r, i, 'node', 'bridge link').stdout.match(/state (\w+)/g);
    };
    expect(at(1_000_000)).toEqual(['state listening', 'state listening']);
    expect(at(5_000_000)).toEqual(['state learning', 'state learning']);
    expect(at(9_000_000)).toEqual(['state forwarding', 'state forwarding']);
  });

  it('the parity case parses and matches what the kernel did', () => {
    const s = parseScenarioText(stpCase, 'stp-bridge.json');
    if (!s.ok) throw new Error(s.error);
    expect(runScenario(s.scenario).outcomes.map((o) => o.ok)).toEqual([false, false, true, true]);
  });
});

describe('bridge options the loader still refuses', () => {
  it('vlan_filtering 1: the reference kernel has no CONFIG_BRIDGE_VLAN_FILTERING', () => {
    const r = parseScenario(
      {
        version: 1,
        id: 'v',
        hosts: [{ name: 'h', interfaces: [{ name: 'br0', kind: 'bridge', vlan_filtering: 1 }] }],
      },
      'x.json',
    );
    expect(!r.ok && r.error).toMatch(
      /^x\.json: hosts\[0\]\.interfaces\[0\]\.vlan_filtering: vlan_filtering 1 is not modelled: .*Operation not supported/,
    );
  });

  it('forward_delay on something that is not a bridge', () => {
    const r = parseScenario(
      { version: 1, id: 'v', hosts: [{ name: 'h', interfaces: [{ ...lo, forward_delay: 400 }] }] },
      'x.json',
    );
    expect(!r.ok && r.error).toBe('x.json: hosts[0].interfaces[0].forward_delay: lo on h is not a bridge');
  });
});
