import { describe, expect, it } from 'vitest';
import { parseIptablesArgs } from './iptables';
import { changeRuleset } from './iptablesChange';
import { listRules, listSpecs } from './iptablesRead';
import type { ConsoleHost } from './state';
import { tokenize } from './tokenize';
import corpus from './testdata/iptables-corpus.json';

// iptables' own rule corpus (testdata/iptables-corpus.txt), each line appended to an empty
// chain by iptables 1.8.9 on the kernel (parity/iptablesCorpus.ts): the console accepts what it
// accepted, prints the chain as `iptables -S` and `iptables -L -n` printed it, refuses what it refused with its words.

function answer(table: string, chain: string, rule: string) {
  const t = tokenize(`iptables -t ${table} -A ${chain} ${rule}`);
  if (!t.ok) throw new Error(t.error);
  const args = parseIptablesArgs(t.stages[0]!.slice(1));
  const ruleset = 'exit' in args ? null : (changeRuleset(null, args).ruleset ?? null);
  const output = 'exit' in args ? args : changeRuleset(null, args).output;
  const h = { ruleset, counters: () => ({ pkts: 0, bytes: 0 }) } as unknown as ConsoleHost;
  const tableName = table as 'filter';
  return {
    output,
    rules: listSpecs(h, tableName, chain, false).stdout,
    list: listRules(h, {
      table: tableName,
      chain,
      numeric: true,
      verbose: false,
      exact: false,
      lineNumbers: false,
    }).stdout,
  };
}

describe('iptables rule corpus, as iptables 1.8.9 read it on the kernel', () => {
  for (const [i, c] of corpus.entries())
    it(`${i}: -t ${c.table} -A ${c.chain} ${c.rule.slice(0, 120)}`, () => {
      const a = answer(c.table, c.chain, c.rule);
      expect({
        exit: a.output.exit,
        stderr: a.output.stderr,
        stdout: a.output.stdout,
        rules: a.rules,
      }).toEqual({
        exit: c.exit,
        stderr: c.stderr,
        stdout: c.stdout,
        rules: c.rules,
      });
    });
});
