import { describe, expect, it } from 'vitest';
import { runScenario } from '../sim/run';
import { parseScenario } from '../scenario/load';
import { runCommand } from './run';

// The console's `nft list ...` against what nft 1.0.6 printed in a namespace holding the
// iptables-nft tables of host.save and the native table of host.nft
// (scripts/nft-list-goldens.sh): stdout and stderr as a terminal shows them, and the exit status.

const files = import.meta.glob<string>('../nft/testdata/nft-list/*', {
  query: '?raw',
  import: 'default',
  eager: true,
});
const read = (f: string) => files[`../nft/testdata/nft-list/${f}`]!;

const loaded = parseScenario(
  {
    version: 1,
    id: 'nft-list',
    hosts: [
      {
        name: 'h',
        interfaces: [{ name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'] }],
        routes: [],
        iptables_save: read('host.save'),
        nft_ruleset: read('host.nft'),
      },
    ],
    traffic: [],
  },
  'nft-list',
);
if (!loaded.ok) throw new Error(loaded.error);
const scenario = loaded.scenario;

/** `$ command`, what it printed, `[exit N]`, as the capture script writes them. */
function goldens(): { cmd: string; text: string; exit: number }[] {
  const out: { cmd: string; text: string; exit: number }[] = [];
  const re = /^\$ (.*)\n([\s\S]*?)\n?\[exit (\d+)\]$/gm;
  for (const m of read('nft-list.txt').matchAll(re))
    out.push({ cmd: m[1]!, text: m[2] ? `${m[2]}\n` : '', exit: Number(m[3]) });
  return out;
}

describe('nft list in the console, as on the kernel', () => {
  const r = runScenario(scenario);
  const cases = goldens();
  it('has the captured commands', () => expect(cases.length).toBe(28));
  it.each(cases.map((c) => [c.cmd, c] as const))('%s', (_, c) => {
    const o = runCommand(r, r.events.length, 'h', c.cmd);
    expect(o.text ?? o.stdout + o.stderr).toBe(c.text);
    expect(o.exit).toBe(c.exit);
  });
  it('pipes stdout to grep; the warnings go to the terminal first', () => {
    const o = runCommand(r, r.events.length, 'h', 'nft list ruleset | grep dnat');
    expect(o.text).toBe(
      '# Warning: table ip filter is managed by iptables-nft, do not touch!\n# Warning: table ip nat is managed by iptables-nft, do not touch!\n\t\tip daddr 10.96.0.10 tcp dport 80 counter packets 0 bytes 0 dnat to 10.244.1.3:8080\n',
    );
  });
});
