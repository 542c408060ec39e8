// Seeded randomness: the kernel picks ephemeral ports, NAT ports and statistic matches at
// random; the model picks them from streams derived from the scenario seed, so a run is
// reproducible byte for byte. sfc32 is small, fast and statistically sound for this use.

export type Random = () => number;

export function createRandom(seed: number, stream: string): Random {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 16777619);
  let a = h >>> 0;
  let b = (seed * 0x9e3779b9) >>> 0;
  let c = (h ^ 0xdeadbeef) >>> 0;
  let d = 1;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** Stable 32-bit hash of a string (FNV-1a), for derived MACs and ids. */
export function hash32(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
