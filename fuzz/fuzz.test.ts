import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkIptables,
  checkLink,
  checkScenario,
  iptablesText,
  linkFindings,
  linkText,
  scenarioInput,
} from './targets';

// Issue 8's fuzzing of nflab's three doors for untrusted input. In `npm test` a few hundred
// fresh inputs each; `npm run fuzz` sets FUZZ_RUNS=100000 (FUZZ_SEED replays a run). Runs under
// vitest because the share-link decoder imports lz-string the way the bundler resolves it.
const full = process.env.FUZZ_RUNS !== undefined;
const runs = (small: number) => (full ? Number(process.env.FUZZ_RUNS) : small);
const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;

function fuzz<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  check: (x: T) => string | undefined,
  numRuns: number,
): void {
  const t0 = performance.now();
  const r = fc.check(
    fc.property(arb, (x) => {
      const bad = check(x);
      if (bad) throw new Error(bad);
    }),
    { numRuns, seed },
  );
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(
    `fuzz ${name}: ${r.numRuns} runs, ${r.failed ? 'FAILED' : '0 failures'} (seed ${seed}, ${s} s)`,
  );
  if (r.failed) expect.fail(fc.defaultReportMessage(r));
}

const timeout = full ? 3_600_000 : 60_000;

describe('fuzz (issue 8): no throw, no internal error, every rejection one line naming where', () => {
  it(
    'share links',
    () => {
      fuzz('links', linkText, checkLink, runs(300));
      if (linkFindings.rawQuoted)
        console.log(
          `fuzz links: the decoder quoted raw control characters in ${linkFindings.rawQuoted} rejections, e.g. ${JSON.stringify(linkFindings.example)}`,
        );
    },
    timeout,
  );
  it(
    'scenarios',
    () => fuzz('scenarios', scenarioInput, (x) => checkScenario(x, 'fuzz.json'), runs(300)),
    timeout,
  );
  it('iptables-save texts', () => fuzz('iptables', iptablesText, checkIptables, runs(1000)), timeout);
});
