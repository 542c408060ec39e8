/** What a command printed, as a terminal would have received it, and its exit status. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exit: number;
  /**
   * Both as a terminal shows them, where the tool interleaves them (nft's warning before each
   * table iptables-nft manages); absent, stdout then stderr.
   */
  readonly text?: string;
}

export const out = (stdout: string): CommandOutput => ({ stdout, stderr: '', exit: 0 });
export const err = (stderr: string, exit = 1): CommandOutput => ({ stdout: '', stderr, exit });
/** Lines joined with a final newline, or nothing for no lines. */
export const lines = (ls: readonly string[]): string => (ls.length ? `${ls.join('\n')}\n` : '');
