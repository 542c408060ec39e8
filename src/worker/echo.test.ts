import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ECHO_MIN_CHARS, elideEcho, longStrings, restoreEcho } from './echo';

const long = (c: string) => c.repeat(ECHO_MIN_CHARS);

describe('echo', () => {
  it('sends a long string of the request back as a short mark, and the client gets it back', () => {
    const rules = long('r');
    const request = { scenario: { hosts: [{ name: 'a', iptables_save: rules }, { name: 'b' }] } };
    const answer = { ok: true, scenario: { hosts: [{ name: 'a', iptables_save: rules }], note: long('n') } };
    const sent = longStrings(structuredClone(request));
    const wire = elideEcho(answer, sent);
    expect(wire.scenario.hosts[0]!.iptables_save.length).toBeLessThan(40);
    // A long string the request did not carry travels as it is.
    expect(wire.scenario.note).toBe(answer.scenario.note);
    expect(answer.scenario.hosts[0]!.iptables_save).toBe(rules); // the worker's own data is not changed
    expect(restoreEcho(structuredClone(wire), longStrings(request))).toEqual(answer);
  });

  it('leaves answers without long strings as they are, the same object', () => {
    const a = { hosts: { a: { conntrack: [{ id: 1, line: 'x' }] } } };
    expect(elideEcho(a, [long('x')])).toBe(a);
    expect(restoreEcho(a, [])).toBe(a);
  });

  it('round-trips any data whose long strings come from the request', () => {
    const str = fc.oneof(fc.string(), fc.constantFrom(long('a'), long('b'), `${long('a')}!`));
    const data = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        str,
        fc.integer(),
        fc.array(tie('v'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('v'), { maxKeys: 4 }),
      ),
    })).v;
    fc.assert(
      fc.property(data, data, (request, answer) => {
        const sent = longStrings(request);
        expect(
          restoreEcho(structuredClone(elideEcho(answer, sent)), longStrings(structuredClone(request))),
        ).toEqual(answer);
      }),
      { numRuns: 200 },
    );
  });
});
