import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/load';
import { runCommand } from '../console/run';
import { simulate } from '../sim/run';
import { importPaste } from './build';
import addr from './testdata/ip-d-addr.json?raw';
import route from './testdata/ip-route.json?raw';
import ipRouteText from './testdata/ip-route.txt?raw';
import ipt from './testdata/iptables-save.txt?raw';
import sysctl from './testdata/sysctl-a.txt?raw';
import { pasteErrorText } from './types';

// A node with a bridge and two pods on it, as same-bridge-hairpin has (engine tests do not
// read src/scenarios).
const pod = (name: string, addr: string) => ({
  name,
  interfaces: [
    { name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'] },
    {
      name: 'eth0',
      kind: 'veth',
      addresses: [addr],
      peer: { host: 'node', ifname: `veth-${name.slice(-1)}` },
    },
  ],
  routes: [{ dst: 'default', via: '10.244.1.1', dev: 'eth0' }],
});
function hairpin() {
  const r = parseScenario(
    {
      version: 1,
      id: 'paste-fixture',
      hosts: [
        {
          name: 'node',
          interfaces: [
            { name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'] },
            { name: 'cni0', kind: 'bridge', addresses: ['10.244.1.1/24'] },
            { name: 'veth-a', kind: 'veth', master: 'cni0', peer: { host: 'pod-a', ifname: 'eth0' } },
            { name: 'veth-b', kind: 'veth', master: 'cni0', peer: { host: 'pod-b', ifname: 'eth0' } },
          ],
          sysctls: { 'net.ipv4.ip_forward': '1', 'net.bridge.bridge-nf-call-iptables': '0' },
        },
        pod('pod-a', '10.244.1.2/24'),
        pod('pod-b', '10.244.1.3/24'),
      ],
      traffic: [
        { kind: 'tcp-listen', host: 'pod-b', port: 8080 },
        { kind: 'tcp-connect', host: 'pod-a', to: '10.244.1.3:8080', at: 10 },
      ],
    },
    'fixture',
  );
  if (!r.ok) throw new Error(r.error);
  return r.scenario;
}
const all = { 'ip-addr': addr, 'ip-route': route, sysctl, 'iptables-save': ipt };

function ok(r: ReturnType<typeof importPaste>) {
  if (!r.ok) throw new Error(pasteErrorText(r.error));
  return r.value;
}

describe('importPaste', () => {
  it('builds a new host from the four captures, and the run shows it as the kernel had it', () => {
    const before = hairpin();
    const snapshot = JSON.stringify(before);
    const done = ok(importPaste(before, { target: { kind: 'new', name: 'edge' }, pieces: all }));
    expect(JSON.stringify(before)).toBe(snapshot); // the scenario given is not changed
    const edge = done.scenario.hosts.find((h) => h.name === 'edge')!;
    expect(edge.interfaces.map((i) => [i.name, i.kind, i.master ?? '', i.peer?.ifname ?? ''])).toEqual([
      ['lo', 'loopback', '', ''],
      ['br0', 'bridge', '', ''],
      ['veth-a', 'ethernet', 'br0', ''],
      ['veth-x', 'veth', '', 'eth1'],
      ['eth1', 'veth', '', 'veth-x'],
    ]);
    expect(edge.sysctls['net.ipv4.ip_forward']).toBe('1');
    expect(edge.iptables_save).toBe(ipt);
    const run = simulate(done.scenario);
    if (!run.ok) throw new Error(run.error);
    // The imported host prints the `ip route` of the namespace it was captured in.
    expect(runCommand(run.result, 0, 'edge', 'ip route').stdout).toBe(ipRouteText);
    expect(done.notes).toContain('ip -j addr: 5 IPv6 addresses left out (the model is IPv4 only)');
  });

  it("replaces an existing host's ruleset and keeps the rest", () => {
    const before = hairpin();
    const done = ok(
      importPaste(before, { target: { kind: 'host', name: 'node' }, pieces: { 'iptables-save': ipt } }),
    );
    const node = done.scenario.hosts.find((h) => h.name === 'node')!;
    const old = before.hosts.find((h) => h.name === 'node')!;
    expect(node.iptables_save).toBe(ipt);
    expect(node.interfaces).toEqual(old.interfaces);
    expect(node.sysctls).toEqual(old.sysctls);
    expect(done.scenario.hosts.map((h) => h.name)).toEqual(before.hosts.map((h) => h.name));
  });

  it("keeps the links to other hosts when an existing host's interfaces are pasted", () => {
    const done = ok(
      importPaste(hairpin(), { target: { kind: 'host', name: 'node' }, pieces: { 'ip-addr': addr } }),
    );
    const node = done.scenario.hosts.find((h) => h.name === 'node')!;
    const vethA = node.interfaces.find((i) => i.name === 'veth-a')!;
    // The paste cannot say where veth-a's peer is; the scenario can: pod-a's eth0.
    expect(vethA).toMatchObject({ kind: 'veth', master: 'br0', peer: { host: 'pod-a', ifname: 'eth0' } });
    expect(node.interfaces.map((i) => i.name)).toEqual([
      'lo',
      'br0',
      'veth-a',
      'veth-x',
      'eth1',
      'cni0',
      'veth-b',
    ]);
    expect(done.notes).toContain('ip -j addr: kept cni0, veth-b (not in the paste)');
    expect(simulate(done.scenario).ok).toBe(true);
  });

  it('names the paste and the line of what is wrong, and changes nothing', () => {
    const lines = ipt.split('\n');
    const at = lines.findIndex((l) => l.includes('MASQUERADE'));
    lines[at] = '-A POSTROUTING -s 10.244.1.0/24 ! -o br0 -j MASQUERAD';
    const r = importPaste(hairpin(), {
      target: { kind: 'host', name: 'node' },
      pieces: { 'iptables-save': lines.join('\n') },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.kind).toBe('iptables-save');
    expect(r.error.line).toBe(at + 1);
    expect(pasteErrorText(r.error)).toMatch(new RegExp(`^iptables-save, line ${at + 1}: .*MASQUERAD`));
  });

  it('refuses a route through a device the host lacks, a taken name, and nothing at all', () => {
    const bad = JSON.stringify([{ dst: 'default', gateway: '10.0.0.1', dev: 'eth9', flags: [] }]);
    expect(
      importPaste(hairpin(), { target: { kind: 'new', name: 'x' }, pieces: { 'ip-route': bad } }),
    ).toEqual({
      ok: false,
      error: { kind: 'ip-route', line: 0, message: '[0] default: x has no device eth9' },
    });
    const gw = JSON.stringify([{ dst: 'default', gateway: '10.9.9.9', flags: [] }]);
    expect(
      importPaste(hairpin(), { target: { kind: 'new', name: 'x' }, pieces: { 'ip-route': gw } }),
    ).toMatchObject({
      ok: false,
      error: { kind: 'ip-route', message: '[0]: Nexthop has invalid gateway: 10.9.9.9 is not on any link' },
    });
    expect(importPaste(hairpin(), { target: { kind: 'new', name: 'node' }, pieces: all })).toMatchObject({
      ok: false,
      error: { kind: 'target', message: 'a host named node exists already' },
    });
    expect(importPaste(hairpin(), { target: { kind: 'new', name: 'Edge 1' }, pieces: all })).toMatchObject({
      ok: false,
      error: { kind: 'target' },
    });
    expect(
      importPaste(hairpin(), { target: { kind: 'host', name: 'node' }, pieces: { sysctl: ' \n' } }),
    ).toMatchObject({
      ok: false,
      error: { kind: 'target', message: 'nothing pasted' },
    });
  });
});
