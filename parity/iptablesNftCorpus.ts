// Captures how nft 1.0.6 shows the rules iptables-nft 1.8.9 writes (as root:
// `npx tsx parity/iptablesNftCorpus.ts`). Each line of the rule corpus
// (src/engine/console/testdata/iptables-corpus.txt, then testdata/iptables-nft/extra-rules.txt) runs as `iptables -t TABLE -A CHAIN <rule>`
// in one empty namespace; for each accepted rule, the rule lines of `nft list chain ip TABLE
// CHAIN` go to src/engine/nft/testdata/iptables-nft/corpus.json, and the chain is flushed before
// the next line. The nft printer of iptables-nft tables (iptablesNft.test.ts) must print the same.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inNs, sh } from './sh';
import { readCorpus } from '../src/engine/console/corpus';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'src/engine/nft/testdata/iptables-nft');
const corpusText = [
  readFileSync(join(root, 'src/engine/console/testdata/iptables-corpus.txt'), 'utf8'),
  readFileSync(join(dir, 'extra-rules.txt'), 'utf8'),
].join('\n');
const out = join(dir, 'corpus.json');
const ns = 'nfx-nftout-corpus';

const run = (argv: string[]) => sh(inNs(ns, argv), { timeoutMs: 10_000 });
sh(['ip', 'netns', 'del', ns]);
const add = sh(['ip', 'netns', 'add', ns]);
if (add.code !== 0) throw new Error(add.stderr);
try {
  // The corpus jumps to KUBE-SERVICES from nat PREROUTING.
  run(['iptables', '-t', 'nat', '-N', 'KUBE-SERVICES']);
  const rows = readCorpus(corpusText).map((c) => {
    const r = run(['sh', '-c', `iptables -t ${c.table} -A ${c.chain} ${c.rule}`]);
    if (r.code !== 0) return { ...c, exit: r.code, stderr: r.stderr };
    const save = run(['iptables', '-t', c.table, '-S', c.chain]).stdout.split('\n');
    const l = run(['nft', 'list', 'chain', 'ip', c.table, c.chain]);
    run(['iptables', '-t', c.table, '-F', c.chain]);
    // The rule lines: between the base chain's `type ...` line and the chain's closing brace.
    const lines = l.stdout.split('\n');
    const from = lines.findIndex((x) => x.startsWith('\t\ttype ')) + 1;
    const to = lines.lastIndexOf('\t}');
    return {
      ...c,
      exit: 0,
      rules: save.filter((x) => x.startsWith('-A ')),
      nft: lines.slice(from, to).map((x) => x.replace(/^\t\t/, '')),
      // nft warns on stderr when a table holds xt (compat) expressions.
      xt: l.stderr.includes('managed by iptables-nft'),
    };
  });
  writeFileSync(out, `${JSON.stringify(rows, null, 1)}\n`);
  console.log(`iptables-nft corpus: ${rows.length} rules, ${rows.filter((o) => o.exit === 0).length} listed`);
} finally {
  sh(['ip', 'netns', 'del', ns]);
}
