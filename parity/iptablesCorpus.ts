// Captures the verdicts of iptables 1.8.9 on the rule corpus (as root:
// `npx tsx parity/iptablesCorpus.ts`). Each line of src/engine/console/testdata/iptables-corpus.txt
// runs as `iptables -t TABLE -A CHAIN <rule>` in one empty namespace; its exit status, its
// stderr and then `iptables -t TABLE -S CHAIN` go to iptables-corpus.json, and the chain is
// flushed before the next line. The console's test (iptablesCorpus.test.ts) answers the same.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inNs, sh } from './sh';
import { readCorpus } from '../src/engine/console/corpus';

const here = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'engine', 'console', 'testdata');
const ns = 'nfx-cons-corpus';

const corpus = readCorpus(readFileSync(join(here, 'iptables-corpus.txt'), 'utf8'));
const run = (cmd: string) => sh(inNs(ns, ['sh', '-c', cmd]), { timeoutMs: 10_000 });
sh(['ip', 'netns', 'del', ns]);
const add = sh(['ip', 'netns', 'add', ns]);
if (add.code !== 0) throw new Error(add.stderr);
try {
  const out = corpus.map((c) => {
    const r = run(`iptables -t ${c.table} -A ${c.chain} ${c.rule}`);
    const s = run(`iptables -t ${c.table} -S ${c.chain}`);
    const l = run(`iptables -t ${c.table} -L ${c.chain} -n`);
    run(`iptables -t ${c.table} -F ${c.chain}`);
    return { ...c, exit: r.code, stdout: r.stdout, stderr: r.stderr, rules: s.stdout, list: l.stdout };
  });
  writeFileSync(join(here, 'iptables-corpus.json'), `${JSON.stringify(out, null, 1)}\n`);
  console.log(`iptables-corpus: ${out.length} rules, ${out.filter((o) => o.exit === 0).length} accepted`);
} finally {
  sh(['ip', 'netns', 'del', ns]);
}
