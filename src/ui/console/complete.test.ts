import { describe, expect, it } from 'vitest';
import { chainsOf, complete } from './complete';

const v = {
  chains: ['INPUT', 'FORWARD', 'KUBE-SERVICES', 'KUBE-SVC-X'],
  interfaces: ['lo', 'cni0', 'veth-a', 'veth-b'],
  sysctls: [
    'net.ipv4.ip_forward',
    'net.bridge.bridge-nf-call-iptables',
    'net.bridge.bridge-nf-call-arptables',
  ],
};

describe('console Tab completion', () => {
  it('completes commands, to the common prefix when several fit', () => {
    expect(complete('con', v)).toEqual({ line: 'conntrack ', options: [] });
    expect(complete('ipt', v)).toEqual({
      line: 'iptables',
      options: ['iptables', 'iptables-restore', 'iptables-save'],
    });
  });
  it('completes tables after -t and chains after a chain command', () => {
    expect(complete('iptables -t n', v).line).toBe('iptables -t nat ');
    expect(complete('iptables -t nat -L KUBE-S', v)).toEqual({
      line: 'iptables -t nat -L KUBE-S',
      options: ['KUBE-SERVICES', 'KUBE-SVC-X'],
    });
    expect(complete('iptables -A FO', v).line).toBe('iptables -A FORWARD ');
  });
  it('completes interfaces and sysctl names', () => {
    expect(complete('tcpdump -n -i ve', v).line).toBe('tcpdump -n -i veth-');
    expect(complete('ip link set c', v).line).toBe('ip link set cni0 ');
    expect(complete('sysctl -w net.bridge.bridge-nf-call-i', v).line).toBe(
      'sysctl -w net.bridge.bridge-nf-call-iptables ',
    );
  });
  it('leaves a line alone when nothing fits', () => {
    expect(complete('frobnicate', v)).toEqual({ line: 'frobnicate', options: [] });
  });
  it('reads chain names from iptables-save text', () => {
    expect(
      chainsOf(
        '*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -j KUBE-SERVICES\nCOMMIT\n',
      ),
    ).toEqual(['PREROUTING', 'KUBE-SERVICES']);
  });
});
