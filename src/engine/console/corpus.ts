// The rule corpus's own format (testdata/iptables-corpus.txt): `@ TABLE CHAIN` says where the
// following rule lines go; `#` lines are comments.

export interface CorpusLine {
  readonly table: string;
  readonly chain: string;
  readonly rule: string;
}

export function readCorpus(text: string): CorpusLine[] {
  let table = 'filter';
  let chain = 'INPUT';
  const out: CorpusLine[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const at = /^@ (\S+) (\S+)$/.exec(line);
    if (at) {
      table = at[1]!;
      chain = at[2]!;
    } else out.push({ table, chain, rule: line });
  }
  return out;
}
