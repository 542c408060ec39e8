import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from './parse';

// Each text here was fed to iptables-restore (iptables 1.8.9, nf_tables) on Linux 6.18 in a
// fresh namespace; the expected line and chain are the first line it reported.

function chainsText(n: number, rule: (i: number) => string[], head: string[] = []): string {
  const out = ['*filter', ':INPUT ACCEPT [0:0]'];
  for (let i = 0; i < n; i++) out.push(`:C${i} - [0:0]`);
  out.push(...head);
  for (let i = 0; i < n; i++) out.push(...rule(i));
  out.push('COMMIT', '');
  return out.join('\n');
}

function firstError(text: string): { line: number; message: string } | undefined {
  const r = parseIptablesSave(text, 's');
  return r.ok ? undefined : { line: r.error.line, message: r.error.message };
}

const tooMany = (chain: string) => `RULE_APPEND failed (Too many links): rule in chain ${chain}`;

describe('jump depth and loops, as nf_tables refuses them (EMLINK)', () => {
  it('15 user chains below INPUT load, 16 do not; jumps and gotos count alike', () => {
    const chain = (n: number, how: string) =>
      chainsText(n, (i) => (i + 1 < n ? [`-A C${i} ${how} C${i + 1}`] : []), ['-A INPUT -j C0']);
    expect(firstError(chain(15, '-j'))).toBeUndefined();
    expect(firstError(chain(16, '-j'))).toEqual({ line: 34, message: tooMany('C14') });
    expect(firstError(chain(17, '-g'))).toEqual({ line: 35, message: tooMany('C14') });
  });

  it('a loop reachable from a base chain fails at the rule that closes it or makes it reachable', () => {
    expect(
      firstError(
        '*filter\n:INPUT ACCEPT [0:0]\n:C0 - [0:0]\n:C1 - [0:0]\n-A INPUT -j C0\n-A C0 -j C1\n-A C1 -j C0\nCOMMIT\n',
      ),
    ).toEqual({ line: 7, message: tooMany('C1') });
    // A 20-chain loop: the depth runs out before the loop closes.
    const loop20 = chainsText(20, (i) => [`-A C${i} -j C${(i + 1) % 20}`], ['-A INPUT -j C0']);
    expect(firstError(loop20)).toEqual({ line: 38, message: tooMany('C14') });
    // Unreachable loops and deep unreachable chains load...
    expect(
      firstError(
        '*filter\n:INPUT ACCEPT [0:0]\n:C0 - [0:0]\n:C1 - [0:0]\n-A C0 -j C1\n-A C1 -j C0\nCOMMIT\n',
      ),
    ).toBe(undefined);
    expect(firstError(chainsText(17, (i) => (i + 1 < 17 ? [`-A C${i} -j C${i + 1}`] : [])))).toBeUndefined();
    // ... until a rule of a base chain reaches them.
    expect(
      firstError(
        '*filter\n:INPUT ACCEPT [0:0]\n:C0 - [0:0]\n:C1 - [0:0]\n-A C0 -j C1\n-A C1 -j C0\n-A INPUT -j C0\n-A INPUT -j ACCEPT\nCOMMIT\n',
      ),
    ).toEqual({ line: 7, message: tooMany('INPUT') });
  });

  it('20,000 nested chains: refused without overflowing the stack', () => {
    const deep = chainsText(20_000, (i) => (i + 1 < 20_000 ? [`-A C${i} -j C${i + 1}`] : []), [
      '-A INPUT -j C0',
    ]);
    expect(firstError(deep)).toEqual({ line: 20_018, message: tooMany('C14') });
  });

  it('chains named like JavaScript properties are chains like any other', () => {
    const text =
      '*filter\n:INPUT ACCEPT [0:0]\n:__proto__ - [0:0]\n:constructor - [0:0]\n:toString - [0:0]\n-A INPUT -j constructor\n-A constructor -j toString\n-A toString -j __proto__\nCOMMIT\n';
    expect(firstError(text)).toBeUndefined();
    expect(firstError('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j constructor\nCOMMIT\n')?.line).toBe(3);
    expect(firstError('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m constructor -j ACCEPT\nCOMMIT\n')).toEqual({
      line: 3,
      message: "Couldn't load match `constructor':No such file or directory",
    });
  });
});
