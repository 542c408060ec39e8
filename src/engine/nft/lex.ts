// Tokens of nft's input language. Words are maximal runs of anything but blanks and the
// punctuation below, so chain names such as `endpoint-X-ns1/svc1/tcp/p80__10.180.0.1/80`,
// prefixes and `1.2.3.4:80` stay whole; the parser splits them where the grammar needs it.
// Columns count bytes from 1, a tab as one, as nft's error messages do.

export interface Token {
  readonly t: 'word' | 'string' | 'punct' | 'nl' | 'eof';
  readonly v: string;
  readonly line: number;
  readonly col: number;
  readonly endCol: number;
}

const PUNCT = new Set(['{', '}', ';', ',', '@', '$', '=']);

export type LexResult =
  | { ok: true; tokens: Token[] }
  | { ok: false; line: number; col: number; endCol: number; message: string };

export function lex(text: string): LexResult {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    const col = i - lineStart + 1;
    if (c === '\n') {
      tokens.push({ t: 'nl', v: '\n', line, col, endCol: col });
      line++;
      lineStart = i + 1;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '\\' && text[i + 1] === '\n') {
      // A backslash joins lines, as in nft.
      i += 2;
      line++;
      lineStart = i;
    } else if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"' && text[j] !== '\n') j++;
      if (j >= n || text[j] !== '"')
        return { ok: false, line, col, endCol: j - lineStart, message: 'syntax error, unterminated string' };
      tokens.push({ t: 'string', v: text.slice(i + 1, j), line, col, endCol: j - lineStart + 1 });
      i = j + 1;
    } else if (c === '!' && text[i + 1] === '=') {
      tokens.push({ t: 'word', v: '!=', line, col, endCol: col + 1 });
      i += 2;
    } else if (c === '=' && text[i + 1] === '=') {
      tokens.push({ t: 'word', v: '==', line, col, endCol: col + 1 });
      i += 2;
    } else if (PUNCT.has(c)) {
      tokens.push({ t: 'punct', v: c, line, col, endCol: col });
      i++;
    } else {
      let j = i;
      while (j < n) {
        const d = text[j]!;
        if (d === ' ' || d === '\t' || d === '\r' || d === '\n' || d === '"' || d === '#' || PUNCT.has(d))
          break;
        if (d === '!' && text[j + 1] === '=') break;
        j++;
      }
      tokens.push({ t: 'word', v: text.slice(i, j), line, col, endCol: j - lineStart });
      i = j;
    }
  }
  const col = n - lineStart + 1;
  tokens.push({ t: 'eof', v: '', line, col, endCol: col });
  return { ok: true, tokens };
}
