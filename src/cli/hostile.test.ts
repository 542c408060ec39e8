import { describe, expect, it } from 'vitest';
import { runHostile } from './hostileRun';
import { hostileCases } from './testdata/hostile';

// Issue 8: every hostile input ends the runner cleanly, exit 0 with a budget message or 2 with
// one line naming the file and where. Memory is bounded loosely (1.5 GB, the figure);
// times are printed, never asserted (the machine is shared).
describe('the runner on hostile inputs', () => {
  it.each(hostileCases.map((c) => [c.name, c] as const))(
    '%s',
    (_name, c) => {
      const r = runHostile(c);
      const lines = r.stderr.split('\n').filter(Boolean);
      console.log(`${c.name}: exit ${r.code}, ${r.seconds ?? '?'} s, peak ${r.peakMb ?? '?'} MB`);
      expect(r.code).toBe(c.exit);
      expect(lines.length).toBeLessThanOrEqual(1);
      const said = lines[0] ?? '';
      expect(said).toMatch(c.says);
      if (said) expect(said).toMatch(new RegExp(`^sim: \\S*${c.name}\\.json(:\\d+)?: `));
      expect(said).not.toMatch(/internal error/);
      if (r.peakMb !== undefined) expect(r.peakMb).toBeLessThan(1536);
    },
    200_000,
  );
});
