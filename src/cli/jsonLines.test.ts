import { describe, expect, it } from 'vitest';
import { lineOfField, parseFieldPath } from './jsonLines';

describe('lineOfField', () => {
  const text =
    '{\n  "version": 1,\n  "hosts": [\n    { "name": "a" },\n    {\n      "name": "b",\n      "iptables_save": "*filter\\n"\n    }\n  ],\n  "x": [[], {}, "s"]\n}\n';
  it('finds the line of a field given as the engine names it', () => {
    expect(lineOfField(text, parseFieldPath('hosts[1].iptables_save')!)).toBe(7);
    expect(lineOfField(text, parseFieldPath('hosts[0].name')!)).toBe(4);
    expect(lineOfField(text, parseFieldPath('hosts[1]')!)).toBe(5);
    expect(lineOfField(text, parseFieldPath('x[2]')!)).toBe(10);
    expect(lineOfField(text, parseFieldPath('hosts[2]')!)).toBeUndefined();
    expect(parseFieldPath('--set a:b=c')).toBeUndefined();
  });
  it('walks 100,000 levels of nesting without recursion', () => {
    const deep = `${'['.repeat(100_000)}\n1${']'.repeat(100_000)}`;
    expect(lineOfField(deep, Array(100_000).fill(0))).toBe(2);
  });
});
