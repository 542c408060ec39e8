import { describe, expect, it } from 'vitest';
import { jsonErrorLine, parseArgs } from './args';

describe('parseArgs', () => {
  it('reads the contract options', () => {
    expect(
      parseArgs([
        'same-bridge-hairpin',
        '--set',
        'node:net.bridge.bridge-nf-call-iptables=0',
        '--format',
        'conntrack',
      ]),
    ).toEqual({
      list: false,
      scenario: 'same-bridge-hairpin',
      format: 'conntrack',
      settings: { 'node:net.bridge.bridge-nf-call-iptables': '0' },
    });
    expect(parseArgs(['--list'])).toEqual({ list: true, format: 'outcome', settings: {} });
    expect(parseArgs(['x', '--format=json'])).toMatchObject({ format: 'json' });
  });
  it('names what is wrong', () => {
    expect(parseArgs(['x', '--format', 'xml'])).toEqual({
      error:
        '--format: expected one of conntrack, proc, trace, json, outcome, iptables-save, iptables, nft, got xml',
    });
    expect(parseArgs(['x', '--set', 'novalue'])).toMatchObject({ error: expect.stringContaining('--set') });
    expect(parseArgs([])).toMatchObject({ error: expect.stringContaining('usage') });
  });
  it('turns a JSON position into a line and column', () => {
    expect(
      jsonErrorLine('{\n  "a": ,\n}', 'Unexpected token \',\', "{\n  "a": ,\n}" is not valid JSON'),
    ).toBe("line 2, column 8: Unexpected token ','");
  });
});
