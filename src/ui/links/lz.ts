// lz-string's `decompressFromEncodedURIComponent` (lz-string 1.5, WTFPL), rewritten to stop
// as soon as its output passes a cap. The library decompresses everything before anyone can
// measure it, and lz output grows quadratically with its input: a 64 kB link inflated to
// 403 million characters before the size check. Here no more than `maxChars` characters
// (plus one dictionary entry) are ever built. Compression stays lz-string's own.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$';
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

export type LzResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly why: 'corrupt' | 'too-large' };

const CORRUPT: LzResult = { ok: false, why: 'corrupt' };

export function decompressUriComponent(input: string, maxChars: number): LzResult {
  if (input === '') return CORRUPT;
  // URLSearchParams turns '+' into ' '; lz-string undoes that the same way.
  const s = input.replace(/ /g, '+');
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || VALUE[c]! < 0) return CORRUPT;
  }
  // The bit reader: 6 bits per character, most significant first, as lz-string packs them.
  let val = VALUE[s.charCodeAt(0)]!;
  let position = 32;
  let index = 1;
  const bitsOf = (n: number): number => {
    let bits = 0;
    for (let power = 1, max = 1 << n; power !== max; power <<= 1) {
      const b = val & position;
      position >>= 1;
      if (position === 0) {
        position = 32;
        val = index < s.length ? VALUE[s.charCodeAt(index)]! : 0;
        index++;
      }
      if (b > 0) bits |= power;
    }
    return bits;
  };

  const dictionary: string[] = ['', '', ''];
  let enlargeIn = 4;
  let dictSize = 4;
  let numBits = 3;
  const first = bitsOf(2);
  if (first === 2) return { ok: true, text: '' };
  if (first !== 0 && first !== 1) return CORRUPT;
  let w = String.fromCharCode(bitsOf(first === 0 ? 8 : 16));
  dictionary[3] = w;
  const out: string[] = [w];
  let length = w.length;
  for (;;) {
    if (index > s.length) return CORRUPT;
    let c = bitsOf(numBits);
    if (c === 2) return { ok: true, text: out.join('') };
    if (c === 0 || c === 1) {
      dictionary[dictSize++] = String.fromCharCode(bitsOf(c === 0 ? 8 : 16));
      c = dictSize - 1;
      enlargeIn--;
    }
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
    let entry: string;
    const known = dictionary[c];
    if (known !== undefined && c >= 3) entry = known;
    else if (c === dictSize) entry = w + w.charAt(0);
    else return CORRUPT;
    length += entry.length;
    if (length > maxChars) return { ok: false, why: 'too-large' };
    out.push(entry);
    dictionary[dictSize++] = w + entry.charAt(0);
    enlargeIn--;
    w = entry;
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
  }
}
