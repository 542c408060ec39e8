// Where a rule is in its ruleset's text: the rules view marks it, and the worker finds it in a
// text too long to send (the text or its lines).

/**
 * The line of `iptables-save -c` text holding rule `rulenum` of `chain` in `table` (its
 * `:CHAIN POLICY` line for 0), or -1.
 */
export function ruleLine(
  save: string | readonly string[],
  table: string,
  chain: string,
  rulenum: number,
): number {
  const lines = typeof save === 'string' ? save.split('\n') : save;
  let inTable = false;
  let n = 0;
  for (let k = 0; k < lines.length; k++) {
    const l = lines[k]!;
    if (l.startsWith('*')) inTable = l === `*${table}`;
    else if (!inTable) continue;
    else if (rulenum === 0 && l.startsWith(`:${chain} `)) return k;
    else if (rulenum > 0 && /^(?:\[\d+:\d+\] )?-A (\S+)/.exec(l)?.[1] === chain && ++n === rulenum) return k;
  }
  return -1;
}

/**
 * The line of `nft list ruleset` text holding rule `rulenum` of `chain` in the nft table `table`
 * (of `family`, any when not given), its `type ... policy` line for 0, or -1. Rules are the
 * chain's lines at two tabs; a rule wrapped over several lines continues at deeper indent.
 */
export function nftRuleLine(
  text: string | readonly string[],
  family: string | undefined,
  table: string,
  chain: string,
  rulenum: number,
): number {
  const lines = typeof text === 'string' ? text.split('\n') : text;
  let inTable = false;
  let inChain = false;
  let n = 0;
  for (let k = 0; k < lines.length; k++) {
    const l = lines[k]!;
    const t = /^table (\S+) (\S+) \{$/.exec(l);
    if (t) {
      inTable = t[2] === table && (family === undefined || t[1] === family);
      inChain = false;
    } else if (!inTable) continue;
    else if (l.startsWith('\tchain ')) inChain = l === `\tchain ${chain} {`;
    else if (!inChain) continue;
    else if (l === '\t}') inChain = false;
    else if (/^\t\t(type|policy) /.test(l)) {
      if (rulenum === 0) return k;
    } else if (/^\t\t[^\t]/.test(l) && !l.startsWith('\t\tcomment ') && ++n === rulenum) return k;
  }
  return -1;
}
