import { nftTraceLines } from '../timeline/nftTrace';
import { type CommandOutput, err, lines, out } from './output';
import type { ConsoleHost } from './state';

// `nft monitor trace` in the console: it prints what the monitor would have printed in this
// namespace had it run from the start of the run until the playhead, every packet traced
// (src/engine/timeline/nftTrace.ts says what differs from a machine: the trace ids).

const MONITOR_EVENTS = new Set([
  'new',
  'destroy',
  'tables',
  'chains',
  'sets',
  'rules',
  'elements',
  'ruleset',
  'trace',
]);

/** nft's syntax error: the message, the command line, carets under the offending word. */
function syntaxError(message: string, args: readonly string[], at: number): CommandOutput {
  const line = args.join(' ');
  const col = args.slice(0, at).join(' ').length + (at > 0 ? 1 : 0);
  const width = Math.max(1, (args[at] ?? '').length);
  return err(`Error: ${message}\n${line}\n${' '.repeat(col)}${'^'.repeat(width)}\n`, 1);
}

export function nftMonitor(h: ConsoleHost, args: readonly string[]): CommandOutput {
  const what = args[1];
  if (what !== undefined && !MONITOR_EVENTS.has(what)) return syntaxError(`invalid event ${what}`, args, 1);
  if (args.length > 2)
    return syntaxError(
      'syntax error, unexpected string, expecting end of file or newline or semicolon',
      args,
      2,
    );
  if (what !== 'trace')
    return err(
      `nft monitor ${what ?? ''}: only \`nft monitor trace\` is modelled here\n`.replace('  ', ' '),
      1,
    );
  const events = h.events;
  return out(lines(nftTraceLines(events, events.keys()).map((l) => l.text)));
}
