import fc from 'fast-check';
import lz from 'lz-string';
import { describe, expect, it } from 'vitest';
import type { ChangeSpec } from '../../engine/scenario/schema';
import { builtinScenarios } from '../../scenarios/index';
import { decodeShareHash, encodeShareHash, type ShareState } from '../shareLink';
import { decodeChanges, encodeChanges, TOKENS } from './changes';

/** A console session on same-bridge-hairpin: ten commands of the kinds people type. */
const SESSION: readonly ChangeSpec[] = [
  { at: 0, host: 'node', command: 'sysctl -w net.bridge.bridge-nf-call-iptables=1' },
  { at: 120.5, host: 'node', command: 'iptables -A INPUT -p tcp --dport 22 -j ACCEPT' },
  { at: 300, host: 'node', command: 'iptables -I FORWARD 1 -s 10.244.1.2/32 -j DROP' },
  { at: 300, host: 'node', command: 'iptables -D FORWARD 1' },
  { at: 450, host: 'node', command: 'conntrack -F' },
  { at: 500, host: 'node', command: 'bridge link set dev veth-a hairpin on' },
  { at: 700, host: 'pod-a', command: 'ip route add 10.0.0.0/8 via 10.244.1.1' },
  { at: 1000, host: 'pod-a', command: 'curl http://10.96.0.10:80/' },
  { at: 1500, host: 'pod-a', command: 'ping -c 3 10.244.1.3' },
  { at: 2000.3, host: 'node', command: 'iptables -t nat -A POSTROUTING -s 10.244.1.0/24 -j MASQUERADE' },
];

const change = fc.record(
  {
    at: fc.oneof(fc.nat(10_000_000), fc.double({ min: 0, max: 1e7, noNaN: true })),
    host: fc.oneof(fc.constantFrom('node', 'pod-a', 'pod-b'), fc.string({ minLength: 1, maxLength: 12 })),
    command: fc.oneof(
      fc.constantFrom(...SESSION.map((c) => c.command)),
      fc.string({ minLength: 1, maxLength: 60, unit: 'binary' }),
      fc
        .array(fc.constantFrom(...TOKENS, 'x', '\t', '\n', '\x7f', '\x01', '\x85', '中'), { minLength: 1 })
        .map((a) => a.join('')),
    ),
    stdin: fc.string({ maxLength: 80, unit: 'binary' }),
  },
  { requiredKeys: ['at', 'host', 'command'] },
);

describe('the chg parameter', () => {
  it('gives back exactly the changes it was made from', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 12 }), (cs) => {
        expect(decodeChanges(encodeChanges(cs), 1e6)).toEqual(cs);
      }),
      { numRuns: 400 },
    );
  });

  it('has a code for every token, each token once', () => {
    expect(TOKENS.length).toBe(61);
    expect(new Set(TOKENS).size).toBe(TOKENS.length);
  });

  it('refuses what it cannot read, naming the change', () => {
    const z = (s: string) => lz.compressToEncodedURIComponent(s);
    expect(decodeChanges('%%', 1e6)).toEqual(new Error('chg is corrupt'));
    expect(decodeChanges(z('1\tnode'), 1e6)).toEqual(new Error('chg: change 1 has 2 fields'));
    expect(decodeChanges(z('x\tnode\tconntrack -F'), 1e6)).toEqual(
      new Error('chg: change 1: time is not a number'),
    );
    expect(decodeChanges(z('0\t\tconntrack -F'), 1e6)).toEqual(new Error('chg: change 1 names no host'));
    expect(decodeChanges(z('0\tnode\t'), 1e6)).toEqual(new Error('chg: change 1 has no command'));
    expect(decodeChanges(z('0\tnode\tabc\x7f'), 1e6)).toEqual(new Error('chg ends in an escape'));
    expect(decodeChanges(z('0\tnode\t\x00'), 1e6)).toEqual(new Error('chg: unknown code 0 at 7'));
    expect(decodeChanges(z(`0\tnode\t${'a'.repeat(5000)}`), 1000)).toEqual(
      new Error('the changes in the link are larger than 0.9765625 kB'),
    );
  });

  it('makes a session of ten commands a short link instead of the whole scenario', () => {
    const hairpin = builtinScenarios.find((s) => s.id === 'same-bridge-hairpin')!;
    const at: ShareState['at'] = { kind: 'start' };
    const whole = encodeShareHash({
      scenario: { kind: 'inline', json: { ...hairpin, changes: SESSION } },
      settings: {},
      at,
      packet: null,
    });
    const state: ShareState = {
      scenario: { kind: 'builtin', id: 'same-bridge-hairpin', changes: SESSION },
      settings: {},
      at,
      packet: null,
    };
    const compact = encodeShareHash(state);
    expect(decodeShareHash(compact)).toEqual({ ok: true, state });
    // The commands as JSON, URL-encoded, would be more than twice as long again.
    const plain = new URLSearchParams({ chg: JSON.stringify(SESSION) }).toString();
    expect(compact.length * 10).toBeLessThan(whole.length);
    expect(compact.length * 2).toBeLessThan(plain.length);
  });

  it('a link says "no changes" over an inline scenario that has some', () => {
    const state: ShareState = {
      scenario: { kind: 'inline', json: { id: 'x', changes: SESSION }, changes: [] },
      settings: {},
      at: { kind: 'start' },
      packet: null,
    };
    expect(encodeShareHash(state)).toMatch(/&chg=(&|$)/);
    expect(decodeShareHash(encodeShareHash(state))).toEqual({ ok: true, state });
  });
});
