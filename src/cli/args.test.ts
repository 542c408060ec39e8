import { describe, expect, it } from 'vitest';
import { jsonErrorLine, parseArgs, parseTime } from './args';

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
    expect(parseArgs(['x', '--explain-fix'])).toMatchObject({ scenario: 'x', explainFix: true });
    expect(parseArgs(['x', '--explain-fix', '--at', '1s'])).toEqual({
      error: '--explain-fix: looks at whole runs and takes no --at',
    });
  });
  it('names what is wrong', () => {
    expect(parseArgs(['x', '--format', 'xml'])).toEqual({
      error:
        '--format: expected one of conntrack, proc, trace, json, outcome, events, iptables-save, iptables, nft, nft-trace, pcap, got xml',
    });
    expect(parseArgs(['x', '--set', 'novalue'])).toMatchObject({ error: expect.stringContaining('--set') });
    expect(parseArgs([])).toMatchObject({ error: expect.stringContaining('usage') });
    expect(parseArgs(['x', '--format', 'pcap'])).toEqual({
      error: '--format pcap needs --iface host:ifname (the interface to capture)',
    });
    expect(parseArgs(['x', '--format', 'pcap', '--iface', 'node'])).toEqual({
      error: '--iface: expected host:ifname, e.g. node:cni0, got node',
    });
    expect(parseArgs(['x', '--format', 'pcap', '--iface', 'node:cni0'])).toMatchObject({
      format: 'pcap',
      iface: { host: 'node', ifname: 'cni0' },
    });
  });
  it('reads --at as a virtual time in µs and names a bad one', () => {
    expect(parseArgs(['x', '--at', '2.5s'])).toMatchObject({ at: 2_500_000 });
    expect(parseArgs(['x', '--at=1500ms'])).toMatchObject({ at: 1_500_000 });
    expect(parseArgs(['x', '--at', '250us'])).toMatchObject({ at: 250 });
    expect(parseTime('0s')).toBe(0);
    for (const bad of ['2.5', '1h', '-1s', 's', '1e3ms'])
      expect(parseArgs(['x', '--at', bad])).toEqual({
        error: `--at: expected a virtual time such as 2.5s or 1500ms, got ${bad}`,
      });
    expect(parseArgs(['x', '--at'])).toMatchObject({ error: expect.stringContaining('got nothing') });
  });
  it('turns a JSON position into a line and column', () => {
    expect(
      jsonErrorLine('{\n  "a": ,\n}', 'Unexpected token \',\', "{\n  "a": ,\n}" is not valid JSON'),
    ).toBe("line 2, column 8: Unexpected token ','");
  });
});
