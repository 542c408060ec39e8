// Where things go in the topology drawing: pure geometry from the run's hosts, computed once
// per run, testable without a DOM. The drawing is laid out as compactly as the scenario's
// position hints allow; the view then scales it to fill its panel (see fitViewBox), so text
// grows with the panel instead of the drawing floating small in empty space.
import type { HostSummary } from '../../engine/api';
import type { Scenario } from '../../engine/scenario/schema';

const ROW_H = 16;
const HEAD_H = 22;
const PAD = 10;
/** Room beside and between boxes for links to curve in. */
const GAP_X = 48;
const GAP_Y = 30;
/** Width of one character of the 11px monospace labels (0.6 em), to size boxes to their text. */
const CH = 6.7;
const MIN_W = 110;
/** Inset of a bridge's switch body from its host box, and of its ports' text inside it. */
const SW_INSET = 6;
const PORT_TEXT = 22;
/** Never magnify the drawing more than this, so a two-host scenario does not turn into posters. */
export const MAX_ZOOM = 2.2;

export interface IfaceBox {
  readonly host: string;
  /** Device name; '' on the extra rows of a multi-address interface. */
  readonly name: string;
  readonly label: string;
  /** Row centre, in drawing coordinates. */
  readonly y: number;
  /** 1 for a port of a bridge (drawn inside the bridge's switch body). */
  readonly indent: number;
  readonly kind: string;
}

export interface HostBox {
  readonly name: string;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly ifaces: readonly IfaceBox[];
}

export interface LinkEnd {
  readonly host: string;
  readonly dev: string;
  /** Where the link touches its box (on the border). */
  readonly x: number;
  readonly y: number;
  /** Unit direction in which the link leaves the box. */
  readonly dx: number;
  readonly dy: number;
}

export interface LinkGeom {
  readonly key: string;
  readonly a: LinkEnd;
  readonly b: LinkEnd;
}

/** A bridge drawn as a switch: a body inside its host box holding its own row and its ports' rows. */
export interface BridgeGeom {
  readonly host: string;
  readonly name: string;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly ports: readonly string[];
}

export interface Layout {
  readonly width: number;
  readonly height: number;
  readonly hosts: readonly HostBox[];
  readonly links: readonly LinkGeom[];
  readonly bridges: readonly BridgeGeom[];
}

type Iface = HostSummary['interfaces'][number];

/** Interfaces in display order: each bridge followed by its ports; `lo` left out (it has no link). */
function orderIfaces(h: HostSummary): { i: Iface; indent: number }[] {
  const out: { i: Iface; indent: number }[] = [];
  for (const i of h.interfaces) {
    if (i.master || i.kind === 'loopback') continue;
    out.push({ i, indent: 0 });
    if (i.kind === 'bridge')
      for (const p of h.interfaces.filter((x) => x.master === i.name)) out.push({ i: p, indent: 1 });
  }
  for (const i of h.interfaces)
    if (i.master && !h.interfaces.some((b) => b.name === i.master)) out.push({ i, indent: 0 });
  return out;
}

/** One text row per address: the first beside the name, the others below it. */
function ifaceLabels(i: Iface): string[] {
  const addr = i.addresses.filter((a) => !a.startsWith('127.'));
  const flag = i.hairpin ? ' [hairpin]' : '';
  if (addr.length === 0) return [`${i.name}${flag}`];
  const pad = ' '.repeat(i.name.length);
  return addr.map((a, k) => (k === 0 ? `${i.name} ${a}${flag}` : `${pad} ${a}`));
}

/** Where a row's text starts inside its box (ports sit further in, inside the switch body). */
export function rowTextX(indent: number): number {
  return indent ? PORT_TEXT : 8;
}

interface Row {
  readonly i: Iface;
  readonly indent: number;
  readonly label: string;
  /** False on the extra rows of a multi-address interface. */
  readonly first: boolean;
}

interface Item {
  readonly h: HostSummary;
  readonly rows: Row[];
  readonly w: number;
  readonly height: number;
  readonly pos: { x: number; y: number };
}

/**
 * Scales of the hint space: the smallest sx, sy (drawing units per unit of hint) at which no
 * two boxes overlap. A pair is kept apart along the axis in which its hints differ most
 * (relative to the boxes' sizes), so boxes side by side never push the drawing taller.
 */
function scales(items: readonly Item[]): { sx: number; sy: number } {
  let sx = 1;
  let sy = 1;
  for (let a = 0; a < items.length; a++)
    for (let b = a + 1; b < items.length; b++) {
      const A = items[a]!;
      const B = items[b]!;
      const dx = Math.abs(A.pos.x - B.pos.x);
      const dy = Math.abs(A.pos.y - B.pos.y);
      const needX = (A.w + B.w) / 2 + GAP_X;
      const needY = (A.height + B.height) / 2 + GAP_Y;
      if (dx === 0 && dy === 0) continue;
      // Cost of separating along each axis, as the scale it would need.
      const byX = dx > 0 ? needX / dx : Number.POSITIVE_INFINITY;
      const byY = dy > 0 ? needY / dy : Number.POSITIVE_INFINITY;
      // Prefer the axis the hints separate them on most; a wide drawing suits the panel better.
      if (byX * 0.6 <= byY) sx = Math.max(sx, byX);
      else sy = Math.max(sy, byY);
    }
  return { sx, sy };
}

/** A host's place in hint space (0..1 both ways), by name. */
type Places = ReadonlyMap<string, { readonly x: number; readonly y: number }>;

/** The scenario's position hints, or the hosts evenly spread left to right. */
function hintPlaces(hosts: readonly HostSummary[], scenario: Scenario): Places {
  const hint = new Map(scenario.hosts.map((h) => [h.name, h.position]));
  const n = hosts.length;
  return new Map(
    hosts.map((h, k) => [h.name, hint.get(h.name) ?? { x: n === 1 ? 0.5 : k / (n - 1), y: 0.5 }]),
  );
}

/**
 * Other arrangements of the same hosts, for a panel the hinted one does not fit: the hints
 * turned a quarter (a row becomes a column, for a tall panel), and the hosts in their left-to-
 * right order folded into two rows, the second running back (a snake: neighbours stay
 * neighbours, so a chain's links stay short).
 */
function reflowPlaces(hosts: readonly HostSummary[], hints: Places): Places[] {
  const out: Places[] = [new Map([...hints].map(([n, p]) => [n, { x: p.y, y: p.x }]))];
  if (hosts.length >= 3) {
    const order = [...hosts.map((h) => h.name)].sort((a, b) => {
      const pa = hints.get(a)!;
      const pb = hints.get(b)!;
      return pa.x - pb.x || pa.y - pb.y;
    });
    const cols = Math.ceil(order.length / 2);
    const at = (c: number) => (cols === 1 ? 0.5 : c / (cols - 1));
    out.push(
      new Map(
        order.map((n, k) => [n, k < cols ? { x: at(k), y: 0 } : { x: at(cols - 1 - (k - cols)), y: 1 }]),
      ),
    );
  }
  return out;
}

/**
 * The drawing for a panel of the given size (CSS px): the scenario's hinted arrangement, unless
 * it would have to be drawn smaller than 1:1 (its text under 11 px: the panel would scroll)
 * and another arrangement fits better. Without a size, the hinted arrangement.
 */
export function layoutTopology(
  hosts: readonly HostSummary[],
  scenario: Scenario,
  avail?: { width: number; height: number },
  /** CSS px the view keeps free above and below the drawing (see fitViewBox). */
  marginY = 0,
): Layout {
  const hints = hintPlaces(hosts, scenario);
  const first = layoutAt(hosts, hints);
  if (!avail || avail.width <= 0 || avail.height <= 0) return first;
  const zoom = (l: Layout) => fitViewBox(l, avail, MAX_ZOOM, marginY).zoom;
  const z0 = zoom(first);
  let best = first;
  let bestZ = z0;
  for (const places of reflowPlaces(hosts, hints)) {
    const l = layoutAt(hosts, places);
    const z = zoom(l);
    if (z > bestZ + 1e-9) {
      best = l;
      bestZ = z;
    }
  }
  return z0 < 1 && bestZ > z0 + 0.02 ? best : first;
}

function layoutAt(hosts: readonly HostSummary[], places: Places): Layout {
  const items: Item[] = hosts.map((h) => {
    const rows: Row[] = orderIfaces(h).flatMap(({ i, indent }) =>
      ifaceLabels(i).map((label, n) => ({ i, indent, label, first: n === 0 })),
    );
    const chars = Math.max(h.name.length, ...rows.map((r) => r.label.length));
    const textW = Math.max(...rows.map((r) => rowTextX(r.indent) + r.label.length * CH), h.name.length * 8);
    const hasBridge = rows.some((r) => r.i.kind === 'bridge');
    const w = Math.max(MIN_W, Math.ceil(Math.max(textW, chars * CH) + 12 + (hasBridge ? SW_INSET : 0)));
    const height = HEAD_H + Math.max(1, rows.length) * ROW_H + (hasBridge ? 10 : 6);
    const p = places.get(h.name)!;
    return {
      h,
      rows,
      w,
      height,
      pos: { x: Math.min(1, Math.max(0, p.x)), y: Math.min(1, Math.max(0, p.y)) },
    };
  });
  const { sx, sy } = scales(items);
  // Box centres in hint space scaled, then the whole drawing moved to start at PAD.
  const raw = items.map((it) => ({ it, cx: it.pos.x * sx, cy: it.pos.y * sy }));
  const minX = Math.min(...raw.map((r) => r.cx - r.it.w / 2));
  const minY = Math.min(...raw.map((r) => r.cy - r.it.height / 2));
  const boxes: HostBox[] = raw.map(({ it, cx, cy }) => {
    const x = Math.round(cx - it.w / 2 - minX + PAD);
    const y = Math.round(cy - it.height / 2 - minY + PAD);
    let ry = y + HEAD_H;
    let prevBridgePort = false;
    return {
      name: it.h.name,
      x,
      y,
      w: it.w,
      h: it.height,
      ifaces: it.rows.map(({ i, indent, label, first }) => {
        // A little air above a bridge's switch body and below its last port.
        if (first && i.kind === 'bridge') ry += 3;
        if (prevBridgePort && !indent) ry += 4;
        prevBridgePort = indent === 1;
        const row = {
          host: it.h.name,
          name: first ? i.name : '',
          kind: i.kind,
          indent,
          label,
          y: ry + ROW_H / 2,
        };
        ry += ROW_H;
        return row;
      }),
    };
  });
  let width = Math.max(...boxes.map((b) => b.x + b.w)) + PAD;
  let height = Math.max(...boxes.map((b) => b.y + b.h)) + PAD;
  const byName = new Map(boxes.map((b) => [b.name, b]));
  // How many links each host has, to decide where a single-link box takes its link.
  const linkCount = new Map<string, number>();
  for (const h of hosts)
    for (const i of h.interfaces)
      if (i.peer && i.peer.host !== h.name) linkCount.set(h.name, (linkCount.get(h.name) ?? 0) + 1);
  const links: LinkGeom[] = [];
  const seen = new Set<string>();
  for (const h of hosts)
    for (const i of h.interfaces) {
      if (!i.peer) continue;
      const key = [`${h.name}/${i.name}`, `${i.peer.host}/${i.peer.ifname}`].sort().join('--');
      if (seen.has(key)) continue;
      seen.add(key);
      const A = byName.get(h.name);
      const B = byName.get(i.peer.host);
      if (!A || !B || A === B) continue;
      const ia = A.ifaces.find((x) => x.name === i.name);
      const ib = B.ifaces.find((x) => x.name === i.peer!.ifname);
      if (!ia || !ib) continue;
      links.push(linkBetween(key, A, ia, B, ib, linkCount));
    }
  const bridges: BridgeGeom[] = [];
  for (const b of boxes) {
    b.ifaces.forEach((r, k) => {
      if (r.kind !== 'bridge' || !r.name) return;
      let last = k;
      while (b.ifaces[last + 1] && (b.ifaces[last + 1]!.indent === 1 || b.ifaces[last + 1]!.name === ''))
        last++;
      const top = r.y - ROW_H / 2 - 2;
      const bottom = b.ifaces[last]!.y + ROW_H / 2 + 2;
      bridges.push({
        host: b.name,
        name: r.name,
        x: b.x + SW_INSET,
        y: top,
        w: b.w - 2 * SW_INSET,
        h: bottom - top,
        ports: b.ifaces.slice(k + 1, last + 1).flatMap((p) => (p.name && p.indent ? [p.name] : [])),
      });
    });
  }
  // Links that leave a box through its bottom need the room below it.
  for (const l of links) for (const e of [l.a, l.b]) if (e.dy > 0) height = Math.max(height, e.y + GAP_Y);
  // A link between two boxes one above the other, leaving both through the same side, bulges
  // out beside them: the drawing takes in its curve too (moved right or down if it bulges left
  // or up), so no part of a link is cut off at the panel's edge.
  let left = 0;
  let top = 0;
  for (const l of links) {
    const pts = sampleLink(l, 24);
    for (let k = 0; k < pts.length; k += 2) {
      left = Math.min(left, pts[k]! - PAD / 2);
      top = Math.min(top, pts[k + 1]! - PAD / 2);
      width = Math.max(width, pts[k]! + PAD / 2);
      height = Math.max(height, pts[k + 1]! + PAD / 2);
    }
  }
  const l0: Layout = { width: Math.ceil(width), height: Math.ceil(height), hosts: boxes, links, bridges };
  return left < 0 || top < 0 ? shifted(l0, Math.ceil(-left), Math.ceil(-top)) : l0;
}

/** The same drawing moved right by dx and down by dy (the drawing grows by as much). */
function shifted(l: Layout, dx: number, dy: number): Layout {
  const end = (e: LinkEnd): LinkEnd => ({ ...e, x: e.x + dx, y: e.y + dy });
  return {
    width: l.width + dx,
    height: l.height + dy,
    hosts: l.hosts.map((h) => ({
      ...h,
      x: h.x + dx,
      y: h.y + dy,
      ifaces: h.ifaces.map((i) => ({ ...i, y: i.y + dy })),
    })),
    links: l.links.map((k) => ({ ...k, a: end(k.a), b: end(k.b) })),
    bridges: l.bridges.map((b) => ({ ...b, x: b.x + dx, y: b.y + dy })),
  };
}

/**
 * Each end of a link leaves its box from the interface's own row, on the side facing the
 * other box, so the device name written in that row labels the link without any floating
 * text. A box whose only link goes to a box in another row takes it through its top or
 * bottom edge, under the other end, which keeps stacked drawings (node above its pods) tidy.
 */
function linkBetween(
  key: string,
  A: HostBox,
  ia: IfaceBox,
  B: HostBox,
  ib: IfaceBox,
  linkCount: ReadonlyMap<string, number>,
): LinkGeom {
  const stacked = A.y + A.h <= B.y || B.y + B.h <= A.y;
  const side = (box: HostBox, row: IfaceBox, other: HostBox): LinkEnd => {
    const right = other.x + other.w / 2 >= box.x + box.w / 2 - 1;
    return {
      host: box.name,
      dev: row.name,
      x: right ? box.x + box.w : box.x,
      y: row.y,
      dx: right ? 1 : -1,
      dy: 0,
    };
  };
  let a = side(A, ia, B);
  let b = side(B, ib, A);
  const edge = (box: HostBox, row: IfaceBox, other: LinkEnd): LinkEnd => {
    const below = other.y > box.y + box.h;
    return {
      host: box.name,
      dev: row.name,
      x: Math.min(box.x + box.w - 14, Math.max(box.x + 14, other.x + other.dx * 24)),
      y: below ? box.y + box.h : box.y,
      dx: 0,
      dy: below ? 1 : -1,
    };
  };
  if (stacked) {
    if ((linkCount.get(B.name) ?? 0) === 1) b = edge(B, ib, a);
    else if ((linkCount.get(A.name) ?? 0) === 1) a = edge(A, ia, b);
  }
  return { key, a, b };
}

/** The link as a cubic Bézier: [x0, y0, c1x, c1y, c2x, c2y, x1, y1]. */
export function linkCurve(l: LinkGeom): readonly number[] {
  const dist = Math.hypot(l.b.x - l.a.x, l.b.y - l.a.y);
  const k = Math.max(18, Math.min(80, dist * 0.45));
  return [
    l.a.x,
    l.a.y,
    l.a.x + l.a.dx * k,
    l.a.y + l.a.dy * k,
    l.b.x + l.b.dx * k,
    l.b.y + l.b.dy * k,
    l.b.x,
    l.b.y,
  ];
}

export function linkPathD(l: LinkGeom): string {
  const c = linkCurve(l).map((v) => Math.round(v * 10) / 10);
  return `M${c[0]},${c[1]}C${c[2]},${c[3]} ${c[4]},${c[5]} ${c[6]},${c[7]}`;
}

/**
 * The curve sampled at `samples` points evenly spaced along its length (not its parameter),
 * so a packet placed by linear interpolation moves at a steady speed. Pure arithmetic: no SVG
 * geometry calls, once per layout.
 */
export function sampleLink(l: LinkGeom, samples: number): Float64Array {
  const [x0, y0, x1, y1, x2, y2, x3, y3] = linkCurve(l) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const FINE = 256;
  const px = new Float64Array(FINE + 1);
  const py = new Float64Array(FINE + 1);
  const len = new Float64Array(FINE + 1);
  for (let k = 0; k <= FINE; k++) {
    const t = k / FINE;
    const u = 1 - t;
    px[k] = u * u * u * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x3;
    py[k] = u * u * u * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y3;
    if (k) len[k] = len[k - 1]! + Math.hypot(px[k]! - px[k - 1]!, py[k]! - py[k - 1]!);
  }
  const total = len[FINE]!;
  const out = new Float64Array(2 * samples);
  let j = 0;
  for (let s = 0; s < samples; s++) {
    const want = (s / (samples - 1)) * total;
    while (j < FINE - 1 && len[j + 1]! < want) j++;
    const seg = len[j + 1]! - len[j]!;
    const u = seg > 0 ? (want - len[j]!) / seg : 0;
    out[2 * s] = px[j]! + (px[j + 1]! - px[j]!) * u;
    out[2 * s + 1] = py[j]! + (py[j + 1]! - py[j]!) * u;
  }
  return out;
}

/**
 * The viewBox that shows the whole drawing as large as the panel allows, centred, magnified
 * at most MAX_ZOOM times. Returns the zoom too (CSS px per drawing unit).
 */
export function fitViewBox(
  layout: { width: number; height: number },
  panel: { width: number; height: number },
  maxZoom = MAX_ZOOM,
  /** CSS px kept free above and below the drawing (for packet labels). */
  marginY = 0,
): { x: number; y: number; w: number; h: number; zoom: number } {
  const pw = Math.max(1, panel.width);
  const ph = Math.max(1, panel.height);
  // The margin is given up before the drawing would shrink below 1:1 for it.
  const byHeight = Math.max((ph - 2 * marginY) / layout.height, Math.min(1, ph / layout.height));
  const zoom = Math.min(pw / layout.width, byHeight, maxZoom);
  const w = pw / zoom;
  const h = ph / zoom;
  return { x: (layout.width - w) / 2, y: (layout.height - h) / 2, w, h, zoom };
}
