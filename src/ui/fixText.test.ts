import { describe, expect, it } from 'vitest';
import { FIX_REASON_KEYS, FIX_REASONS_EN, type FixReasonKey } from '../engine/fix/reasons';
import { type Fix, findFixes } from '../engine/fix/search';
import type { PathStep } from '../engine/fix/why';
import { builtinScenarios, getBuiltinScenario } from '../scenarios/index';
import { FIX_REASONS_ZH, fixWordsEn, fixWordsZh } from './fixText';

const CJK = /[\u4e00-\u9fff]/;

/** The parameters a template reads, found by rendering it with a recording stand-in. */
function paramsRead(t: (p: Readonly<Record<string, string>>) => string): string[] {
  const read = new Set<string>();
  const p = new Proxy({} as Record<string, string>, {
    get: (_, k) => {
      read.add(String(k));
      return `<${String(k)}>`;
    },
  });
  t(p);
  return [...read].sort();
}

describe('fix reason templates', () => {
  it('every reason key has an English and a Chinese template, reading the same parameters', () => {
    const keys = [...FIX_REASON_KEYS].sort();
    expect(Object.keys(FIX_REASONS_EN).sort()).toEqual(keys);
    expect(Object.keys(FIX_REASONS_ZH).sort()).toEqual(keys);
    for (const k of FIX_REASON_KEYS) {
      expect(paramsRead(FIX_REASONS_ZH[k]), k).toEqual(paramsRead(FIX_REASONS_EN[k]));
      expect(FIX_REASONS_ZH[k](new Proxy({}, { get: (_, n) => String(n) })), k).toMatch(CJK);
    }
  });
});

// The built-in scenarios as they are, and the hairpin with br_netfilter off (the case).
const runs: [string, Record<string, string>][] = [
  ...builtinScenarios.map((s): [string, Record<string, string>] => [s.id, {}]),
  ['same-bridge-hairpin', { 'node:net.bridge.bridge-nf-call-iptables': '0' }],
];
const found: { id: string; fix: Fix }[] = [];
for (const [id, settings] of runs) {
  const r = findFixes(getBuiltinScenario(id)!, { settings });
  if (r.ok) for (const fix of r.result.fixes) found.push({ id, fix });
}

describe('fix reasons of the built-in scenarios, in both languages', () => {
  it('finds fixes to render, with several reason keys among them', () => {
    const keys = new Set<FixReasonKey>(found.flatMap((f) => f.fix.reasons.map((r) => r.key)));
    expect(found.length).toBeGreaterThan(3);
    expect(keys.has('bnf')).toBe(true);
    expect(keys.has('hairpin')).toBe(true);
  });

  it('English, rendered from the parts, is the line the runner prints', () => {
    for (const { id, fix } of found) expect(fixWordsEn.why(fix.reasons, fix.account), id).toBe(fix.why);
  });

  it('Chinese says each reason, step and packet from its template, with no English reason left', () => {
    for (const { id, fix } of found) {
      const line = fixWordsZh.why(fix.reasons, fix.account);
      expect(line, id).toMatch(CJK);
      expect(line, id).not.toMatch(/undefined|\bnow\b|\bbefore:|, then /);
      for (const r of fix.reasons) {
        expect(line, id).toContain(fixWordsZh.reason(r));
        expect(line, id).not.toContain(fixWordsEn.reason(r));
      }
      const steps: PathStep[] = [...(fix.path?.with ?? []), ...(fix.path?.without ?? [])];
      for (const s of steps)
        for (const withHost of [true, false]) {
          const text = fixWordsZh.step(s, withHost);
          expect(text, `${id}: ${s.text}`).toMatch(CJK);
          expect(text).not.toMatch(
            /undefined|\b(passes|meets|is rewritten|is dropped|is delivered|finds no)\b/,
          );
          // English without the host is the step as the comparison showed it before.
          expect(fixWordsEn.step(s, withHost)).toBe(withHost ? s.text : s.text.replace(` on ${s.host}`, ''));
        }
      if (fix.path) expect(fixWordsEn.packet(fix.path.packetName)).toBe(fix.path.packet);
    }
  });
});
