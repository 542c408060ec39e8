// Where in a JSON file a field is: the runner names the file's line in every error, and the
// engine's errors name the field (`hosts[0].iptables_save`). Iterative, so a file nested
// 100,000 deep costs a loop, not the stack.

/** `hosts[0].iptables_save` -> ['hosts', 0, 'iptables_save']; undefined when it is not a path. */
export function parseFieldPath(path: string): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  const re = /\[(\d+)\]|\.?([A-Za-z_][\w-]*)/y;
  let i = 0;
  while (i < path.length) {
    re.lastIndex = i;
    const m = re.exec(path);
    if (!m) return undefined;
    out.push(m[1] !== undefined ? Number(m[1]) : m[2]!);
    i = re.lastIndex;
  }
  return out.length ? out : undefined;
}

/** The 1-based line where the value at `path` starts in `text`, or undefined. */
export function lineOfField(text: string, path: readonly (string | number)[]): number | undefined {
  // One frame per open container: the key (object) or index (array) of the value being read.
  const keys: (string | number)[] = [];
  const kinds: ('{' | '[')[] = [];
  let line = 1;
  let i = 0;
  const ws = () => {
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') break;
    }
  };
  const str = (): string => {
    const start = ++i;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    const raw = text.slice(start, i++);
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return raw;
    }
  };
  const matches = () => keys.length === path.length && keys.every((k, j) => k === path[j]);
  // At the start of a value.
  for (;;) {
    ws();
    if (matches()) return line;
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      ws();
      if (text[i] === (c === '{' ? '}' : ']')) {
        i++;
      } else {
        kinds.push(c);
        if (c === '{') {
          keys.push(str());
          ws();
          i++; // ':'
        } else keys.push(0);
        continue;
      }
    } else if (c === '"') str();
    else while (i < text.length && !',]}'.includes(text[i]!) && !/\s/.test(text[i]!)) i++;
    // After a value: a comma goes on in the container, a bracket closes it.
    for (;;) {
      ws();
      if (kinds.length === 0 || i >= text.length) return undefined;
      if (text[i] === ',') {
        i++;
        if (kinds[kinds.length - 1] === '{') {
          ws();
          keys[keys.length - 1] = str();
          ws();
          i++; // ':'
        } else keys[keys.length - 1] = (keys[keys.length - 1] as number) + 1;
        break;
      }
      i++; // '}' or ']'
      kinds.pop();
      keys.pop();
    }
  }
}
