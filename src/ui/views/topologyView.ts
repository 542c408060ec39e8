// The topology as a d3 controller: React hands it an <svg> once and calls update() with
// plain data on every frame; the controller owns the DOM inside the svg.
import { select } from 'd3-selection';
import type { PacketLabel } from '../packetLabel';
import type { Flight } from '../timeline';
import { type LabelRequest, placeLabels as placeLabelsAt, type Rect } from './labelPlacement';
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
  /**
   * Not animating: the packets drawn are written into the canvas's data-packets (for tests: a
   * canvas has no DOM to read; data-count is kept current every frame).
   */
  readonly settled?: boolean;
}

export interface TopologyView {
  update(frame: TopologyFrame): void;
  destroy(): void;
}

/** The elements the view draws into, all owned by the React wrapper. */
export interface TopologyElements {
  readonly svg: SVGSVGElement;
  /** Over the svg, same size: the packets, drawn as pixels (hundreds move every frame). */
  readonly canvas: HTMLCanvasElement;
  /** The playhead packet's label (accessible name `packet`). */
  readonly label?: HTMLElement;
  /** Holds the other in-flight packets' labels (decoration: aria-hidden). */
  readonly others?: HTMLElement;
}

const SAMPLES = 48;
const PORT = 7;
/** Radius of a packet dot, in drawing units; the selected one is larger, the rest smaller. */
const DOT_R = 4.5;
const SELECTED_R = 7;
/** A dot is kept this far along its link from either end, so a port never hides it. */
const END_GAP = 0.08;
/** Labels of packets other than the playhead's, at most. */
const MAX_OTHER_LABELS = 6;
/** Room kept above and below the drawing for packet labels, in CSS px. */
export const LABEL_MARGIN = 24;
const PROTOS = ['tcp', 'udp', 'icmp', 'arp'] as const;

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
  els: TopologyElements,
  onSelectPacket: (pkt: number) => void,
): TopologyView {
  const { svg, canvas } = els;
  const labelEl = els.label;
  const root = select(svg);
  const gLinks = root.append('g').attr('class', 'links');
  const gHosts = root.append('g').attr('class', 'hosts');
  const gPorts = root.append('g').attr('class', 'ports');
  let drawn: Layout | undefined;
  let fitted = '';
  // Each link's curve sampled once per layout, by "host/dev>host/dev" of both directions:
  // placing hundreds of packets per frame is then interpolation, not SVG geometry calls.
  const paths = new Map<string, { pts: Float64Array; reverse: boolean }>();
  // The same looked up once per flight (flights are the index's objects, kept for the run).
  let pathOf = new WeakMap<Flight, { pts: Float64Array; reverse: boolean } | null>();
  let lastCurrent = '';
  // The viewBox origin and zoom, to draw the packets and place the (HTML) labels over the drawing.
  let view = { x: 0, y: 0, zoom: 1 };
  /** Host boxes in CSS px of the svg: labels keep off them. */
  let boxesPx: Rect[] = [];
  let labelKey = '';
  let labelPos = '';
  // The label's size, read once per text change (reading it per frame would force a layout).
  let labelSize = { w: 0, h: 0 };
  // The packets drawn last frame, for clicks: flight and position in drawing units.
  let shown: { flight: Flight; x: number; y: number }[] = [];
  const ctx = canvas.getContext('2d');
  let canvasSize = '';
  let colors: { theme: string; proto: Record<string, string>; fg: string; panel: string } | undefined;
  // Labels of other packets: a small pool of elements, and which packets had one last frame.
  const pool: { el: HTMLElement; text: string; pos: string }[] = [];
  let labelled = new Set<string>();
  const keys = new WeakMap<Flight, string>();
  const asked = new Map<string, { flight: Flight; x: number; y: number }>();
  // The last frame drawn, to place the labels again once the playhead label's new size is known.
  let lastFrame: TopologyFrame | undefined;
  const sizeObserver =
    labelEl && typeof ResizeObserver === 'function'
      ? new ResizeObserver(() => {
          // Called after layout: reading the size here forces nothing.
          if (labelEl.hidden) return;
          const w = labelEl.offsetWidth;
          const h = labelEl.offsetHeight;
          if (w === labelSize.w && h === labelSize.h) return;
          labelSize = { w, h };
          if (lastFrame) {
            drawPackets(lastFrame);
            placeLabels(lastFrame);
          }
        })
      : undefined;
  if (labelEl) sizeObserver?.observe(labelEl);
  const widths = new Map<string, number>();
  let labelFont = '';
  const sprites = new Map<string, CanvasImageSource & { width: number; height: number }>();
  function drawLayout(layout: Layout): void {
    paths.clear();
    pathOf = new WeakMap();
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
    const p = panel ?? { width: layout.width, height: layout.height + 2 * LABEL_MARGIN };
    const key = `${p.width}x${p.height}`;
    if (layout === drawn && key === fitted) return;
    fitted = key;
    const v = fitViewBox(layout, p, undefined, LABEL_MARGIN);
    view = { x: v.x, y: v.y, zoom: v.zoom };
    root.attr('viewBox', `${v.x.toFixed(1)} ${v.y.toFixed(1)} ${v.w.toFixed(1)} ${v.h.toFixed(1)}`);
    root.attr('data-zoom', v.zoom.toFixed(2));
    boxesPx = layout.hosts.map((h) => ({
      x: (h.x - v.x) * v.zoom,
      y: (h.y - v.y) * v.zoom,
      w: h.w * v.zoom,
      h: h.h * v.zoom,
    }));
    // The canvas backing store at the device's pixel ratio, resized only when the panel is.
    const dpr = window.devicePixelRatio || 1;
    const size = `${p.width}x${p.height}@${dpr}`;
    if (size !== canvasSize) {
      canvasSize = size;
      canvas.width = Math.max(1, Math.round(p.width * dpr));
      canvas.height = Math.max(1, Math.round(p.height * dpr));
      canvas.style.width = `${p.width}px`;
      canvas.style.height = `${p.height}px`;
    }
  }

  function place(f: Flight, progress: number): [number, number] | undefined {
    let p = pathOf.get(f);
    if (p === undefined) {
      p = paths.get(`${f.from.host}/${f.from.dev}>${f.to.host}/${f.to.dev}`) ?? null;
      pathOf.set(f, p);
    }
    if (!p) return undefined;
    const along = END_GAP + (1 - 2 * END_GAP) * progress;
    const at = (p.reverse ? 1 - along : along) * (SAMPLES - 1);
    const k = Math.min(SAMPLES - 2, Math.floor(at));
    const u = at - k;
    const q = p.pts;
    return [q[2 * k]! + (q[2 * k + 2]! - q[2 * k]!) * u, q[2 * k + 1]! + (q[2 * k + 3]! - q[2 * k + 1]!) * u];
  }

  /** The theme's colours, read from CSS once per theme (never per frame: it would force a style pass). */
  function palette() {
    const theme = document.documentElement.dataset.theme ?? '';
    if (colors?.theme !== theme) {
      const cs = getComputedStyle(svg);
      const v = (k: string) => cs.getPropertyValue(k).trim() || '#888';
      colors = {
        theme,
        proto: Object.fromEntries(PROTOS.map((p) => [p, v(`--${p}`)])),
        fg: v('--fg'),
        panel: v('--panel'),
      };
    }
    return colors;
  }

  /**
   * Every packet on the wire as a dot on the canvas, one path per protocol: the selected packet
   * large, outlined and on top; the others smaller and faded, so the eye follows the one the
   * other views describe.
   */
  function drawPackets(frame: TopologyFrame): void {
    shown = [];
    for (const x of frame.flights) {
      const pos = place(x.flight, x.progress);
      if (pos) shown.push({ flight: x.flight, x: pos[0], y: pos[1] });
    }
    if (canvas.dataset.count !== String(shown.length)) canvas.dataset.count = String(shown.length);
    if (frame.settled)
      canvas.dataset.packets = shown
        .map((d) => `#${d.flight.pkt}@${d.flight.i} ${d.flight.proto} ${d.x.toFixed(1)},${d.y.toFixed(1)}`)
        .sort()
        .join('; ');
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!shown.length) return;
    // Each dot is a copy of a small pre-drawn sprite at whole device pixels: blitting hundreds of
    // them costs far less than rasterising as many anti-aliased circles every frame. The sprite
    // of each protocol is looked up once per frame, not once per dot.
    const z = view.zoom * (window.devicePixelRatio || 1);
    const sel = frame.selectedPacket;
    const look = sel === undefined ? 'plain' : 'faded';
    const c = palette();
    const zKey = z.toFixed(3);
    const mine: Partial<Record<Flight['proto'], ReturnType<typeof sprite>>> = {};
    let selected: (typeof shown)[number] | undefined;
    for (const d of shown) {
      if (d.flight.pkt === sel) {
        selected = d;
        continue;
      }
      const proto = d.flight.proto;
      let sp = mine[proto];
      if (!sp) {
        sp = sprite(proto, look, z, zKey, c);
        mine[proto] = sp;
      }
      ctx.drawImage(
        sp,
        Math.round((d.x - view.x) * z - sp.width / 2),
        Math.round((d.y - view.y) * z - sp.height / 2),
      );
    }
    if (selected) {
      const sp = sprite(selected.flight.proto, 'selected', z, zKey, c);
      ctx.drawImage(
        sp,
        Math.round((selected.x - view.x) * z - sp.width / 2),
        Math.round((selected.y - view.y) * z - sp.height / 2),
      );
    }
  }

  /**
   * A packet dot drawn once per protocol, look, zoom and theme; kept as an ImageBitmap where the
   * browser has OffscreenCanvas (drawing a canvas into a canvas snapshots it on every call).
   */
  function sprite(
    proto: Flight['proto'],
    look: 'plain' | 'faded' | 'selected',
    z: number,
    zKey: string,
    c: ReturnType<typeof palette>,
  ): CanvasImageSource & { width: number; height: number } {
    const key = `${proto}/${look}/${zKey}/${c.theme}`;
    const had = sprites.get(key);
    if (had) return had;
    const r = look === 'selected' ? SELECTED_R + 2.5 : DOT_R + 1;
    const size = Math.ceil(2 * r * z) + 2;
    const off = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(size, size) : undefined;
    const el = off ? undefined : document.createElement('canvas');
    if (el) {
      el.width = size;
      el.height = size;
    }
    const g = (off ?? el)!.getContext('2d') as
      | CanvasRenderingContext2D
      | OffscreenCanvasRenderingContext2D
      | null;
    if (g) {
      g.setTransform(z, 0, 0, z, size / 2, size / 2);
      if (look === 'selected') {
        g.beginPath();
        g.arc(0, 0, SELECTED_R + 2.5, 0, 2 * Math.PI);
        g.fillStyle = c.panel;
        g.fill();
        g.beginPath();
        g.arc(0, 0, SELECTED_R, 0, 2 * Math.PI);
        g.fillStyle = c.proto[proto]!;
        g.fill();
        g.lineWidth = 2.5;
        g.strokeStyle = c.fg;
        g.stroke();
      } else {
        g.globalAlpha = look === 'faded' ? 0.5 : 1;
        g.beginPath();
        g.arc(0, 0, DOT_R, 0, 2 * Math.PI);
        g.fillStyle = c.proto[proto]!;
        g.fill();
        g.lineWidth = 1.2;
        g.strokeStyle = c.panel;
        g.stroke();
      }
    }
    const sp = off ? off.transferToImageBitmap() : el!;
    // (Not closed: one drawn earlier this frame may still be in use; the collector frees them.)
    if (sprites.size > 64) sprites.clear();
    sprites.set(key, sp);
    return sp;
  }

  /** A point of the drawing in CSS px of the svg. */
  const toPx = (x: number, y: number) => ({ x: (x - view.x) * view.zoom, y: (y - view.y) * view.zoom });

  function textWidth(text: string): number {
    let w = widths.get(text);
    if (w === undefined) {
      if (!labelFont && labelEl) labelFont = `12px ${getComputedStyle(labelEl).fontFamily}`;
      if (ctx) {
        ctx.save();
        ctx.font = labelFont || '12px monospace';
        w = Math.ceil(ctx.measureText(text).width) + 12;
        ctx.restore();
      } else w = text.length * 7.3 + 12;
      widths.set(text, w);
    }
    return w;
  }

  /**
   * The playhead packet's label beside its dot on a link, or beside the box of the host it is
   * in; then labels for other packets in flight where they fit. None covers a host box or
   * another label (labelPlacement.ts).
   */
  function placeLabels(frame: TopologyFrame): void {
    const l = frame.label;
    if (labelEl) {
      if (!l) {
        if (labelKey !== '') {
          labelKey = '';
          labelPos = '';
          labelEl.hidden = true;
        }
      } else {
        const key = `${l.pkt} ${l.src} ${l.dst} ${l.kind} ${l.changed?.what ?? ''}`;
        if (key !== labelKey) {
          labelKey = key;
          writeLabel(labelEl, l);
          labelEl.hidden = false;
          // While playing, its new size is read once the browser has laid it out
          // (sizeObserver, same frame, before paint), which places the labels again if it
          // changed: reading it here would force a layout of everything changed so far (10 ms
          // a time in bench:ui's profile). A step or seek reads it now, so the labels are right
          // as soon as the step's task ends, for whatever reads the page next.
          if (!sizeObserver || frame.settled) labelSize = { w: labelEl.offsetWidth, h: labelEl.offsetHeight };
        }
      }
    }
    let first: LabelRequest | undefined;
    if (l && labelEl) {
      const dot = shown.find((d) => d.flight.pkt === l.pkt);
      const box = drawn?.hosts.findIndex((h) => h.name === l.host) ?? -1;
      const at = dot ? toPx(dot.x, dot.y) : box >= 0 ? boxesPx[box] : undefined;
      if (at) first = { key: 'playhead', w: labelSize.w, h: labelSize.h, at };
    }
    const h = labelSize.h || 19;
    const bounds = {
      w: frame.panel?.width ?? Number.POSITIVE_INFINITY,
      h: frame.panel?.height ?? Number.POSITIVE_INFINITY,
    };
    asked.clear();
    const others = els.others ? candidates(l?.pkt, h) : [];
    const placed = placeLabelsAt(first, others, boxesPx, bounds, els.others ? MAX_OTHER_LABELS : 0);
    const now = new Set<string>();
    let k = 0;
    for (const p of placed) {
      if (p.key === 'playhead') {
        if (first && !('w' in first.at)) leader(first.at, { x: p.x, y: p.y, w: first.w, h: first.h });
        const at = `${p.x},${p.y}`;
        if (at !== labelPos && labelEl) {
          labelPos = at;
          labelEl.style.transform = `translate(${p.x}px, ${p.y}px)`;
        }
        continue;
      }
      now.add(p.key);
      setOther(k++, asked.get(p.key)!.flight.tuple, p.x, p.y);
    }
    for (; k < pool.length; k++) setOther(k, '', 0, 0);
    labelled = now;
  }

  /** A thin line from a dot to its label when a crowded spot pushed the label away from it. */
  function leader(dot: { x: number; y: number }, r: Rect): void {
    const x = Math.max(r.x, Math.min(r.x + r.w, dot.x));
    const y = Math.max(r.y, Math.min(r.y + r.h, dot.y));
    if (!ctx || Math.hypot(x - dot.x, y - dot.y) < 16) return;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.beginPath();
    ctx.moveTo(dot.x, dot.y);
    ctx.lineTo(x, y);
    ctx.lineWidth = 1;
    ctx.strokeStyle = palette().fg;
    ctx.stroke();
  }

  /** A flight's label key, made once per flight (not once per packet per frame). */
  function keyOf(f: Flight): string {
    let k = keys.get(f);
    if (k === undefined) {
      k = `${f.pkt}@${f.i}`;
      keys.set(f, k);
    }
    return k;
  }

  /**
   * Label requests for packets other than `skip`: those labelled last frame first. Each one
   * asked for is kept in `asked` by its key, to find its packet when it is placed.
   */
  function* candidates(skip: number | undefined, h: number): Generator<LabelRequest> {
    const req = (d: (typeof shown)[number], key: string): LabelRequest => {
      asked.set(key, d);
      return { key, w: textWidth(d.flight.tuple), h, at: toPx(d.x, d.y) };
    };
    if (labelled.size)
      for (const d of shown) {
        if (d.flight.pkt === skip) continue;
        const key = keyOf(d.flight);
        if (labelled.has(key)) yield req(d, key);
      }
    for (const d of shown) {
      if (d.flight.pkt === skip) continue;
      const key = keyOf(d.flight);
      if (!labelled.has(key)) yield req(d, key);
    }
  }

  function setOther(k: number, text: string, x: number, y: number): void {
    const host = els.others;
    if (!host) return;
    let o = pool[k];
    if (!o) {
      if (!text) return;
      const el = document.createElement('div');
      el.className = 'pkt-label other mono';
      host.appendChild(el);
      o = { el, text: '', pos: '' };
      pool.push(o);
    }
    if (text !== o.text) {
      o.text = text;
      o.el.textContent = text;
      o.el.hidden = !text;
    }
    const pos = `${x},${y}`;
    if (text && pos !== o.pos) {
      o.pos = pos;
      o.el.style.transform = `translate(${x}px, ${y}px)`;
    }
  }

  // Clicking a packet selects it: the dot nearest the pointer, within a few units.
  const onClick = (e: MouseEvent) => {
    const d = hit(e);
    if (d) onSelectPacket(d.flight.pkt);
  };
  const onMove = (e: MouseEvent) => {
    svg.style.cursor = hit(e) ? 'pointer' : '';
  };
  function hit(e: MouseEvent) {
    const r = svg.getBoundingClientRect();
    const x = (e.clientX - r.left) / view.zoom + view.x;
    const y = (e.clientY - r.top) / view.zoom + view.y;
    let best: (typeof shown)[number] | undefined;
    let bestD = (SELECTED_R + 3) ** 2;
    for (const d of shown) {
      const dd = (d.x - x) ** 2 + (d.y - y) ** 2;
      if (dd <= bestD) {
        bestD = dd;
        best = d;
      }
    }
    return best;
  }
  svg.addEventListener('click', onClick);
  svg.addEventListener('mousemove', onMove);

  return {
    update(frame) {
      const relayout = frame.layout !== drawn;
      if (relayout) fitted = '';
      fitTo(frame.layout, frame.panel);
      if (relayout) {
        drawLayout(frame.layout);
        widths.clear();
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
      lastFrame = frame;
      drawPackets(frame);
      placeLabels(frame);
    },
    destroy() {
      sizeObserver?.disconnect();
      svg.removeEventListener('click', onClick);
      svg.removeEventListener('mousemove', onMove);
      root.selectAll('*').remove();
      for (const o of pool) o.el.remove();
      paths.clear();
    },
  };
}
