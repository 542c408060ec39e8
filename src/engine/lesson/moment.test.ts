import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/load';
import { momentSchema } from '../scenario/schema';
import { runScenario } from '../sim/run';
import { getBuiltinScenario } from '../../scenarios/index';
import { resolveMoment } from './moment';

const m = (x: unknown) => momentSchema.parse(x);

describe('resolveMoment', () => {
  const sc = getBuiltinScenario('same-bridge-hairpin')!;
  const { events } = runScenario(sc);

  it('names an event by what happens and returns the playhead just after it', () => {
    const at = resolveMoment(events, m({ event: 'rewrite', host: 'node', what: 'DNAT', packet: 'SYN' }))!;
    const e = events[at - 1]!;
    expect(e.type === 'rewrite' && e.what).toBe('DNAT');
    expect(e.host).toBe('node');
  });

  it('counts with nth (the retransmitted SYN is the second) and starts at 0', () => {
    expect(resolveMoment(events, m({ event: 'start' }))).toBe(0);
    const first = resolveMoment(events, m({ event: 'packet', host: 'pod-a', packet: 'SYN' }))!;
    const second = resolveMoment(events, m({ event: 'packet', host: 'pod-a', packet: 'SYN', nth: 2 }))!;
    expect(second).toBeGreaterThan(first);
  });

  it('is null for a moment the run does not have (no un-DNAT while the sysctl is 0)', () => {
    expect(resolveMoment(events, m({ event: 'rewrite', what: 'un-DNAT' }))).toBeNull();
  });
});

describe('lessons in the scenario file', () => {
  const base = getBuiltinScenario('host-conntrack')!;
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
