import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../iptables';
import { listIptablesTable, restoreOrder } from './iptablesNft';
import corpus from './testdata/iptables-nft/corpus.json';

// Against the kernel: how nft 1.0.6 lists what iptables-nft 1.8.9 wrote for each rule of the
// corpus (testdata/iptables-nft/corpus.json, parity/iptablesNftCorpus.ts), and whole rulesets
// (the scenario hosts' and testdata/iptables-nft/tables/, scripts/nft-iptables-goldens.sh).

const files = import.meta.glob<string>(
  ['./testdata/iptables-nft/*.{save,list}', './testdata/iptables-nft/tables/*.{save,list}'],
  {
    query: '?raw',
    import: 'default',
    eager: true,
  },
);
const zero = () => ({ pkts: 0, bytes: 0 });

interface Row {
  table: string;
  chain: string;
  rule: string;
  exit: number;
  rules?: string[];
  nft?: string[];
  xt?: boolean;
}

const rows = (corpus as Row[]).filter((r) => r.exit === 0);

/** What `nft list ruleset` prints for an iptables-save text loaded with iptables-restore. */
function listSave(text: string): { out: string; warnings: string[] } {
  const p = parseIptablesSave(text, 'golden');
  if (!p.ok) throw new Error(p.error.message);
  const order = restoreOrder(text);
  const tables = [...order.keys()].map((n) => p.ruleset.tables.find((t) => t.name === n)!);
  const listed = tables.map((t) => listIptablesTable(t, zero, order.get(t.name)));
  return {
    out: listed.map((t) => t.text).join(''),
    warnings: listed.filter((t) => t.xt).map((t) => t.name),
  };
}

describe('iptables-nft rules as nft lists them (kernel corpus)', () => {
  // The rule as typed (iptables -S reads some back changed: `! --dport :1023` as `--dport
  // 1024:65535`); as -S printed it where one line made several rules (`-s a,b`).
  const saveOf = (r: Row, lines: readonly string[]) =>
    [
      `*${r.table}`,
      `:${r.chain} ACCEPT [0:0]`,
      ...(r.table === 'nat' ? [':KUBE-SERVICES - [0:0]'] : []),
      ...lines,
      'COMMIT',
      '',
    ].join('\n');
  it.each(rows.map((r) => [r.rule, r] as const))('%s', (_, r) => {
    const typed =
      r.rules!.length === 1 ? parseIptablesSave(saveOf(r, [`-A ${r.chain} ${r.rule}`]), 'c') : undefined;
    const p = typed?.ok ? typed : parseIptablesSave(saveOf(r, r.rules!), 'corpus');
    if (!p.ok) throw new Error(p.error.message);
    const t = p.ruleset.tables[0]!;
    const listed = listIptablesTable(t, zero);
    const chain = listed.chains.find((c) => c.name === r.chain)!;
    const lines = chain.text
      .split('\n')
      .slice(2, -2)
      .map((l) => l.replace(/^\t\t/, ''));
    expect(lines).toEqual(r.nft);
    expect(listed.xt).toBe(r.xt);
  });
});

describe('iptables-nft rulesets as nft lists them (kernel goldens)', () => {
  const saves = Object.keys(files).filter((f) => f.endsWith('.save'));
  it('has the scenario hosts and the hand-written tables', () => expect(saves.length).toBe(18));
  it.each(saves)('%s', (f) => {
    const text = files[f]!;
    const golden = files[f.replace(/\.save$/, '.list')]!;
    expect(listSave(text).out).toBe(golden);
  });
});
