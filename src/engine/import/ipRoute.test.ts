import { describe, expect, it } from 'vitest';
import { importIpRoute } from './ipRoute';
import pod from './testdata/pod-ip-route.json?raw';
import node from './testdata/ip-route.json?raw';

describe('ip -j route', () => {
  it("reads the node's routes; the connected ones come from the addresses", () => {
    const r = importIpRoute(node);
    expect(r).toEqual({
      ok: true,
      value: [
        { dst: 'default', via: '192.168.50.1', dev: 'eth1' },
        { dst: '10.50.0.0/16', via: '192.168.50.254', dev: 'eth1', metric: 100 },
        { dst: '10.98.0.0/16', type: 'unreachable' },
        { dst: '10.99.0.0/16', type: 'blackhole' },
      ],
      notes: ['2 connected routes come from the addresses'],
    });
  });

  it("reads a pod's default route", () => {
    expect(importIpRoute(pod)).toMatchObject({
      ok: true,
      value: [{ dst: 'default', via: '10.244.1.1', dev: 'eth0' }],
    });
  });

  it('writes a host route with its /32 and leaves out what the model has no path for', () => {
    const r = importIpRoute(
      JSON.stringify([
        { dst: '10.1.2.3', gateway: '10.0.0.1', dev: 'eth0', flags: [] },
        { type: 'multicast', dst: '224.0.0.0/4', dev: 'eth0', flags: [] },
        { dst: '10.9.0.0/16', nexthops: [{ gateway: '10.0.0.1' }, { gateway: '10.0.0.2' }], flags: [] },
      ]),
    );
    expect(r).toEqual({
      ok: true,
      value: [{ dst: '10.1.2.3/32', via: '10.0.0.1', dev: 'eth0' }],
      notes: ['1 multicast routes left out (not modelled)', '1 multipath routes left out (not modelled)'],
    });
  });

  it('names the route and its line when a field is wrong', () => {
    expect(importIpRoute('[\n{"dst":"default","gateway":"10.0.0.1"},\n{"dst":"10.0.0.0/33"}\n]')).toEqual({
      ok: false,
      error: { kind: 'ip-route', line: 3, message: '[1]: "dst": "10.0.0.0/33" is not an IPv4 destination' },
    });
    expect(importIpRoute('[{"ifname":"lo"}]')).toMatchObject({
      ok: false,
      error: { message: '[0]: no "dst" (is this the output of ip -j route?)' },
    });
  });
});
