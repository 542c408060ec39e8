// The topology as a d3 controller: React hands it an <svg> once and calls update() with
// plain data on every frame; the controller owns the DOM inside the svg.
import { select } from 'd3-selection';
import { curveBumpX, curveBumpY, line } from 'd3-shape';
import type { Flight } from '../timeline';
import type { Layout, LinkGeom } from './topologyLayout';

export interface TopologyFrame {
  readonly layout: Layout;
  readonly flights: readonly { readonly flight: Flight; readonly progress: number }[];
  /** Host (and device) of the event at the playhead. */
  readonly current?: { readonly host: string; readonly dev?: string };
  readonly selectedPacket?: number;
}

export interface TopologyView {
  update(frame: TopologyFrame): void;
  destroy(): void;
}

const sidePath = line<[number, number]>().curve(curveBumpX);
const stackPath = line<[number, number]>().curve(curveBumpY);

function pathOf(l: LinkGeom): string {
  return (l.vertical ? stackPath : sidePath)([
    [l.a.x, l.a.y],
    [l.b.x, l.b.y],
  ])!;
}

interface Dot {
  readonly flight: Flight;
  readonly x: number;
  readonly y: number;
}

const SAMPLES = 48;

function sample(el: SVGPathElement, d: LinkGeom): Float64Array {
  const pts = new Float64Array(2 * SAMPLES);
  const len = el.getTotalLength?.();
  for (let k = 0; k < SAMPLES; k++) {
    const u = k / (SAMPLES - 1);
    if (len) {
      const p = el.getPointAtLength(u * len);
      pts[2 * k] = p.x;
      pts[2 * k + 1] = p.y;
    } else {
      pts[2 * k] = d.a.x + (d.b.x - d.a.x) * u;
      pts[2 * k + 1] = d.a.y + (d.b.y - d.a.y) * u;
    }
  }
  return pts;
}

function dotClass(d: Dot, selected: number | undefined): string {
  return `pkt pkt-${d.flight.proto}${d.flight.pkt === selected ? ' selected' : ''}`;
}

export function createTopologyView(svg: SVGSVGElement, onSelectPacket: (pkt: number) => void): TopologyView {
  const root = select(svg);
  const gLinks = root.append('g').attr('class', 'links');
  const gHosts = root.append('g').attr('class', 'hosts');
  const gPackets = root.append('g').attr('class', 'packets');
  let drawn: Layout | undefined;
  // Each link's curve sampled once per layout, by "host/dev>host/dev" of both directions:
  // placing hundreds of packets per frame is then interpolation, not SVG geometry calls.
  const paths = new Map<string, { pts: Float64Array; reverse: boolean }>();
  let lastCurrent = '';
  let lastSelected: number | undefined;

  function drawLayout(layout: Layout): void {
    root.attr('viewBox', `0 0 ${layout.width} ${layout.height}`);
    paths.clear();
    gLinks
      .selectAll<SVGPathElement, LinkGeom>('path')
      .data(layout.links, (d) => d.key)
      .join('path')
      .attr('class', 'link')
      .attr('d', pathOf)
      .attr('data-key', (d) => d.key)
      .each(function (d) {
        const pts = sample(this, d);
        paths.set(`${d.a.host}/${d.a.dev}>${d.b.host}/${d.b.dev}`, { pts, reverse: false });
        paths.set(`${d.b.host}/${d.b.dev}>${d.a.host}/${d.a.dev}`, { pts, reverse: true });
      });

    gLinks
      .selectAll<SVGTextElement, LinkGeom['a']>('text.dev')
      .data(layout.links.flatMap((l) => [l.a, l.b]))
      .join('text')
      .attr('class', 'dev')
      .attr('x', (d) => d.lx)
      .attr('y', (d) => d.ly)
      .attr('text-anchor', (d) => d.anchor)
      .text((d) => d.dev);

    const hosts = gHosts
      .selectAll<SVGGElement, Layout['hosts'][number]>('g.host')
      .data(layout.hosts, (d) => d.name)
      .join((enter) => enter.append('g').attr('class', 'host'));
    hosts.attr('transform', (d) => `translate(${d.x},${d.y})`).attr('data-host', (d) => d.name);
    hosts.selectAll('*').remove();
    hosts
      .append('rect')
      .attr('class', 'host-box')
      .attr('width', (d) => d.w)
      .attr('height', (d) => d.h)
      .attr('rx', 4);
    hosts
      .append('text')
      .attr('class', 'host-name')
      .attr('x', 8)
      .attr('y', 15)
      .text((d) => d.name);
    hosts.each(function (d) {
      const g = select(this);
      for (const i of d.ifaces)
        g.append('text')
          .attr('class', `iface iface-${i.kind}`)
          .attr('data-dev', i.name)
          .attr('x', 8 + i.indent * 14)
          .attr('y', i.y - d.y + 4)
          .text(i.indent ? `${i.name ? '└ ' : '  '}${i.label}` : i.label);
    });
    gHosts
      .selectAll('line.bridge')
      .data(layout.bridges)
      .join('line')
      .attr('class', 'bridge')
      .attr('x1', (d) => d.x)
      .attr('x2', (d) => d.x)
      .attr('y1', (d) => d.y1)
      .attr('y2', (d) => d.y2);
    drawn = layout;
  }

  function place(f: Flight, progress: number): [number, number] | undefined {
    const p = paths.get(`${f.from.host}/${f.from.dev}>${f.to.host}/${f.to.dev}`);
    if (!p) return undefined;
    const at = (p.reverse ? 1 - progress : progress) * (SAMPLES - 1);
    const k = Math.min(SAMPLES - 2, Math.floor(at));
    const u = at - k;
    const q = p.pts;
    return [q[2 * k]! + (q[2 * k + 2]! - q[2 * k]!) * u, q[2 * k + 1]! + (q[2 * k + 3]! - q[2 * k + 1]!) * u];
  }

  return {
    update(frame) {
      const relayout = frame.layout !== drawn;
      if (relayout) drawLayout(frame.layout);
      const cur = frame.current ? `${frame.current.host}/${frame.current.dev ?? ''}` : '';
      if (relayout || cur !== lastCurrent) {
        lastCurrent = cur;
        gHosts
          .selectAll<SVGGElement, Layout['hosts'][number]>('g.host')
          .classed('current', (d) => d.name === frame.current?.host)
          .selectAll<SVGTextElement, unknown>('text.iface')
          .classed('current', function () {
            const host = (this.parentNode as SVGGElement).getAttribute('data-host');
            return host === frame.current?.host && this.getAttribute('data-dev') === frame.current?.dev;
          });
      }
      const items: Dot[] = [];
      for (const x of frame.flights) {
        const pos = place(x.flight, x.progress);
        if (pos) items.push({ flight: x.flight, x: pos[0], y: pos[1] });
      }
      const dots = gPackets
        .selectAll<SVGCircleElement, Dot>('circle')
        .data(items, (d) => `${d.flight.pkt}@${d.flight.i}`)
        .join((enter) =>
          enter
            .append('circle')
            .attr('r', 6)
            .attr('class', (d) => dotClass(d, frame.selectedPacket))
            .on('click', (_ev, d) => onSelectPacket(d.flight.pkt))
            .call((c) => c.append('title').text((d) => `#${d.flight.pkt} ${d.flight.label}`)),
        );
      if (frame.selectedPacket !== lastSelected) {
        lastSelected = frame.selectedPacket;
        dots.attr('class', (d) => dotClass(d, frame.selectedPacket));
      }
      dots.attr('cx', (d) => d.x).attr('cy', (d) => d.y);
    },
    destroy() {
      root.selectAll('*').remove();
      paths.clear();
    },
  };
}
