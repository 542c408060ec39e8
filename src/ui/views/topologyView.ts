// The topology as a d3 controller: React hands it an <svg> once and calls update() with
// plain data on every frame; the controller owns the DOM inside the svg.
import { type Selection, select } from 'd3-selection';
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

export function createTopologyView(svg: SVGSVGElement, onSelectPacket: (pkt: number) => void): TopologyView {
  const root = select(svg);
  const gLinks = root.append('g').attr('class', 'links');
  const gHosts = root.append('g').attr('class', 'hosts');
  const gPackets = root.append('g').attr('class', 'packets');
  let drawn: Layout | undefined;
  // Link paths by "host/dev>host/dev" of both directions, for placing packets.
  const paths = new Map<string, { el: SVGPathElement; len: number; reverse: boolean }>();

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
        const len = this.getTotalLength?.() ?? Math.hypot(d.b.x - d.a.x, d.b.y - d.a.y);
        paths.set(`${d.a.host}/${d.a.dev}>${d.b.host}/${d.b.dev}`, { el: this, len, reverse: false });
        paths.set(`${d.b.host}/${d.b.dev}>${d.a.host}/${d.a.dev}`, { el: this, len, reverse: true });
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
    const at = (p.reverse ? 1 - progress : progress) * p.len;
    const pt = p.el.getPointAtLength(at);
    return [pt.x, pt.y];
  }

  return {
    update(frame) {
      if (frame.layout !== drawn) drawLayout(frame.layout);
      gHosts
        .selectAll<SVGGElement, Layout['hosts'][number]>('g.host')
        .classed('current', (d) => d.name === frame.current?.host)
        .selectAll<SVGTextElement, unknown>('text.iface')
        .classed('current', function () {
          const host = (this.parentNode as SVGGElement).getAttribute('data-host');
          return host === frame.current?.host && this.getAttribute('data-dev') === frame.current?.dev;
        });
      const items = frame.flights
        .map((x) => ({ ...x, pos: place(x.flight, x.progress) }))
        .filter((x): x is typeof x & { pos: [number, number] } => x.pos !== undefined);
      const dots: Selection<SVGCircleElement, (typeof items)[number], SVGGElement, unknown> = gPackets
        .selectAll<SVGCircleElement, (typeof items)[number]>('circle')
        .data(items, (d) => `${d.flight.pkt}@${d.flight.i}`)
        .join((enter) =>
          enter
            .append('circle')
            .attr('r', 6)
            .on('click', (_ev, d) => onSelectPacket(d.flight.pkt))
            .call((c) => c.append('title')),
        );
      dots
        .attr(
          'class',
          (d) => `pkt pkt-${d.flight.proto}${d.flight.pkt === frame.selectedPacket ? ' selected' : ''}`,
        )
        .attr('cx', (d) => d.pos[0])
        .attr('cy', (d) => d.pos[1]);
      dots.select('title').text((d) => `#${d.flight.pkt} ${d.flight.label}`);
    },
    destroy() {
      root.selectAll('*').remove();
      paths.clear();
    },
  };
}
