import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LabelRequest, placeLabels, type Rect } from './labelPlacement';

const hit = (a: Rect, b: Rect) =>
  Math.min(a.x + a.w, b.x + b.w) > Math.max(a.x, b.x) && Math.min(a.y + a.h, b.y + b.h) > Math.max(a.y, b.y);

describe('placeLabels', () => {
  it('puts the label of a packet in a host above its box, clear of it', () => {
    const box = { x: 100, y: 100, w: 200, h: 80 };
    const [p] = placeLabels({ key: 'a', w: 150, h: 18, at: box }, [], [box], { w: 600, h: 400 }, 0);
    expect(p).toEqual({ key: 'a', x: 125, y: 76 });
  });

  it('goes below when the box touches the top of the panel, and beside when both are blocked', () => {
    const box = { x: 100, y: 2, w: 200, h: 80 };
    const below = placeLabels({ key: 'a', w: 150, h: 18, at: box }, [], [box], { w: 600, h: 400 }, 0)[0]!;
    expect(below.y).toBeGreaterThanOrEqual(82);
    const under = { x: 100, y: 84, w: 200, h: 80 };
    const side = placeLabels(
      { key: 'a', w: 150, h: 18, at: box },
      [],
      [box, under],
      { w: 600, h: 400 },
      0,
    )[0]!;
    expect(hit({ ...side, w: 150, h: 18 }, box)).toBe(false);
    expect(hit({ ...side, w: 150, h: 18 }, under)).toBe(false);
  });

  it('labels the others only where they fit, never over a box or another label', () => {
    const boxes = [
      { x: 0, y: 0, w: 100, h: 50 },
      { x: 300, y: 0, w: 100, h: 50 },
    ];
    const first: LabelRequest = { key: 'p', w: 120, h: 18, at: { x: 200, y: 25 } };
    // Five packets on top of each other: only as many as there are free spots get a label.
    const others = [1, 2, 3, 4, 5].map((k) => ({ key: String(k), w: 120, h: 18, at: { x: 200, y: 25 } }));
    const placed = placeLabels(first, others, boxes, { w: 400, h: 60 }, 10);
    expect(placed[0]!.key).toBe('p');
    expect(placed.length).toBeLessThan(6);
    const rects = placed.map((p) => ({ x: p.x, y: p.y, w: 120, h: 18 }));
    rects.forEach((r, i) => {
      if (i > 0) for (const b of boxes) expect(hit(r, b)).toBe(false);
      rects.forEach((q, j) => {
        if (i !== j) expect(hit(r, q), `${i} and ${j}`).toBe(false);
      });
    });
  });

  it('always places the first label, covering as little as it can, inside the panel', () => {
    const box = { x: 0, y: 0, w: 300, h: 100 };
    const [p] = placeLabels({ key: 'a', w: 200, h: 18, at: box }, [], [box], { w: 300, h: 100 }, 0);
    expect(p).toBeDefined();
    expect(p!.x).toBeGreaterThanOrEqual(1);
    expect(p!.x + 200).toBeLessThanOrEqual(299);
  });

  it('property: no placed label overlaps an obstacle or another label (the first aside), all inside', () => {
    const rect = fc.record({
      x: fc.integer({ min: 0, max: 500 }),
      y: fc.integer({ min: 0, max: 300 }),
      w: fc.integer({ min: 20, max: 150 }),
      h: fc.integer({ min: 10, max: 80 }),
    });
    const req = fc.record({
      w: fc.integer({ min: 40, max: 200 }),
      at: fc.record({ x: fc.integer({ min: 0, max: 600 }), y: fc.integer({ min: 0, max: 400 }) }),
    });
    fc.assert(
      fc.property(fc.array(rect, { maxLength: 6 }), fc.array(req, { maxLength: 30 }), (obstacles, reqs) => {
        const others = reqs.map((r, k) => ({ key: String(k), h: 18, ...r }));
        const placed = placeLabels(undefined, others, obstacles, { w: 600, h: 400 }, 8);
        expect(placed.length).toBeLessThanOrEqual(8);
        const rects = placed.map((p) => ({ x: p.x, y: p.y, w: others[Number(p.key)]!.w, h: 18 }));
        for (const [i, r] of rects.entries()) {
          expect(r.x).toBeGreaterThanOrEqual(0);
          expect(r.y + r.h).toBeLessThanOrEqual(400);
          // Rounded to whole pixels: allow the half pixel rounding may add.
          const shrunk = { x: r.x + 0.5, y: r.y + 0.5, w: r.w - 1, h: r.h - 1 };
          for (const o of obstacles) expect(hit(shrunk, o)).toBe(false);
          for (const [j, q] of rects.entries()) if (i !== j) expect(hit(shrunk, q)).toBe(false);
        }
      }),
    );
  });
});
