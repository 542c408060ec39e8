import { describe, expect, it } from 'vitest';
import { ipv4 } from '../net/ipv4';
import { scenarioSchema } from '../scenario/schema';
import { buildHost, type Host } from './host';
import { formatRoute } from './route';

function host(routes: object[]): Host {
  const spec = scenarioSchema.parse({
    version: 1,
    id: 't',
    hosts: [
      {
        name: 'r',
        interfaces: [
          { name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'] },
          { name: 'eth0', kind: 'ethernet', addresses: ['10.0.2.1/24'] },
          { name: 'eth1', kind: 'ethernet', addresses: ['10.0.3.1/24'] },
        ],
        routes,
      },
    ],
  }).hosts[0]!;
  const h = buildHost(spec, 1, 0);
  if ('where' in h) throw new Error(h.message);
  return h;
}

describe('RoutingTable', () => {
  it('prefers the longest prefix over a connected route (reference §9)', () => {
    const h = host([{ dst: '10.0.2.0/25', via: '10.0.3.2' }]);
    expect(h.routes.lookupMain(ipv4('10.0.2.5'))?.via).toBe(ipv4('10.0.3.2'));
    expect(h.routes.lookupMain(ipv4('10.0.2.200'))?.dev?.name).toBe('eth0');
  });
  it('picks the lowest metric among equal prefixes', () => {
    const h = host([
      { dst: '10.9.0.0/16', via: '10.0.2.2', metric: 100 },
      { dst: '10.9.0.0/16', via: '10.0.3.2', metric: 50 },
    ]);
    expect(h.routes.lookupMain(ipv4('10.9.1.1'))?.via).toBe(ipv4('10.0.3.2'));
  });
  it('knows local addresses and 127/8, and prints routes as ip route does', () => {
    const h = host([{ dst: 'default', via: '10.0.2.254' }]);
    expect(h.routes.isLocal(ipv4('10.0.3.1'))).toBe(true);
    expect(h.routes.isLocal(ipv4('127.0.0.9'))).toBe(true);
    expect(h.routes.isLocal(ipv4('10.0.3.2'))).toBe(false);
    expect(h.routes.main.map(formatRoute)).toEqual([
      '10.0.2.0/24 dev eth0 proto kernel scope link src 10.0.2.1',
      '10.0.3.0/24 dev eth1 proto kernel scope link src 10.0.3.1',
      'default via 10.0.2.254 dev eth0',
    ]);
  });
  it('refuses a gateway on no link, naming the field', () => {
    const spec = scenarioSchema.parse({
      version: 1,
      id: 't',
      hosts: [
        {
          name: 'r',
          interfaces: [{ name: 'eth0', kind: 'ethernet', addresses: ['10.0.2.1/24'] }],
          routes: [{ dst: 'default', via: '192.0.2.1' }],
        },
      ],
    }).hosts[0]!;
    const h = buildHost(spec, 1, 0);
    expect(h).toEqual({
      where: 'hosts[0].routes[0].via',
      message: 'Nexthop has invalid gateway: 192.0.2.1 is not on any link',
    });
  });
});
