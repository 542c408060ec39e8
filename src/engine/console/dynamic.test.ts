import { describe, expect, it } from 'vitest';
import { getBuiltinScenario } from '../../scenarios';
import { runScenario } from '../sim/run';
import { runCommand } from './run';

// The commands whose output depends on what happened: read at points of a run.

const bnf1 = runScenario(getBuiltinScenario('same-bridge-hairpin')!, {
  settings: { 'node:net.bridge.bridge-nf-call-iptables': '1' },
});
const bnf0 = runScenario(getBuiltinScenario('same-bridge-hairpin')!);
const end = (r: typeof bnf1) => r.events.length;

describe('console commands that read what happened', () => {
  it('conntrack -L prints the entries and its summary on stderr', () => {
    const o = runCommand(bnf1, end(bnf1), 'node', 'conntrack -L');
    expect(o.stdout).toMatch(
      /^tcp {6}6 \d+ TIME_WAIT src=10\.244\.1\.2 dst=10\.96\.0\.10 sport=\d+ dport=80 src=10\.244\.1\.3 dst=10\.244\.1\.2 sport=8080 dport=\d+ \[ASSURED\] mark=0 use=1\n$/,
    );
    expect(o.stderr).toBe('conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n');
    expect(runCommand(bnf1, end(bnf1), 'node', 'conntrack -C').stdout).toBe('1\n');
    expect(runCommand(bnf1, end(bnf1), 'node', 'conntrack -L -p udp').stdout).toBe('');
    expect(runCommand(bnf1, end(bnf1), 'node', 'conntrack -L -s 10.244.1.9').stderr).toContain(
      ' 0 flow entries',
    );
  });

  it('conntrack -S counts INVALID per namespace as the kernel did (2, 1 and 0 on 6.18)', () => {
    const s = getBuiltinScenario('invalid-out-of-window')!;
    const line = (invalid: number) =>
      `cpu=0   \tfound=0 invalid=${invalid} insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=0 clash_resolve=0 chaintoolong=0 \n`;
    for (const [settings, n] of [
      [{}, 2],
      [{ 'node:variant': 'drop-invalid' }, 1],
      [{ 'node:net.netfilter.nf_conntrack_tcp_be_liberal': '1' }, 0],
    ] as const) {
      const r = runScenario(s, { settings });
      expect(runCommand(r, r.events.length, 'node', 'conntrack -S').stdout).toBe(line(n));
      expect(runCommand(r, 0, 'node', 'conntrack -S').stdout).toBe(line(0));
    }
  });

  it('with bridge-nf-call-iptables=0 the entry stays [UNREPLIED]', () => {
    const o = runCommand(bnf0, end(bnf0), 'node', 'conntrack -L -o extended');
    expect(o.stdout).toMatch(/^ipv4 {5}2 tcp {6}6 \d+ SYN_SENT .*\[UNREPLIED\]/);
    expect(o.stdout).not.toContain('[ASSURED]');
  });

  it('conntrack -L at the start is empty, /proc/net/nf_conntrack too', () => {
    expect(runCommand(bnf1, 0, 'node', 'conntrack -L').stdout).toBe('');
    expect(runCommand(bnf1, 0, 'node', 'cat /proc/net/nf_conntrack').stdout).toBe('');
    expect(runCommand(bnf1, end(bnf1), 'node', 'cat /proc/net/nf_conntrack').stdout).toMatch(
      /^ipv4 {5}2 tcp {6}6 \d+ TIME_WAIT .* \[ASSURED\] mark=0 zone=0 use=2\n$/,
    );
  });

  it('iptables -L -v counts what crossed the rules so far', () => {
    const o = runCommand(bnf1, end(bnf1), 'node', 'iptables -t nat -L KUBE-SERVICES -n -v');
    expect(o.stdout.split('\n')[2]).toMatch(/^ {4}1 {4}60 KUBE-SVC-CDGGSHYLG3RE2FKL/);
    expect(
      runCommand(bnf1, 0, 'node', 'iptables -t nat -L KUBE-SERVICES -n -v').stdout.split('\n')[2],
    ).toMatch(/^ {4}0 {5}0 KUBE-SVC/);
  });

  it('tcpdump shows the handshake with relative sequence numbers after the SYN-ACK', () => {
    const o = runCommand(bnf1, end(bnf1), 'pod-a', 'tcpdump -n -i eth0 tcp and port 80');
    const ls = o.stdout.trimEnd().split('\n');
    expect(ls[0]).toMatch(
      /^00:00:00\.\d{6} IP 10\.244\.1\.2\.\d+ > 10\.96\.0\.10\.80: Flags \[S\], seq \d+, win 64240, options \[mss 1460,sackOK,TS val \d+ ecr 0,nop,wscale 10\], length 0$/,
    );
    expect(ls[1]).toMatch(/Flags \[S\.\], seq \d+, ack \d+, win/);
    expect(ls[2]).toMatch(/Flags \[\.\], ack 1, win 63, options \[nop,nop,TS val \d+ ecr \d+\], length 0$/);
    expect(ls[3]).toMatch(/Flags \[P\.\], seq 1:19, ack 1, /);
    expect(o.stderr).toBe(
      `tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n\n${ls.length} packets captured\n${ls.length} packets received by filter\n0 packets dropped by kernel\n`,
    );
    // On a terminal "listening on" comes first, then the packets, then the counts.
    expect(o.text).toBe(
      `tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n${o.stdout}\n${ls.length} packets captured\n${ls.length} packets received by filter\n0 packets dropped by kernel\n`,
    );
    expect(runCommand(bnf1, end(bnf1), 'pod-a', 'tcpdump -n -i eth0 arp').stdout).toMatch(
      /^00:00:00\.000000 ARP, Request who-has 10\.244\.1\.1 tell 10\.244\.1\.2, length 28\n/,
    );
    expect(runCommand(bnf1, end(bnf1), 'pod-a', 'tcpdump -n -i eth0 udp').stdout).toBe('');
    expect(runCommand(bnf1, end(bnf1), 'pod-a', 'tcpdump -n -i eth9').stderr).toBe(
      'tcpdump: eth9: No such device exists\n(No such device exists)\n',
    );
    // What tcpdump 4.99.3 / libpcap 1.10.3 print on the kernel for these filters.
    for (const [filter, message] of [
      ['port', "can't parse filter expression: syntax error"],
      ['host 10.96.0.10 port 80 tcp', "can't parse filter expression: syntax error"],
      ['(tcp', "can't parse filter expression: syntax error"],
      ['tcp and', "can't parse filter expression: syntax error"],
      ['port 99999', 'illegal port number 99999 > 65535'],
      ['port abc', "unknown port 'abc'"],
      ['host 1.2.3.400', "invalid IPv4 address '1.2.3.400'"],
      ['host foo', "unknown host 'foo'"],
    ])
      expect(runCommand(bnf1, end(bnf1), 'pod-a', `tcpdump -n -i eth0 ${filter}`)).toEqual({
        stdout: '',
        stderr: `tcpdump: ${message}\n`,
        exit: 1,
      });
  });

  it('ip neigh and bridge fdb show what ARP and the bridge learned', () => {
    expect(runCommand(bnf1, end(bnf1), 'pod-a', 'ip neigh').stdout).toContain(
      '10.244.1.1 dev eth0 lladdr 02:ea:73:24:5a:da REACHABLE \n',
    );
    expect(runCommand(bnf1, 0, 'pod-a', 'ip neigh').stdout).toBe('');
    expect(runCommand(bnf1, end(bnf1), 'node', 'bridge fdb').stdout).toContain(
      '02:62:95:d9:7f:d2 dev veth-a master cni0 \n',
    );
  });

  it('ss -tan shows the sockets at the playhead: SYN-SENT with its SYN unacknowledged, then TIME-WAIT', () => {
    const syn = bnf0.events.findIndex(
      (e) => e.type === 'packet' && e.host === 'pod-a' && e.origin === 'socket',
    );
    const port = /:(\d+) /.exec(runCommand(bnf0, syn + 1, 'pod-a', 'ss -tan').stdout.split('\n')[1]!)![1]!;
    // Layout as iproute2 6.1 prints it into a pipe (columns as wide as their widest field).
    expect(runCommand(bnf0, syn + 1, 'pod-a', 'ss -tan').stdout).toBe(
      `State    Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess\nSYN-SENT 0      1         10.244.1.2:${port}   10.96.0.10:80         \n`,
    );
    expect(runCommand(bnf1, end(bnf1), 'pod-a', 'ss -tan').stdout.split('\n')[1]).toBe(
      `TIME-WAIT 0      0         10.244.1.2:${port}   10.96.0.10:80         `,
    );
    expect(runCommand(bnf1, end(bnf1), 'pod-b', 'ss -ta').stdout).toBe(
      'State  Recv-Q Send-Q Local Address:Port     Peer Address:PortProcess\nLISTEN 0      64           0.0.0.0:http-alt      0.0.0.0:*          \n',
    );
    expect(runCommand(bnf1, 0, 'pod-b', 'ss -tan').stdout).toBe(
      'State Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n',
    );
    expect(runCommand(bnf1, 0, 'pod-b', 'ss -x').stderr).toBe(
      'ss: only -t, -u, -a, -l and -n are modelled here, not "-x"\n',
    );
  });

  it('a pipeline filters with grep; unknown commands name the known ones', () => {
    expect(runCommand(bnf1, 0, 'node', 'sysctl -a | grep "call-ip"').stdout).toBe(
      'net.bridge.bridge-nf-call-ip6tables = 1\nnet.bridge.bridge-nf-call-iptables = 1\n',
    );
    expect(runCommand(bnf1, 0, 'node', 'sysctl -a | grep -c call-ip').stdout).toBe('2\n');
    expect(runCommand(bnf1, 0, 'node', 'sysctl -a | grep nothing-like-this').exit).toBe(1);
    expect(runCommand(bnf1, 0, 'node', 'ls /').stderr).toBe(
      'ls: command not found (known: bridge, cat, conntrack, curl, ip, iptables, iptables-restore, iptables-save, nc, nft, ping, ss, sysctl, tcpdump)\n',
    );
    expect(runCommand(bnf1, 0, 'node', 'iptables -L | sort').stderr).toBe(
      'sort: only grep can follow a | here\n',
    );
    expect(runCommand(bnf1, 0, 'nobody', 'ip addr').stderr).toBe('no host named nobody\n');
  });
});
