// The shell words of one console line, as sh splits them: blanks separate words, '...' keeps
// everything, "..." keeps everything but `\"` and `\\`, a backslash outside quotes escapes the
// next character, and an unquoted `|` starts the next command of a pipeline.

export type Tokens = { ok: true; stages: string[][] } | { ok: false; error: string };

export function tokenize(line: string): Tokens {
  const stages: string[][] = [[]];
  let cur = '';
  let has = false;
  const endWord = () => {
    if (has) stages[stages.length - 1]!.push(cur);
    cur = '';
    has = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { ok: false, error: 'sh: syntax error: unterminated quoted string' };
      cur += line.slice(i + 1, end);
      has = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && (line[j + 1] === '"' || line[j + 1] === '\\')) j++;
        cur += line[j];
      }
      if (j >= line.length) return { ok: false, error: 'sh: syntax error: unterminated quoted string' };
      has = true;
      i = j;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (c === ' ' || c === '\t' || c === '\n') endWord();
    else if (c === '|') {
      endWord();
      if (stages[stages.length - 1]!.length === 0)
        return { ok: false, error: "sh: syntax error near unexpected token `|'" };
      stages.push([]);
    } else {
      cur += c;
      has = true;
    }
  }
  endWord();
  if (stages.length > 1 && stages[stages.length - 1]!.length === 0)
    return { ok: false, error: 'sh: syntax error: unexpected end of file' };
  return { ok: true, stages };
}
