import { describe, expect, it } from 'vitest';
import { SYSCTL_DEFAULTS } from '../stack/sysctl';
import { importSysctl } from './sysctl';
import all from './testdata/sysctl-a.txt?raw';

describe('sysctl -a', () => {
  it('keeps the keys the model reads where this node differs from a new namespace', () => {
    const r = importSysctl(all);
    if (!r.ok) throw new Error(r.error.message);
    // The capture's namespace had only ip_forward=1 set (testdata/README.md); the kernel keeps
    // ip_forward and conf.all.forwarding as one switch, and propagates it to every device.
    expect(r.value.sysctls).toEqual({
      'net.ipv4.ip_forward': '1',
      'net.ipv4.conf.all.forwarding': '1',
      'net.ipv4.conf.default.forwarding': '1',
      'net.ipv4.conf.br0.forwarding': '1',
      'net.ipv4.conf.eth1.forwarding': '1',
      'net.ipv4.conf.lo.forwarding': '1',
      'net.ipv4.conf.veth-a.forwarding': '1',
      'net.ipv4.conf.veth-x.forwarding': '1',
    });
    const lines = all.split('\n').filter((l) => l.trim() !== '');
    const read = lines.filter(
      (l) =>
        Object.hasOwn(SYSCTL_DEFAULTS, l.split(' = ')[0]!) ||
        /^net\.ipv4\.conf\.[^.]+\.(rp_filter|forwarding|send_redirects|accept_local|route_localnet) /.test(l),
    ).length;
    expect(r.value.ignored).toBe(lines.length - read);
    expect(r.notes).toEqual([`${lines.length - read} keys the model does not use left out`]);
  });

  it('the kernel defaults it printed are the model defaults', () => {
    // A new namespace on this kernel prints the values SYSCTL_DEFAULTS holds: nothing but the
    // forwarding switch differs (asserted above), so the table and the kernel agree.
    const printed = new Map(all.split('\n').map((l) => l.split(' = ') as [string, string]));
    for (const [k, v] of Object.entries(SYSCTL_DEFAULTS))
      if (printed.has(k) && !/forward(ing)?$/.test(k)) expect([k, printed.get(k)]).toEqual([k, v]);
  });

  it("takes the net. part alone, sysctl's complaints and key=value", () => {
    const net = all.split('\n').filter((l) => l.startsWith('net.'));
    const text = [
      "sysctl: permission denied on key 'net.ipv4.tcp_fastopen_key'",
      ...net,
      'net.bridge.bridge-nf-call-iptables=0',
    ].join('\n');
    const r = importSysctl(text);
    expect(r).toMatchObject({ ok: true, notes: [expect.any(String), '1 sysctl: message skipped'] });
    if (r.ok) expect(r.value.sysctls['net.bridge.bridge-nf-call-iptables']).toBe('0');
  });

  it('names the line that is not key = value, and a value the kernel refuses', () => {
    expect(importSysctl('net.ipv4.ip_forward = 1\nnet.ipv4.ip_forward 1\n')).toEqual({
      ok: false,
      error: { kind: 'sysctl', line: 2, message: 'expected "key = value", got "net.ipv4.ip_forward 1"' },
    });
    expect(importSysctl('\nnet.netfilter.nf_conntrack_tcp_loose = 7')).toEqual({
      ok: false,
      error: {
        kind: 'sysctl',
        line: 2,
        message: 'sysctl: setting key "net.netfilter.nf_conntrack_tcp_loose": Invalid argument',
      },
    });
  });
});
