import fc from 'fast-check';
import { compressToEncodedURIComponent } from 'lz-string';
import { describe, expect, it } from 'vitest';
import { decodeShareHash, encodeShareHash, LINK_VERSION, MAX_LINK_CHARS, type ShareState } from './shareLink';

const state: ShareState = {
  scenario: { kind: 'builtin', id: 'same-bridge-hairpin' },
  settings: { 'node:net.bridge.bridge-nf-call-iptables': '1' },
  at: {
    kind: 'moment',
    moment: {
      t: 1300,
      host: 'node',
      type: 'hook',
      n: 1,
      pkt: { t: 1100, host: 'pod-a', n: 0, label: 'IP 10.244.1.2.40001 > 10.96.0.10.80: Flags [S]' },
    },
  },
  packet: { kind: 'key', key: { t: 100, host: 'node', n: 2, label: 'ARP, Request who-has 10.244.1.1' } },
};

describe('share links', () => {
  it('round-trips a built-in scenario view', () => {
    const hash = encodeShareHash(state);
    expect(hash).toContain(`v=${LINK_VERSION}`);
    expect(decodeShareHash(hash)).toEqual({ ok: true, state });
  });

  it('round-trips an edited scenario, compressed', () => {
    const s: ShareState = {
      ...state,
      scenario: { kind: 'inline', json: { version: 1, id: 'mine', hosts: [] } },
      packet: null,
    };
    expect(decodeShareHash(encodeShareHash(s))).toEqual({ ok: true, state: s });
  });

  it('carries a lesson and its step, counted from 1 in the link ("open at step 4")', () => {
    const s: ShareState = { ...state, lesson: { id: 'why-the-sysctl', step: 3 } };
    const hash = encodeShareHash(s);
    expect(hash).toContain('lesson=why-the-sysctl&step=4');
    expect(decodeShareHash(hash)).toEqual({ ok: true, state: s });
    expect(decodeShareHash('#v=2&s=same-bridge-hairpin&lesson=why-the-sysctl')).toMatchObject({
      ok: true,
      state: { lesson: { id: 'why-the-sysctl', step: 0 } },
    });
    expect(decodeShareHash('#v=2&s=x&lesson=a&step=0')).toEqual({ ok: false, error: 'step counts from 1' });
    expect(decodeShareHash('#v=2&s=x&lesson=A%20B&step=1')).toEqual({
      ok: false,
      error: 'lesson id is malformed',
    });
    expect(decodeShareHash('#v=2&s=x&lesson=a&step=two')).toEqual({
      ok: false,
      error: 'step is not a number',
    });
  });

  it('ignores hashes that are not links', () => {
    expect(decodeShareHash('')).toEqual({ ok: 'none' });
    expect(decodeShareHash('#section-2')).toEqual({ ok: 'none' });
  });

  it.each([
    ['#v=99&s=x', 'newer'],
    ['#v=abc&s=x', 'version'],
    ['#v=1', 'names no scenario'],
    ['#v=1&s=<script>', 'malformed'],
    ['#v=1&doc=%%%%', 'corrupt'],
    [`#v=1&doc=${compressToEncodedURIComponent('{not json')}`, 'not JSON'],
    ['#v=1&s=a&at=-1', 'ix is not a number'],
    ['#v=2&s=a&at=5&ev=node hook x', 'ev is malformed'],
    ['#v=2&s=a&at=5&ev=node hook 0&pk=5 no', 'pk is malformed'],
    ['#v=2&s=a&sel=1 a%0Ab 0 x', 'sel is malformed'],
    ['#v=1&s=a&set=__proto__=1', 'bad setting'],
    ['#v=1&s=a&set=node:x y=1', 'bad setting'],
    [`#v=1&s=${'a'.repeat(MAX_LINK_CHARS)}`, 'longer'],
    // A few kB that lz-string would inflate to 3 million characters before anyone measured.
    [
      `#v=1&doc=${compressToEncodedURIComponent('{"a":"'.concat('x'.repeat(3e6), '"}'))}`,
      'larger than 1024 kB',
    ],
  ])('refuses %s clearly', (hash, msg) => {
    const r = decodeShareHash(hash);
    expect(r.ok).toBe(false);
    if (r.ok === false) expect(r.error).toContain(msg);
  });

  it('migrates older link versions step by step', () => {
    // Pretend a later build (version 5) renamed `s` to `scenario` in 4 and back in 5: a link
    // of this build must still open there.
    const steps = {
      3: (p: URLSearchParams) => {
        const q = new URLSearchParams(p);
        q.set('scenario', p.get('s') ?? '');
        q.delete('s');
        return q;
      },
      4: (p: URLSearchParams) => {
        const q = new URLSearchParams(p);
        q.set('s', p.get('scenario') ?? '');
        q.delete('scenario');
        return q;
      },
    };
    const r = decodeShareHash(encodeShareHash(state), { migrations: steps, current: 5 });
    expect(r).toEqual({ ok: true, state });
    const missing = decodeShareHash(encodeShareHash(state), { migrations: { 3: steps[3] }, current: 5 });
    expect(missing).toEqual({ ok: false, error: 'no migration from link version 4' });
    expect(decodeShareHash('#v=0&s=x').ok).toBe(false);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = decodeShareHash(`#v=1&${s}`);
        expect(['none', true, false]).toContain(r.ok);
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('reads a version 1 link: its numbers keep their meaning as numbers', () => {
    expect(decodeShareHash('#v=1&s=same-bridge-hairpin&set=node%3Ax%3D1&at=40&pkt=4')).toEqual({
      ok: true,
      state: {
        scenario: { kind: 'builtin', id: 'same-bridge-hairpin' },
        settings: { 'node:x': '1' },
        at: { kind: 'index', index: 40 },
        packet: { kind: 'id', id: 4 },
      },
    });
    expect(decodeShareHash('#v=2&s=a')).toMatchObject({
      ok: true,
      state: { at: { kind: 'start' }, packet: null },
    });
  });
});
