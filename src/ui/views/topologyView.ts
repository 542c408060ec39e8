// The topology as a d3 controller: React hands it an <svg> once and calls update() with
// plain data on every frame; the controller owns the DOM inside the svg.
import { select } from 'd3-selection';
import type { PacketLabel } from '../packetLabel';
import type { Flight } from '../timeline';
import {
  fitViewBox,
  type Layout,
  type LinkEnd,
  type LinkGeom,
  linkPathD,
  rowTextX,
  sampleLink,
} from './topologyLayout';

export interface TopologyFrame {
  readonly layout: Layout;
  /** The svg's size in CSS px: the drawing is scaled to fill it. */
  readonly panel?: { readonly width: number; readonly height: number };
  readonly flights: readonly { readonly flight: Flight; readonly progress: number }[];
  /** Host (and device) of the event at the playhead. */
  readonly current?: { readonly host: string; readonly dev?: string };
  readonly selectedPacket?: number;
  /** The packet at the playhead: its tuple is written beside it. */
  readonly label?: PacketLabel;
}

export interface TopologyView {
  update(frame: TopologyFrame): void;
  destroy(): void;
}

interface Dot {
  readonly flight: Flight;
  readonly x: number;
  readonly y: number;
}

const SAMPLES = 48;
const PORT = 7;

function dotClass(d: Dot, selected: number | undefined): string {
  return `pkt pkt-${d.flight.proto}${d.flight.pkt === selected ? ' selected' : ''}`;
}

/** Fills the label element with the tuple, the rewritten end marked (text nodes only, never HTML). */
function writeLabel(el: HTMLElement, l: PacketLabel): void {
  el.replaceChildren();
  const part = (text: string, hi: boolean) => {
    const s = document.createElement(hi ? 'mark' : 'span');
    s.textContent = text;
    el.appendChild(s);
  };
  part(l.src, l.changed?.side === 'src');
  part(' → ', false);
  part(l.dst, l.changed?.side === 'dst');
  part(` ${l.kind}`, false);
  if (l.changed) {
    const tag = document.createElement('small');
    tag.textContent = ` ${l.changed.what}`;
    el.appendChild(tag);
  }
}

export function createTopologyView(
  svg: SVGSVGElement,
  onSelectPacket: (pkt: number) => void,
  labelEl?: HTMLElement,
): TopologyView {
  const root = select(svg);
  const gLinks = root.append('g').attr('class', 'links');
  const gHosts = root.append('g').attr('class', 'hosts');
  const gPorts = root.append('g').attr('class', 'ports');
  const gPackets = root.append('g').attr('class', 'packets');
  let drawn: Layout | undefined;
  let fitted = '';
  // Each link's curve sampled once per layout, by "host/dev>host/dev" of both directions:
  // placing hundreds of packets per frame is then interpolation, not SVG geometry calls.
  const paths = new Map<string, { pts: Float64Array; reverse: boolean }>();
  let lastCurrent = '';
  let lastSelected: number | undefined;
  // The viewBox origin and zoom, to place the (HTML) packet label over the drawing.
  let view = { x: 0, y: 0, zoom: 1 };
  let labelKey = '';
  let labelPos = '';
  // The label's size, read once per text change (reading it per frame would force a layout).
  let labelSize = { w: 0, h: 0 };
  const dots = new Map<string, { el: SVGCircleElement; x: number; y: number }>();

  function drawLayout(layout: Layout): void {
    paths.clear();
    gLinks
      .selectAll<SVGPathElement, LinkGeom>('path')
      .data(layout.links, (d) => d.key)
      .join('path')
      .attr('class', 'link')
      .attr('d', linkPathD)
      .attr('data-key', (d) => d.key)
      .each((d) => {
        const pts = sampleLink(d, SAMPLES);
        paths.set(`${d.a.host}/${d.a.dev}>${d.b.host}/${d.b.dev}`, { pts, reverse: false });
        paths.set(`${d.b.host}/${d.b.dev}>${d.a.host}/${d.a.dev}`, { pts, reverse: true });
      });

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
      .attr('rx', 5);
    hosts
      .append('text')
      .attr('class', 'host-name')
      .attr('x', 8)
      .attr('y', 16)
      .text((d) => d.name);
    hosts.each(function (d) {
      const g = select(this);
      // A bridge is a switch: a body holding its own address row and one port per enslaved device.
      for (const br of layout.bridges.filter((b) => b.host === d.name)) {
        g.append('rect')
          .attr('class', 'bridge-body')
          .attr('data-bridge', br.name)
          .attr('x', br.x - d.x)
          .attr('y', br.y - d.y)
          .attr('width', br.w)
          .attr('height', br.h)
          .attr('rx', 3)
          .append('title')
          .text(`bridge ${br.name}: ports ${br.ports.join(', ') || '(none)'}`);
      }
      for (const i of d.ifaces) {
        if (i.name)
          g.append('rect')
            .attr('class', 'iface-bg')
            .attr('data-dev', i.name)
            .attr('x', i.indent ? 8 : 2)
            .attr('y', i.y - d.y - 8)
            .attr('width', d.w - (i.indent ? 16 : 4))
            .attr('height', 16)
            .attr('rx', 2);
        if (i.indent && i.name)
          g.append('rect')
            .attr('class', 'bridge-port')
            .attr('x', 11)
            .attr('y', i.y - d.y - 4)
            .attr('width', 8)
            .attr('height', 8);
        g.append('text')
          .attr('class', `iface iface-${i.kind}`)
          .attr('data-dev', i.name)
          .attr('x', rowTextX(i.indent))
          .attr('y', i.y - d.y + 4)
          .text(i.label);
      }
    });
    // A port on the box border where each link leaves: it says which row the link belongs to.
    gPorts
      .selectAll<SVGRectElement, LinkEnd>('rect')
      .data(layout.links.flatMap((l) => [l.a, l.b]))
      .join('rect')
      .attr('class', 'port')
      .attr('data-host', (d) => d.host)
      .attr('data-dev', (d) => d.dev)
      .attr('x', (d) => d.x - PORT / 2)
      .attr('y', (d) => d.y - PORT / 2)
      .attr('width', PORT)
      .attr('height', PORT);
    drawn = layout;
  }

  function fitTo(layout: Layout, panel: { width: number; height: number } | undefined): void {
    const p = panel ?? { width: layout.width, height: layout.height };
    const key = `${p.width}x${p.height}`;
    if (layout === drawn && key === fitted) return;
    fitted = key;
    const v = fitViewBox(layout, p);
    view = { x: v.x, y: v.y, zoom: v.zoom };
    root.attr('viewBox', `${v.x.toFixed(1)} ${v.y.toFixed(1)} ${v.w.toFixed(1)} ${v.h.toFixed(1)}`);
    root.attr('data-zoom', v.zoom.toFixed(2));
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

  /** Beside its dot when on a link, else over the row (or box) of the host it is in. */
  function placeLabel(frame: TopologyFrame): void {
    const el = labelEl!;
    const l = frame.label;
    if (!l) {
      if (labelKey !== '') {
        labelKey = '';
        labelPos = '';
        el.hidden = true;
      }
      return;
    }
    const key = `${l.pkt} ${l.src} ${l.dst} ${l.kind} ${l.changed?.what ?? ''}`;
    if (key !== labelKey) {
      labelKey = key;
      writeLabel(el, l);
      el.hidden = false;
      labelSize = { w: el.offsetWidth, h: el.offsetHeight };
    }
    let pos: [number, number] | undefined;
    for (const x of frame.flights) if (x.flight.pkt === l.pkt) pos = place(x.flight, x.progress);
    if (!pos && drawn) {
      const box = drawn.hosts.find((h) => h.name === l.host);
      // Over the box's top edge: the host's name and rows stay readable.
      if (box) pos = [box.x + box.w / 2, box.y + 4];
    }
    if (!pos) return;
    // Centred above the point, kept inside the drawing's panel.
    const panelW = frame.panel?.width ?? Number.POSITIVE_INFINITY;
    const cx = (pos[0] - view.x) * view.zoom;
    const px = Math.round(Math.max(2, Math.min(panelW - labelSize.w - 2, cx - labelSize.w / 2)));
    const py = Math.round(Math.max(2, (pos[1] - view.y) * view.zoom - labelSize.h - 8));
    const at = `${px},${py}`;
    if (at === labelPos) return;
    labelPos = at;
    el.style.transform = `translate(${px}px, ${py}px)`;
  }

  return {
    update(frame) {
      const relayout = frame.layout !== drawn;
      if (relayout) fitted = '';
      fitTo(frame.layout, frame.panel);
      if (relayout) {
        drawLayout(frame.layout);
        // A new run reuses packet ids: drop the old run's packets rather than relabel them.
        for (const dot of dots.values()) dot.el.remove();
        dots.clear();
      }
      const cur = frame.current ? `${frame.current.host}/${frame.current.dev ?? ''}` : '';
      if (relayout || cur !== lastCurrent) {
        lastCurrent = cur;
        gHosts
          .selectAll<SVGGElement, Layout['hosts'][number]>('g.host')
          .classed('current', (d) => d.name === frame.current?.host)
          .selectAll<SVGElement, unknown>('text.iface, rect.iface-bg')
          .classed('current', function () {
            const host = (this.parentNode as SVGGElement).getAttribute('data-host');
            return host === frame.current?.host && this.getAttribute('data-dev') === frame.current?.dev;
          });
        gPorts
          .selectAll<SVGRectElement, LinkEnd>('rect.port')
          .classed('current', (d) => d.host === frame.current?.host && d.dev === frame.current?.dev);
      }
      // Packets are kept in a map by flight and moved with two setAttribute calls each, only when
      // they moved by a tenth of a unit: with hundreds in flight a d3 data join per frame (keys,
      // selections, closures) cost more than the drawing.
      const seenNow = new Set<string>();
      const reclass = frame.selectedPacket !== lastSelected;
      lastSelected = frame.selectedPacket;
      for (const x of frame.flights) {
        const pos = place(x.flight, x.progress);
        if (!pos) continue;
        const key = `${x.flight.pkt}@${x.flight.i}`;
        seenNow.add(key);
        let dot = dots.get(key);
        const d: Dot = { flight: x.flight, x: pos[0], y: pos[1] };
        if (!dot) {
          const el = document.createElementNS('http://www.w3.org/2000/svg', 'circle');
          el.setAttribute('r', '6');
          el.setAttribute('class', dotClass(d, frame.selectedPacket));
          const title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
          title.textContent = `#${x.flight.pkt} ${x.flight.label}`;
          el.appendChild(title);
          const pkt = x.flight.pkt;
          el.addEventListener('click', () => onSelectPacket(pkt));
          gPackets.node()!.appendChild(el);
          dot = { el, x: Number.NaN, y: Number.NaN };
          dots.set(key, dot);
        } else if (reclass) dot.el.setAttribute('class', dotClass(d, frame.selectedPacket));
        const rx = Math.round(pos[0] * 10) / 10;
        const ry = Math.round(pos[1] * 10) / 10;
        if (rx !== dot.x) {
          dot.x = rx;
          dot.el.setAttribute('cx', String(rx));
        }
        if (ry !== dot.y) {
          dot.y = ry;
          dot.el.setAttribute('cy', String(ry));
        }
      }
      if (labelEl) placeLabel(frame);
      if (seenNow.size !== dots.size)
        for (const [key, dot] of dots)
          if (!seenNow.has(key)) {
            dot.el.remove();
            dots.delete(key);
          }
    },
    destroy() {
      root.selectAll('*').remove();
      paths.clear();
      dots.clear();
    },
  };
}
