import { describe, expect, it } from 'vitest';
import { importIpAddr } from './ipAddr';
import detailed from './testdata/ip-d-addr.json?raw';
import plain from './testdata/ip-addr.json?raw';
import pretty from './testdata/ip-p-addr.json?raw';
import pod from './testdata/pod-ip-addr.json?raw';

// testdata/README.md says how the captures were made and what the namespaces held.

function ok(text: string) {
  const r = importIpAddr(text);
  if (!r.ok) throw new Error(r.error.message);
  return r;
}

describe('ip -j addr', () => {
  it('reads the kinds, addresses, masters and flags the kernel printed (ip -d -j addr)', () => {
    const r = ok(detailed);
    expect(
      r.value.map((x) => [x.spec.name, x.spec.kind, x.spec.addresses, x.spec.master, x.pairedWith]),
    ).toEqual([
      ['lo', 'loopback', ['127.0.0.1/8'], undefined, undefined],
      ['br0', 'bridge', ['10.244.1.1/24'], undefined, undefined],
      ['veth-a', 'ethernet', [], 'br0', undefined],
      ['veth-x', 'veth', [], undefined, 'eth1'],
      ['eth1', 'veth', ['192.168.50.2/24', '192.168.50.3/24'], undefined, 'veth-x'],
    ]);
    const br = r.value[1]!.spec;
    expect(br).toMatchObject({ mac: '22:2c:c9:cd:db:34', mtu: 1500, up: true, mcast_snooping: 1 });
    // veth-a has the bridge's MAC (a bridge takes its port's): the first holder keeps it.
    expect(r.value[2]!.spec.mac).toBeUndefined();
    expect(r.value[2]!.spec.hairpin).toBe(true);
    expect(r.notes).toContain(
      'veth-a: its veth peer is in another namespace; imported as an unconnected interface',
    );
    expect(r.notes).toContain('5 IPv6 addresses left out (the model is IPv4 only)');
  });

  it('finds the same devices without -d, the kinds read off master and link', () => {
    const a = ok(plain).value.map((x) => [x.spec.name, x.spec.kind, x.spec.addresses, x.spec.master]);
    const d = ok(detailed).value.map((x) => [x.spec.name, x.spec.kind, x.spec.addresses, x.spec.master]);
    expect(a).toEqual(d);
    // Without -d there is no linkinfo, so no hairpin flag to read.
    expect(ok(plain).value[2]!.spec.hairpin).toBeUndefined();
  });

  it('reads ip -j -p (pretty) as ip -j', () => {
    expect(ok(pretty).value).toEqual(ok(plain).value);
  });

  it("reads a pod's side: eth0 whose peer is in the node's namespace", () => {
    const r = ok(pod);
    expect(r.value.map((x) => [x.spec.name, x.spec.kind, x.spec.addresses])).toEqual([
      ['lo', 'loopback', ['127.0.0.1/8']],
      ['eth0', 'ethernet', ['10.244.1.2/24']],
    ]);
  });

  it('names the line of a JSON syntax error', () => {
    const broken = pretty.replace('"prefixlen": 24,', '"prefixlen": 24,,');
    const r = importIpAddr(broken);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const want = pretty.split('\n').findIndex((l) => l.includes('"prefixlen": 24,')) + 1;
    expect(r.error).toMatchObject({ kind: 'ip-addr', line: want });
    expect(r.error.message).toMatch(/^not JSON: /);
  });

  it('names the element and its line for what is not an ip -j addr object', () => {
    const r = importIpAddr(
      '[\n{"ifname":"lo"},\n{"ifname":"eth0","addr_info":[{"family":"inet","local":"10.0.0.1"}]}\n]',
    );
    expect(r).toEqual({
      ok: false,
      error: {
        kind: 'ip-addr',
        line: 3,
        message: '[1]: addr_info[0]: an inet address needs "local" and "prefixlen" 0..32',
      },
    });
    expect(importIpAddr('[{"dst":"default"}]')).toMatchObject({
      ok: false,
      error: { message: '[0]: no "ifname" (is this the output of ip -j addr?)' },
    });
    expect(importIpAddr('{"ifname":"lo"}')).toMatchObject({ ok: false, error: { line: 1 } });
  });
});
