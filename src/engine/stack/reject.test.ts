import { describe, expect, it } from 'vitest';
import { runScenario, scenarioSchema } from '..';

// REJECT answers before it drops (reference §3.3): tcp-reset with a RST, by default an ICMP
// port unreachable. Both come back to the client as "connection refused".
const scenario = scenarioSchema.parse({
  version: 1,
  id: 'reject',
  hosts: [
    {
      name: 'client',
      interfaces: [
        { name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'] },
        { name: 'eth0', kind: 'veth', addresses: ['10.9.0.1/24'], peer: { host: 'server', ifname: 'eth0' } },
      ],
    },
    {
      name: 'server',
      interfaces: [
        { name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'] },
        { name: 'eth0', kind: 'veth', addresses: ['10.9.0.2/24'], peer: { host: 'client', ifname: 'eth0' } },
      ],
      iptables_save:
        '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j REJECT --reject-with tcp-reset\n-A INPUT -p udp -m udp --dport 53 -j REJECT --reject-with icmp-port-unreachable\nCOMMIT\n',
    },
  ],
  traffic: [
    { kind: 'tcp-listen', host: 'server', port: 22 },
    { kind: 'udp-listen', host: 'server', port: 53 },
    { kind: 'tcp-connect', host: 'client', to: '10.9.0.2:22' },
    { kind: 'udp-send', host: 'client', to: '10.9.0.2:53' },
  ],
});

describe('REJECT', () => {
  it('answers with a RST or an ICMP error before dropping, so the client is refused at once', () => {
    const r = runScenario(scenario);
    const [tcp, udp] = r.outcomes;
    expect(tcp!.ok).toBe(false);
    expect(tcp!.reason).toMatch(/ECONNREFUSED.*RST from 10\.9\.0\.2:22/);
    expect(udp!.ok).toBe(false);
    expect(udp!.reason).toMatch(/ECONNREFUSED.*port unreachable from 10\.9\.0\.2/);
    const drops = r.events.filter((e) => e.type === 'drop' && e.host === 'server');
    expect(drops.map((e) => (e as { text: string }).text)).toEqual([
      'rejected by filter INPUT',
      'rejected by filter INPUT',
    ]);
    const answers = r.events.filter((e) => e.type === 'packet' && e.host === 'server' && e.origin !== 'arp');
    expect(answers.map((e) => (e as { origin: string }).origin)).toEqual(['reject', 'icmp']);
  });
});
