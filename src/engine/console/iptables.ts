import type { TableName } from '../timeline/events';
import { changeRuleset } from './iptablesChange';
import { IPT, incompatible, isTable, listRules, listSpecs, noTable } from './iptablesRead';
import { type CommandOutput, err } from './output';
import type { ConsoleHost } from './state';

// The iptables command line as iptables 1.8.9 reads it (getopt_long over
// "-:A:C:D:R:I:L::S::M:F::Z::N:X::E:P:Vh::o:p:s:d:j:g:i:m:nt:fvw::W::xc:"): one command,
// its chain (and rule number), the table, the listing flags, and the rule spec that is left.

export interface IptablesArgs {
  readonly command: string;
  readonly table: TableName;
  readonly chain?: string;
  /** -I/-R/-D with a number, -P's policy, -E's new name. */
  readonly operand?: string;
  readonly numeric: boolean;
  readonly verbose: boolean;
  readonly exact: boolean;
  readonly lineNumbers: boolean;
  /** The rule's own words (matches and target), for -A/-I/-D/-R/-C. */
  readonly rule: readonly string[];
}

const COMMAND_LONG: Readonly<Record<string, string>> = {
  '--append': 'A',
  '--check': 'C',
  '--delete': 'D',
  '--replace': 'R',
  '--insert': 'I',
  '--list': 'L',
  '--list-rules': 'S',
  '--flush': 'F',
  '--zero': 'Z',
  '--new-chain': 'N',
  '--new': 'N',
  '--delete-chain': 'X',
  '--rename-chain': 'E',
  '--policy': 'P',
};
const COMMANDS = 'ACDRILSFZNXEP';
/** Commands whose chain is optional (`-L`, `-S`, `-F`, `-Z`, `-X`). */
const OPTIONAL_CHAIN = 'LSFZX';

const usage = (msg: string): CommandOutput =>
  err(`${IPT}: ${msg}\nTry \`iptables -h' or 'iptables --help' for more information.\n`, 2);

export function parseIptablesArgs(args: readonly string[]): IptablesArgs | CommandOutput {
  let command: string | undefined;
  let table = 'filter';
  let chain: string | undefined;
  let operand: string | undefined;
  let numeric = false;
  let verbose = false;
  let exact = false;
  let lineNumbers = false;
  const rule: string[] = [];
  const positional = (i: number) => {
    const v = args[i];
    return v !== undefined && v[0] !== '-' && v[0] !== '!' ? v : undefined;
  };
  const setCommand = (c: string): CommandOutput | undefined => {
    if (command !== undefined) return usage('Cannot use -' + c + ' with -' + command);
    command = c;
    return undefined;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    let c: string | undefined;
    let attached: string | undefined;
    if (a.startsWith('--')) {
      if (a === '--table') {
        table = args[++i] ?? '';
        continue;
      }
      if (a === '--numeric') numeric = true;
      else if (a === '--verbose') verbose = true;
      else if (a === '--exact') exact = true;
      else if (a === '--line-numbers') lineNumbers = true;
      else if (COMMAND_LONG[a]) c = COMMAND_LONG[a];
      else rule.push(a);
      if (c === undefined) continue;
    } else if (a.length >= 2 && a[0] === '-') {
      // A cluster of short flags (`-nvL`), possibly ending in a command or -t with its value.
      let j = 1;
      for (; j < a.length; j++) {
        const f = a[j]!;
        if (f === 'n') numeric = true;
        else if (f === 'v') verbose = true;
        else if (f === 'x') exact = true;
        else break;
      }
      if (j === a.length) continue;
      const f = a[j]!;
      if (f === 't') {
        table = a.length > j + 1 ? a.slice(j + 1) : (args[++i] ?? '');
        continue;
      }
      if (!COMMANDS.includes(f)) {
        if (j > 1) return usage(`unknown option "${a}"`);
        rule.push(a);
        continue;
      }
      c = f;
      if (a.length > j + 1) attached = a.slice(j + 1);
    } else {
      rule.push(a);
      continue;
    }
    const bad = setCommand(c!);
    if (bad) return bad;
    if (attached !== undefined) chain = attached;
    else if (OPTIONAL_CHAIN.includes(c!)) {
      const v = positional(i + 1);
      if (v !== undefined) {
        chain = v;
        i++;
      }
    } else {
      const v = args[i + 1];
      if (v === undefined) return usage(`option "-${c}" requires an argument`);
      chain = v;
      i++;
    }
    if (c === 'I' || c === 'R' || c === 'D' || c === 'L' || c === 'S' || c === 'Z') {
      const v = positional(i + 1);
      if (v !== undefined && /^\d+$/.test(v)) {
        operand = v;
        i++;
      }
    }
    if (c === 'P' || c === 'E') {
      const v = args[i + 1];
      if (v === undefined) return usage(`-${c} requires a ${c === 'P' ? 'policy' : 'new chain name'}`);
      operand = v;
      i++;
    }
  }
  if (!isTable(table)) return noTable(table);
  if (command === undefined) return usage('no command specified');
  return {
    command,
    table,
    ...(chain !== undefined ? { chain } : {}),
    ...(operand !== undefined ? { operand } : {}),
    numeric,
    verbose,
    exact,
    lineNumbers,
    rule,
  };
}

export function iptablesCommand(h: ConsoleHost, args: readonly string[]): CommandOutput {
  const p = parseIptablesArgs(args);
  if ('exit' in p) return p;
  if (p.command === 'L') {
    if (p.operand !== undefined) return listRules(h, { ...p }); // rule number listing: rare, whole chain
    return listRules(h, p);
  }
  if (p.command === 'S') return listSpecs(h, p.table, p.chain, p.verbose);
  // -C only answers whether the rule exists; for the others this is what they would print now.
  return changeRuleset(h.ruleset, p).output;
}

export { incompatible };
