import { describe, expect, it } from 'vitest';
import { scenarioSchema } from '../src/engine/scenario/schema';
import { FreeChoiceLabeller, fixedPorts, maskingLabeller } from './normalise';

describe('fixedPorts', () => {
  it('keeps listener, destination, fixed source and ruleset ports', () => {
    const s = scenarioSchema.parse({
      version: 1,
      id: 'x',
      hosts: [
        {
          name: 'h',
          interfaces: [],
          iptables_save:
            '*nat\n-A PREROUTING -p tcp -m tcp --dport 30080 -j DNAT --to-destination 10.0.0.2:8080\nCOMMIT\n',
        },
      ],
      traffic: [
        { kind: 'tcp-listen', host: 'h', port: 8080 },
        { kind: 'udp-send', host: 'h', to: '10.0.0.9:53', sport: 5353 },
      ],
    });
    expect([...fixedPorts(s)].sort((a, b) => a - b)).toEqual([53, 5353, 8080, 30080]);
  });
});

describe('FreeChoiceLabeller', () => {
  it('labels a client port by its traffic item and other free ports in first-seen order', () => {
    const l = new FreeChoiceLabeller(new Set([80]), new Map([[3, 45000]]), new Map([[4, 777]]));
    expect(l.port(80)).toBe('80');
    expect(l.port(22)).toBe('22');
    expect(l.port(45000)).toBe('P3');
    expect(l.port(50001)).toBe('E1');
    expect(l.port(50000)).toBe('E2');
    expect(l.port(50001)).toBe('E1');
    expect(l.icmpId(777)).toBe('I4');
    expect(l.icmpId(1)).toBe('J1');
    const mask = maskingLabeller(l);
    expect(mask.port(60000)).toBe('*');
    expect(l.port(60000)).toBe('E3'); // masking did not assign
  });
});
