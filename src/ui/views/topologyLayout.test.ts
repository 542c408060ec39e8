import { describe, expect, it } from 'vitest';
import { runScenario } from '../../engine/index';
import { builtinScenarios } from '../../scenarios/index';
import { fitViewBox, layoutTopology, MAX_ZOOM, sampleLink } from './topologyLayout';

describe('topology layout of every built-in scenario', () => {
  for (const s of builtinScenarios)
    it(`${s.id}: boxes do not overlap, links end on their boxes`, () => {
      const r = runScenario(s, { until: 1 });
      {
        const l = layoutTopology(r.hosts, s);
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
            // The link leaves its box outwards.
            expect(
              end.x + end.dx > h.x &&
                end.x + end.dx < h.x + h.w &&
                end.y + end.dy > h.y &&
                end.y + end.dy < h.y + h.h,
            ).toBe(false);
            // A side port sits on its interface's own row, so the row's text labels the link.
            if (end.dy === 0) expect(h.ifaces.find((i) => i.name === end.dev)?.y).toBe(end.y);
          }
        // Interface rows of one box never overlap each other.
        for (const h of l.hosts)
          for (let k = 1; k < h.ifaces.length; k++)
            expect(h.ifaces[k]!.y - h.ifaces[k - 1]!.y).toBeGreaterThanOrEqual(14);
        // Each bridge is drawn as a switch inside its host, holding all its ports.
        for (const h of r.hosts)
          for (const br of h.interfaces.filter((i) => i.kind === 'bridge')) {
            const g = l.bridges.find((b) => b.host === h.name && b.name === br.name)!;
            const box = l.hosts.find((b) => b.name === h.name)!;
            expect(g.ports).toEqual(h.interfaces.filter((i) => i.master === br.name).map((i) => i.name));
            expect(g.x > box.x && g.x + g.w < box.x + box.w && g.y > box.y && g.y + g.h < box.y + box.h).toBe(
              true,
            );
          }
        // The drawing is compact: fitted into the 1280x720 topology panel its text is hardly shrunk
        // (four hosts in a row with long addresses cannot quite fit 1:1).
        const fit = fitViewBox(l, { width: 510, height: 250 });
        expect(fit.zoom, `${s.id} zoom`).toBeGreaterThanOrEqual(0.65);
        expect(fit.zoom).toBeLessThanOrEqual(MAX_ZOOM);
        // Every veth pair between two hosts is drawn.
        const pairs =
          r.hosts.flatMap((h) => h.interfaces.filter((i) => i.peer && i.peer.host !== h.name)).length / 2;
        expect(l.links.length).toBe(pairs);
      }
    });
});

describe('link sampling', () => {
  it('samples a curve at even steps along its length, from end a to end b', () => {
    const link = {
      key: 'k',
      a: { host: 'a', dev: 'e', x: 0, y: 0, dx: 1, dy: 0 },
      b: { host: 'b', dev: 'e', x: 200, y: 120, dx: 0, dy: -1 },
    };
    const pts = sampleLink(link, 48);
    expect([pts[0], pts[1]]).toEqual([0, 0]);
    expect(pts[94]).toBeCloseTo(200, 6);
    expect(pts[95]).toBeCloseTo(120, 6);
    const steps: number[] = [];
    for (let k = 1; k < 48; k++)
      steps.push(Math.hypot(pts[2 * k]! - pts[2 * k - 2]!, pts[2 * k + 1]! - pts[2 * k - 1]!));
    expect(Math.max(...steps) - Math.min(...steps)).toBeLessThan(0.05 * Math.max(...steps));
  });
  it('fits a drawing into a panel centred, capped at MAX_ZOOM', () => {
    expect(fitViewBox({ width: 100, height: 50 }, { width: 1000, height: 1000 }).zoom).toBe(MAX_ZOOM);
    const v = fitViewBox({ width: 400, height: 100 }, { width: 200, height: 100 });
    expect(v).toEqual({ x: 0, y: -50, w: 400, h: 200, zoom: 0.5 });
  });
  it('keeps a margin for labels above and below, but never shrinks below 1:1 for it', () => {
    // Room to spare: the margin costs zoom.
    expect(fitViewBox({ width: 100, height: 100 }, { width: 1000, height: 248 }, 5, 24).zoom).toBe(2);
    // A panel just tall enough for the drawing at 1:1: no margin, still 1:1.
    expect(fitViewBox({ width: 100, height: 100 }, { width: 1000, height: 110 }, 5, 24).zoom).toBe(1);
    // Shorter than the drawing: scaled to fit, as without a margin.
    expect(fitViewBox({ width: 100, height: 100 }, { width: 1000, height: 50 }, 5, 24).zoom).toBe(0.5);
  });
});

describe('the arrangement follows the panel', () => {
  // Panels of the topology at the screens the app is used on (CSS px, scrollbars included).
  const panels = [
    { width: 511, height: 216 },
    { width: 596, height: 320 },
    { width: 727, height: 320 },
    { width: 470, height: 420 },
    { width: 580, height: 440 },
    { width: 780, height: 380 },
  ];
  for (const s of builtinScenarios)
    it(`${s.id}: the hinted arrangement where it fits, another only where that fits better`, () => {
      const r = runScenario(s, { until: 1 });
      const hinted = layoutTopology(r.hosts, s);
      for (const p of panels) {
        const l = layoutTopology(r.hosts, s, p, 24);
        const z = fitViewBox(l, p, MAX_ZOOM, 24).zoom;
        const z0 = fitViewBox(hinted, p, MAX_ZOOM, 24).zoom;
        if (z0 >= 1) expect(l, `${p.width}x${p.height}`).toEqual(hinted);
        else expect(z, `${p.width}x${p.height}`).toBeGreaterThanOrEqual(z0);
        // Every host drawn once, none overlapping, all links kept.
        expect(l.hosts.map((h) => h.name).sort()).toEqual(hinted.hosts.map((h) => h.name).sort());
        expect(l.links.length).toBe(hinted.links.length);
        for (const a of l.hosts)
          for (const b of l.hosts)
            if (a !== b)
              expect(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y).toBe(true);
        // The links' curves stay inside the drawing (nothing cut off at the panel's edge).
        for (const link of l.links) {
          const pts = sampleLink(link, 24);
          for (let k = 0; k < pts.length; k += 2) {
            expect(pts[k]).toBeGreaterThanOrEqual(0);
            expect(pts[k]).toBeLessThanOrEqual(l.width);
            expect(pts[k + 1]).toBeGreaterThanOrEqual(0);
            expect(pts[k + 1]).toBeLessThanOrEqual(l.height);
          }
        }
      }
    });

  it('a row of four hosts too wide for a 1280x720 screen is folded and then fits 1:1', () => {
    const s = builtinScenarios.find((x) => x.id === 'node-port-snat')!;
    const r = runScenario(s, { until: 1 });
    const p = { width: 511, height: 216 };
    expect(fitViewBox(layoutTopology(r.hosts, s), p, MAX_ZOOM, 24).zoom).toBeLessThan(1);
    const l = layoutTopology(r.hosts, s, p, 24);
    expect(l.width).toBeLessThanOrEqual(p.width);
    expect(l.height).toBeLessThanOrEqual(p.height);
  });
});
