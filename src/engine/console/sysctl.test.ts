import { describe, expect, it } from 'vitest';
import { getBuiltinScenario } from '../../scenarios';
import { runScenario } from '../sim/run';
import { runCommand } from './run';
import { MACHINE } from './sysctl';
import captured from './testdata/sysctl-a.json';

// `sysctl -a` on same-bridge-hairpin's node and pod-a as the kernel printed it in namespaces
// built by parity (parity/sysctlCapture.ts): the console prints the `net.` tree, key for key and
// in the same order, but for the values the machine sizes (MACHINE, left out on purpose).
// The parity build turns IPv6 off in its namespaces (disable_ipv6=1), which the scenario does
// not ask for: those lines are read with the kernel's default, 0.

const result = runScenario(getBuiltinScenario('same-bridge-hairpin')!);

describe('sysctl -a, as the kernel printed it', () => {
  for (const host of ['node', 'pod-a'] as const)
    it(`${host}: the net. keys of its namespace, values and order`, () => {
      const kernel = captured[host]
        .split('\n')
        .filter((l) => l.startsWith('net.') && !MACHINE.test(l.split(' = ')[0]!))
        .map((l) => l.replace(/^(net\.ipv6\.conf\.[^.]+\.disable_ipv6) = 1$/, '$1 = 0'));
      const lines = runCommand(result, 0, host, 'sysctl -a').stdout.split('\n').filter(Boolean);
      expect(lines.length).toBeGreaterThan(600);
      expect(lines).toEqual(kernel);
    });

  it('leaves out what the machine decides, and says nothing of other trees', () => {
    const all = runCommand(result, 0, 'node', 'sysctl -a').stdout;
    expect(all).not.toMatch(/^net\.netfilter\.nf_conntrack_buckets /m);
    expect(all).not.toMatch(/^(kernel|vm|fs)\./m);
    expect(all).toMatch(/^net\.netfilter\.nf_conntrack_max = 262144$/m);
    expect(runCommand(result, 0, 'node', 'sysctl net.ipv4.tcp_rmem').stderr).toBe(
      "sysctl: net.ipv4.tcp_rmem: sized by the machine's memory or set by its own configuration; not modelled\n",
    );
    expect(runCommand(result, 0, 'node', 'sysctl net.ipv4.tcp_fin_timeout').stdout).toBe(
      'net.ipv4.tcp_fin_timeout = 60\n',
    );
    expect(runCommand(result, 0, 'node', 'sysctl -a | grep -c conf.veth-a.').stdout).toBe('95\n');
  });
});
