import type { RunResult } from '../api';
import { bridgeCommand } from './bridge';
import { isChange, planChange } from './change';
import { conntrackCommand, procConntrack } from './conntrack';
import { ipCommand } from './ip';
import { iptablesCommand } from './iptables';
import { iptablesSave } from './iptablesRead';
import { nftCommand } from './nft';
import { type CommandOutput, err } from './output';
import { type ConsoleHost, consoleHostAt } from './state';
import { ssCommand } from './ss';
import { sysctlCommand } from './sysctl';
import { tcpdumpCommand } from './tcpdump';
import { tokenize } from './tokenize';
import { COMMAND_NAMES } from './names';

export type { CommandOutput } from './output';

type Command = (h: ConsoleHost, args: readonly string[]) => CommandOutput;

/** Every command the console knows, by the name typed. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  bridge: bridgeCommand,
  cat,
  conntrack: conntrackCommand,
  ip: ipCommand,
  iptables: iptablesCommand,
  'iptables-save': iptablesSave,
  nft: nftCommand,
  ss: ssCommand,
  sysctl: sysctlCommand,
  tcpdump: tcpdumpCommand,
};

/** Every command name the console takes, reading or changing (for the error and for completion). */
export const KNOWN: readonly string[] = COMMAND_NAMES;

function cat(h: ConsoleHost, args: readonly string[]): CommandOutput {
  let stdout = '';
  let stderr = '';
  for (const a of args) {
    if (a === '/proc/net/nf_conntrack') stdout += procConntrack(h).stdout;
    else stderr += `cat: ${a}: No such file or directory\n`;
  }
  return { stdout, stderr, exit: stderr ? 1 : 0 };
}

/** `grep [-i] [-v] [-c] [-F|-E] WORD`: the filter a pipeline may end with (fixed strings). */
function grep(input: CommandOutput, args: readonly string[]): CommandOutput {
  let ignoreCase = false;
  let invert = false;
  let count = false;
  let word: string | undefined;
  for (const a of args) {
    if (/^-[ivcFE]+$/.test(a)) {
      ignoreCase ||= a.includes('i');
      invert ||= a.includes('v');
      count ||= a.includes('c');
    } else if (a.startsWith('-'))
      return {
        ...input,
        stdout: '',
        stderr: `${input.stderr}grep: invalid option -- '${a.slice(1)}'\nUsage: grep [OPTION]... PATTERNS [FILE]...\n`,
        exit: 2,
      };
    else if (word === undefined) word = a;
    else
      return {
        ...input,
        stdout: '',
        stderr: `${input.stderr}grep: ${a}: No such file or directory\n`,
        exit: 2,
      };
  }
  if (word === undefined)
    return {
      ...input,
      stdout: '',
      stderr: `${input.stderr}Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n`,
      exit: 2,
    };
  const w = ignoreCase ? word.toLowerCase() : word;
  const all = input.stdout === '' ? [] : input.stdout.replace(/\n$/, '').split('\n');
  const kept = all.filter((l) => (ignoreCase ? l.toLowerCase() : l).includes(w) !== invert);
  const stdout = count ? `${kept.length}\n` : kept.map((l) => `${l}\n`).join('');
  return { stdout, stderr: input.stderr, exit: kept.length ? 0 : 1 };
}

/** Runs one console line on a host at that point of the timeline. */
export function runOn(h: ConsoleHost, line: string): CommandOutput {
  const t = tokenize(line);
  if (!t.ok) return err(`${t.error}\n`, 2);
  const [first, ...filters] = t.stages;
  const [name, ...args] = first!;
  if (name === undefined) return { stdout: '', stderr: '', exit: 0 };
  const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  // A changing command read here (not as a change) says what it would print at this point.
  let o = isChange(line)
    ? planChange(h, line).output
    : cmd
      ? cmd(h, args)
      : err(`${name}: command not found (known: ${KNOWN.join(', ')})\n`, 127);
  for (const f of filters) {
    if (f[0] !== 'grep') return err(`${f[0]}: only grep can follow a | here\n`, 127);
    // Through a pipe stdout goes to grep; the terminal shows stderr first, then grep's output.
    const { text: interleaved, ...piped } = o;
    o = grep(piped, f.slice(1));
    if (interleaved !== undefined) o = { ...o, text: o.stderr + o.stdout };
  }
  return o;
}

/** Runs one console line on host `host` after the first `index` events of a run. */
export function runCommand(result: RunResult, index: number, host: string, line: string): CommandOutput {
  const h = consoleHostAt(result, index, host);
  if (!h) return err(`no host named ${host}\n`, 1);
  return runOn(h, line);
}
