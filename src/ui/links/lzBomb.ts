// A hostile lz-string stream for tests: every code names the dictionary entry being defined
// (lz's KwKwK case), so each one is a character longer than the one before and `codes` codes
// inflate to about codes²/2 characters. 23,000 codes fit in a 64 kB link and inflate to some
// 265 million characters: the "403 million characters from a 64 kB link" of issue 8.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$';

export function lzBomb(codes: number): string {
  let out = '';
  let val = 0;
  let nbits = 0;
  const put = (value: number, width: number): void => {
    // lz-string writes each value least significant bit first, six bits per character.
    for (let i = 0; i < width; i++) {
      val = (val << 1) | ((value >> i) & 1);
      if (++nbits === 6) {
        out += ALPHABET[val];
        val = 0;
        nbits = 0;
      }
    }
  };
  put(0, 2); // an 8-bit literal follows
  put(97, 8); // 'a'
  let dictSize = 4;
  let enlargeIn = 4;
  let numBits = 3;
  const grow = (): void => {
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
  };
  for (let k = 0; k < codes; k++) {
    grow();
    put(dictSize, numBits);
    dictSize++;
    enlargeIn--;
    grow();
  }
  put(2, numBits); // end of stream
  if (nbits > 0) out += ALPHABET[val << (6 - nbits)];
  return out;
}
