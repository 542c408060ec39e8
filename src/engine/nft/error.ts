import type { NftError } from './types';

/**
 * An error as `nft -f <file>` prints it: `<file>:<line>:<col>-<endcol>: Error: <message>`, the
 * source line, and carets under the offending text (tabs kept so the carets line up).
 */
export function formatNftError(source: string, text: string, e: NftError): string {
  // Past the last line (an unexpected end of file), nft shows the last line it read.
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const line = lines[e.line - 1] ?? lines[lines.length - 1] ?? '';
  let pad = '';
  for (let i = 0; i < e.col - 1; i++) pad += line[i] === '\t' ? '\t' : ' ';
  const carets = '^'.repeat(Math.max(1, e.endCol - e.col + 1));
  return `${nftErrorLine(source, e)}\n${line}\n${pad}${carets}`;
}

/** The first line alone, for one-line messages (the runner, the scenario loader). */
export function nftErrorLine(source: string, e: NftError): string {
  return `${source}:${e.line}:${e.col}-${e.endCol}: Error: ${e.message}`;
}
