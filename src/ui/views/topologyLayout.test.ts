import { describe, expect, it } from 'vitest';
import { runScenario } from '../../engine/index';
import { builtinScenarios } from '../../scenarios/index';
import { layoutTopology } from './topologyLayout';

describe('topology layout of every built-in scenario', () => {
  for (const s of builtinScenarios)
    it(`${s.id}: boxes do not overlap, links end on their boxes`, () => {
      const r = runScenario(s, { until: 1 });
      for (const avail of [
        { width: 510, height: 215 },
        { width: 900, height: 400 },
      ]) {
        const l = layoutTopology(r.hosts, s, avail);
        expect(l.width).toBeGreaterThanOrEqual(avail.width);
        for (const a of l.hosts) {
          expect(a.x).toBeGreaterThanOrEqual(0);
          expect(a.x + a.w).toBeLessThanOrEqual(l.width + 0.5);
          for (const b of l.hosts) {
            if (a === b) continue;
            const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
            expect(apart, `${a.name} overlaps ${b.name}`).toBe(true);
          }
        }
        const byName = new Map(l.hosts.map((h) => [h.name, h]));
        for (const link of l.links)
          for (const end of [link.a, link.b]) {
            const h = byName.get(end.host)!;
            const onEdge = end.x === h.x || end.x === h.x + h.w || end.y === h.y || end.y === h.y + h.h;
            expect(onEdge, `${link.key} ${end.host}`).toBe(true);
          }
        // Every veth pair between two hosts is drawn.
        const pairs =
          r.hosts.flatMap((h) => h.interfaces.filter((i) => i.peer && i.peer.host !== h.name)).length / 2;
        expect(l.links.length).toBe(pairs);
      }
    });
});
