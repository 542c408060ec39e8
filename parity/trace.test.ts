import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarize } from './packetSummary';
import { groupTrace, parseTraceLine } from './trace';

const capture = (name: string) =>
  readFileSync(join(__dirname, 'testdata', name), 'utf8')
    .split('\n')
    .filter(Boolean);

describe('parseTraceLine', () => {
  it('reads a packet line: chain, addresses, ports, flags as hex', () => {
    const t = parseTraceLine(
      'trace id 8b9b51f8 ip nfp_trace pre packet: iif "cni0" ether saddr 2e:8f:d8:91:34:20 ether daddr 7a:00:04:56:be:bf ip saddr 10.244.1.3 ip daddr 10.244.1.2 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 0 ip length 60 tcp sport 8080 tcp dport 56798 tcp flags == 0x12 tcp window 65160 ',
    );
    expect(t).toMatchObject({
      id: '8b9b51f8',
      family: 'ip',
      table: 'nfp_trace',
      chain: 'pre',
      kind: 'packet',
      iif: 'cni0',
      ipId: 0,
    });
    expect(t?.fields).toEqual({
      saddr: '10.244.1.3',
      daddr: '10.244.1.2',
      proto: 'tcp',
      sport: 8080,
      dport: 56798,
      flags: 0x12,
    });
  });

  it('reads flag names, POSTROUTING raw link headers and ICMP type names', () => {
    const syn = parseTraceLine(
      'trace id 0988dd46 ip nat POSTROUTING packet: oif "cni0" @ll,0,112 0x2e8fd89134207a000456bebf0800 ip saddr 10.244.1.2 ip daddr 10.244.1.3 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 27645 ip length 60 tcp sport 56798 tcp dport 8080 tcp flags == syn tcp window 64240 ',
    );
    expect(syn?.fields?.flags).toBe(2);
    expect(syn?.oif).toBe('cni0');
    const finAck = parseTraceLine(
      'trace id 1 ip filter INPUT packet: iif "eth0" ip saddr 1.1.1.1 ip daddr 2.2.2.2 ip id 7 tcp sport 1 tcp dport 2 tcp flags == fin | ack tcp window 1',
    );
    expect(finAck?.fields?.flags).toBe(0x11);
    const redirect = parseTraceLine(
      'trace id a72c5628 ip nfp_trace out packet: oif "cni0" ip saddr 10.244.1.1 ip daddr 10.244.1.2 ip dscp cs6 ip ecn not-ect ip ttl 64 ip id 55321 ip length 88 icmp type redirect icmp code host-unreachable icmp gateway 10.244.1.3',
    );
    expect(redirect?.fields).toMatchObject({ proto: 'icmp', icmpType: 5, icmpCode: 1 });
    const echo = parseTraceLine(
      'trace id 2 ip raw PREROUTING packet: iif "eth0" ip saddr 1.1.1.1 ip daddr 2.2.2.2 ip id 9 ip length 84 icmp type echo-request icmp code net-unreachable icmp id 19968 icmp sequence 1',
    );
    expect(echo?.fields).toMatchObject({ icmpType: 8, icmpCode: 0, icmpId: 19968 });
  });

  it('reads rule verdicts and policies, and rejects other text', () => {
    expect(
      parseTraceLine(
        'trace id 0988dd46 ip nat KUBE-SEP-WEB1 rule meta l4proto tcp   counter packets 0 bytes 0 dnat to 10.244.1.3:8080 (verdict accept)',
      ),
    ).toMatchObject({ kind: 'rule', chain: 'KUBE-SEP-WEB1', verdict: 'accept' });
    expect(parseTraceLine('trace id bb927037 ip raw PREROUTING policy accept ')).toMatchObject({
      kind: 'policy',
      verdict: 'accept',
    });
    expect(
      parseTraceLine('conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.'),
    ).toBeUndefined();
  });
});

describe('groupTrace on real captures (same-bridge-hairpin, node)', () => {
  const paths = (name: string) =>
    groupTrace(capture(name))
      .filter((p) => p.ipv4 && p.fields)
      .map((p) => `${summarize(p.fields!)} | ${p.path.join(' ')}`);

  it('bnf=1: only the SYN walks the nat chains; every later packet meets IPv4 hooks without them', () => {
    const got = paths('hairpin-bnf1-node.trace.txt');
    expect(got[0]).toBe('tcp 10.244.1.2:41664 > 10.96.0.10:80 S | nat:PREROUTING nat:POSTROUTING');
    expect(got).toContain('tcp 10.244.1.3:8080 > 10.244.1.2:41664 S. | ');
    expect(got).toHaveLength(10);
    expect(got.slice(1).every((l) => l.endsWith('| '))).toBe(true);
  });

  it('bnf=0: SYNs are routed (nat chains once), redirects leave through OUTPUT, replies are bridged past IPv4', () => {
    const all = groupTrace(capture('hairpin-bnf0-node.trace.txt'));
    const got = paths('hairpin-bnf0-node.trace.txt');
    expect(got).toEqual([
      'tcp 10.244.1.2:52846 > 10.96.0.10:80 S | nat:PREROUTING nat:POSTROUTING',
      'icmp 10.244.1.1 > 10.244.1.2 type 5 code 1 | ',
      'tcp 10.244.1.2:52846 > 10.96.0.10:80 S | ',
      'icmp 10.244.1.1 > 10.244.1.2 type 5 code 1 | ',
      'tcp 10.244.1.2:52846 > 10.96.0.10:80 S | ',
      'icmp 10.244.1.1 > 10.244.1.2 type 5 code 1 | ',
      'tcp 10.244.1.2:52846 > 10.96.0.10:80 S | ',
      'icmp 10.244.1.1 > 10.244.1.2 type 5 code 1 | ',
    ]);
    // The SYN-ACK and RST crossed the bridge only: seen by the bridge marker, no IPv4 hook.
    const bridged = all.filter((p) => !p.ipv4 && p.fields).map((p) => summarize(p.fields!));
    expect(bridged.filter((s) => s.endsWith(' S.'))).toHaveLength(4);
    expect(bridged.filter((s) => s.endsWith(' R'))).toHaveLength(4);
  });

  it('joins a loopback re-entry to the packet that left through OUTPUT', () => {
    const lines = [
      'trace id aa ip nfp_trace out packet: oif "lo" ip saddr 10.0.1.1 ip daddr 10.0.1.1 ip id 5 ip length 60 tcp sport 40000 tcp dport 7777 tcp flags == syn tcp window 1',
      'trace id aa ip filter OUTPUT packet: oif "lo" ip saddr 10.0.1.1 ip daddr 10.0.1.1 ip id 5 ip length 60 tcp sport 40000 tcp dport 7777 tcp flags == syn tcp window 1',
      'trace id aa ip filter OUTPUT policy accept',
      'trace id bb ip nfp_trace pre packet: iif "lo" ip saddr 10.0.1.1 ip daddr 10.0.1.1 ip id 5 ip length 60 tcp sport 40000 tcp dport 7777 tcp flags == syn tcp window 1',
      'trace id bb ip filter INPUT packet: iif "lo" ip saddr 10.0.1.1 ip daddr 10.0.1.1 ip id 5 ip length 60 tcp sport 40000 tcp dport 7777 tcp flags == syn tcp window 1',
      'trace id bb ip filter INPUT rule tcp dport 7777 drop (verdict drop)',
    ];
    const g = groupTrace(lines);
    expect(g).toHaveLength(1);
    expect(g[0]!.path).toEqual(['filter:OUTPUT', 'filter:INPUT']);
    expect(g[0]!.lastVerdict).toBe('drop');
  });

  it('starts a new packet when a trace id is reused by a later skb', () => {
    const g = groupTrace([
      'trace id cc ip nfp_trace pre packet: iif "eth0" ip saddr 1.1.1.1 ip daddr 2.2.2.2 ip id 1 udp sport 5 udp dport 53 udp length 9',
      'trace id cc ip filter INPUT packet: iif "eth0" ip saddr 1.1.1.1 ip daddr 2.2.2.2 ip id 1 udp sport 5 udp dport 53 udp length 9',
      'trace id cc ip nfp_trace pre packet: iif "eth0" ip saddr 1.1.1.1 ip daddr 2.2.2.2 ip id 2 udp sport 5 udp dport 53 udp length 9',
    ]);
    expect(g.map((p) => p.path)).toEqual([['filter:INPUT'], []]);
  });
});

describe('groupTrace when the kernel changes the trace id', () => {
  it('follows a bridged frame that is routed: FORWARD shows up under a new id (docker0 capture)', () => {
    const pkt = (id: string, table: string, chain: string, extra = '') =>
      `trace id ${id} ip ${table} ${chain} packet: iif "docker0" ${extra}ether saddr 96:64:19:12:1d:a8 ether daddr 3e:25:16:6f:db:c8 ip saddr 172.17.0.2 ip daddr 192.168.0.20 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 0 ip length 60 tcp sport 80 tcp dport 41000 tcp flags == 0x12 tcp window 65160`;
    const g = groupTrace([
      'trace id c4e3ee0a bridge nfp_trace pre packet: iif "veth1c6e2f0" ether saddr 96:64:19:12:1d:a8 ether daddr 3e:25:16:6f:db:c8 ip saddr 172.17.0.2 ip daddr 192.168.0.20 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 0 ip protocol tcp ip length 60 tcp sport 80 tcp dport 41000 tcp flags == 0x12 tcp window 65160',
      pkt('c4e3ee0a', 'nfp_trace', 'pre'),
      'trace id c4e3ee0a ip nfp_trace pre policy accept',
      pkt('1d2e10e3', 'filter', 'FORWARD', 'oif "eth0" '),
      'trace id 1d2e10e3 ip filter FORWARD rule iifname "docker0" oifname != "docker0" counter packets 0 bytes 0 accept (verdict accept)',
    ]);
    expect(g).toHaveLength(1);
    expect(g[0]!.path).toEqual(['filter:FORWARD']);
    expect(g[0]!.lastVerdict).toBe('accept');
  });
});
