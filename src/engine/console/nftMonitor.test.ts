import { describe, expect, it } from 'vitest';
import { getBuiltinScenario } from '../../scenarios';
import { runScenario } from '../sim/run';
import { runCommand } from './run';

describe('nft monitor trace in the console', () => {
  const r = runScenario(getBuiltinScenario('same-bridge-hairpin')!, {
    settings: { 'node:kube-proxy-mode': 'nftables' },
  });
  const dnat = r.events.findIndex((e) => e.type === 'rewrite' && e.what === 'DNAT');

  it('prints what the monitor printed in this namespace up to the playhead, the DNAT rule last', () => {
    const o = runCommand(r, dnat, 'node', 'nft monitor trace');
    expect(o.exit).toBe(0);
    const ls = o.stdout.trimEnd().split('\n');
    expect(ls[0]).toMatch(
      /^trace id [0-9a-f]{8} ip kube-proxy filter-prerouting-pre-dnat packet: iif "cni0" ether saddr \S+ ether daddr \S+ ip saddr 10\.244\.1\.2 ip daddr 10\.96\.0\.10 .* tcp flags == syn tcp window 64240 $/,
    );
    expect(ls.at(-1)).toMatch(
      /^trace id [0-9a-f]{8} ip kube-proxy endpoint-\S+ rule meta l4proto tcp dnat to 10\.244\.1\.3:8080 \(verdict accept\)$/,
    );
    // Later, more lines: the monitor goes on.
    expect(runCommand(r, r.events.length, 'node', 'nft monitor trace').stdout.length).toBeGreaterThan(
      o.stdout.length,
    );
  });

  it('a pod without nftables base chains prints nothing', () => {
    expect(runCommand(r, r.events.length, 'pod-a', 'nft monitor trace')).toEqual({
      stdout: '',
      stderr: '',
      exit: 0,
    });
  });

  it('errors as nft 1.0.6 words them', () => {
    expect(runCommand(r, 0, 'node', 'nft monitor bogus').stderr).toBe(
      'Error: invalid event bogus\nmonitor bogus\n        ^^^^^\n',
    );
    expect(runCommand(r, 0, 'node', 'nft monitor trace extra').stderr).toBe(
      'Error: syntax error, unexpected string, expecting end of file or newline or semicolon\nmonitor trace extra\n              ^^^^^\n',
    );
  });
});
