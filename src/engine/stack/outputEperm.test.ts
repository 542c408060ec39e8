import { describe, expect, it } from 'vitest';
import { runScenario, scenarioSchema } from '..';

// A packet netfilter drops on its way out fails the sender's sendmsg() at once with EPERM
// (nf_hook_slow -> ip_local_out), measured on 6.18 with `-A OUTPUT -p udp --dport 9999 -j DROP`:
// send() on a connected and sendto() on an unconnected UDP socket both raise EPERM. TCP does
// not see it: the SYN counts as lost and connect() runs into its timeout.
const scenario = scenarioSchema.parse({
  version: 1,
  id: 'output-eperm',
  hosts: [
    {
      name: 'client',
      interfaces: [
        { name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'] },
        { name: 'eth0', kind: 'veth', addresses: ['10.9.0.1/24'], peer: { host: 'server', ifname: 'eth0' } },
      ],
      iptables_save:
        '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -d 10.9.0.2/32 -j DROP\nCOMMIT\n',
    },
    {
      name: 'server',
      interfaces: [
        { name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'] },
        { name: 'eth0', kind: 'veth', addresses: ['10.9.0.2/24'], peer: { host: 'client', ifname: 'eth0' } },
      ],
    },
  ],
  traffic: [
    { kind: 'udp-listen', host: 'server', port: 9999, reply: 'x' },
    { kind: 'tcp-listen', host: 'server', port: 80 },
    { kind: 'udp-send', host: 'client', to: '10.9.0.2:9999', timeout: 500 },
    { kind: 'udp-send', host: 'client', to: '10.9.0.2:9999', connected: false, timeout: 500 },
    { kind: 'ping', host: 'client', to: '10.9.0.2', timeout: 500 },
    { kind: 'tcp-connect', host: 'client', to: '10.9.0.2:80', timeout: 1500 },
  ],
});

describe('a drop at OUTPUT', () => {
  it('is EPERM for a UDP or ping sender at once, and a lost SYN for TCP', () => {
    const r = runScenario(scenario);
    const by = new Map(r.outcomes.map((o) => [o.conn, o]));
    for (const i of [2, 3]) {
      expect(by.get(i)!.ok).toBe(false);
      expect(by.get(i)!.reason).toMatch(/\(EPERM\)/);
    }
    expect(by.get(4)!.reason).toMatch(/EPERM/);
    expect(by.get(5)!.ok).toBe(false);
    expect(by.get(5)!.reason).not.toMatch(/EPERM/);
    // Each failed at the moment it sent, not at its timeout.
    const sent = (conn: number) =>
      r.events.find((e) => e.type === 'packet' && e.origin === 'socket' && e.conn === conn)!.t;
    const ended = (conn: number) => r.events.find((e) => e.type === 'outcome' && e.conn === conn)!.t;
    for (const i of [2, 3, 4]) expect(ended(i)).toBe(sent(i));
  });
});
