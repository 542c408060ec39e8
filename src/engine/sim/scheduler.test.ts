import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from './rng';
import { Scheduler } from './scheduler';

describe('Scheduler', () => {
  it('runs tasks by time, then in the order they were scheduled', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), (times) => {
        const s = new Scheduler();
        const ran: [number, number][] = [];
        times.forEach((t, i) => {
          s.at(t, () => ran.push([t, i]));
        });
        while (s.step()) {
          /* run all */
        }
        const want = times
          .map((t, i) => [t, i] as [number, number])
          .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(ran).toEqual(want);
      }),
    );
  });
  it('never moves the clock backwards', () => {
    const s = new Scheduler();
    s.at(10, () => s.at(5, () => expect(s.now).toBe(10)));
    while (s.step()) {
      /* run all */
    }
    expect(s.now).toBe(10);
  });
});

describe('createRandom', () => {
  it('is reproducible per seed and stream, and differs across streams', () => {
    const a = createRandom(1, 'x');
    const b = createRandom(1, 'x');
    const c = createRandom(1, 'y');
    const xs = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(xs);
    expect([c(), c(), c()]).not.toEqual(xs);
    for (const v of xs) expect(v >= 0 && v < 1).toBe(true);
  });
});
