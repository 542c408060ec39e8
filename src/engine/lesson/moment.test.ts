import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/load';
import { momentSchema } from '../scenario/schema';
import { runScenario } from '../sim/run';
import { resolveMoment } from './moment';

const m = (x: unknown) => momentSchema.parse(x);

// A scenario of its own (the engine knows nothing of src/scenarios): server DNATs port 80 to
// its own port 8080 and its INPUT drops 8080, so the SYN is DNATed, dropped and retransmitted,
// and no reply is ever un-DNATed.
const lo = { name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'] };
const fixture = (() => {
  const r = parseScenario(
    {
      version: 1,
      id: 'moment-fixture',
      hosts: [
        {
          name: 'client',
          interfaces: [
            lo,
            {
              name: 'eth0',
              kind: 'veth',
              addresses: ['10.0.0.1/24'],
              peer: { host: 'server', ifname: 'eth0' },
            },
          ],
        },
        {
          name: 'server',
          interfaces: [
            lo,
            {
              name: 'eth0',
              kind: 'veth',
              addresses: ['10.0.0.2/24'],
              peer: { host: 'client', ifname: 'eth0' },
            },
          ],
          iptables_save:
            '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n' +
            '-A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.2:8080\nCOMMIT\n' +
            '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n' +
            '-A INPUT -p tcp -m tcp --dport 8080 -j DROP\nCOMMIT\n',
        },
      ],
      traffic: [
        { kind: 'tcp-listen', host: 'server', port: 8080, reply: 'hi' },
        { kind: 'tcp-connect', host: 'client', to: '10.0.0.2:80', at: 0, timeout: 3000 },
      ],
    },
    'fixture.json',
  );
  if (!r.ok) throw new Error(r.error);
  return r.scenario;
})();

describe('resolveMoment', () => {
  const { events } = runScenario(fixture);

  it('names an event by what happens and returns the playhead just after it', () => {
    const at = resolveMoment(events, m({ event: 'rewrite', host: 'server', what: 'DNAT', packet: 'SYN' }))!;
    const e = events[at - 1]!;
    expect(e.type === 'rewrite' && e.what).toBe('DNAT');
    expect(e.host).toBe('server');
  });

  it('counts with nth (the retransmitted SYN is the second) and starts at 0', () => {
    expect(resolveMoment(events, m({ event: 'start' }))).toBe(0);
    const first = resolveMoment(events, m({ event: 'packet', host: 'client', packet: 'SYN' }))!;
    const second = resolveMoment(events, m({ event: 'packet', host: 'client', packet: 'SYN', nth: 2 }))!;
    expect(second).toBeGreaterThan(first);
  });

  it('is null for a moment the run does not have (no reply, so no un-DNAT)', () => {
    expect(resolveMoment(events, m({ event: 'rewrite', what: 'un-DNAT' }))).toBeNull();
  });

  it('tells a drop by its reason and an outcome by ok', () => {
    const drop = resolveMoment(events, m({ event: 'drop', host: 'server', packet: 'SYN' }))!;
    expect(events[drop - 1]!.type).toBe('drop');
    expect(resolveMoment(events, m({ event: 'outcome', ok: true }))).toBeNull();
    expect(resolveMoment(events, m({ event: 'outcome', ok: false }))).toBeGreaterThan(drop);
  });
});

describe('lessons in the scenario file', () => {
  const base = fixture;
  const withStep = (step: unknown) => ({
    ...base,
    lessons: [{ id: 'l', title: { en: 'L', zh: 'L' }, steps: [step] }],
  });
  const text = { en: 'a', zh: 'a' };

  it('refuses a prediction whose answer is not a choice, naming the field', () => {
    const r = parseScenario(
      withStep({
        text,
        at: { event: 'start' },
        predict: { choices: [text, text], answer: 2, why: text, reveal: { event: 'start' } },
      }),
      'x.json',
    );
    expect(r).toEqual({
      ok: false,
      error: 'x.json: lessons[0].steps[0].predict.answer: answer is not one of the choices',
    });
  });

  it('refuses an unknown moment kind and a host that does not exist', () => {
    const bad = parseScenario(withStep({ text, at: { event: 'teleport' } }), 'x.json');
    expect(bad.ok === false && bad.error).toMatch(/^x\.json: lessons\[0\]\.steps\[0\]\.at\.event: /);
    const nohost = parseScenario(
      withStep({ text, at: { event: 'start' }, highlight: { kind: 'conntrack', host: 'nowhere' } }),
      'x.json',
    );
    expect(nohost).toEqual({
      ok: false,
      error: 'x.json: lessons[0].steps[0].highlight.host: no host named nowhere',
    });
  });
});
