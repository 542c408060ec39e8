// Where things go in the topology drawing: pure geometry from the run's hosts and the space
// available, computed once per run and per resize, testable without a DOM. Drawn 1:1 in CSS
// pixels when it fits (text stays legible), scaled down only when the panel is too small.
import type { HostSummary } from '../../engine/api';
import type { Scenario } from '../../engine/scenario/schema';

const ROW_H = 14;
const HEAD_H = 20;
const PAD = 14;
const GAP_X = 56;
const GAP_Y = 46;
/** Width of one character of the 11px monospace labels (0.6 em), to size boxes to their text. */
const CH = 6.7;
const MIN_W = 120;

export interface IfaceBox {
  readonly host: string;
  readonly name: string;
  readonly label: string;
  /** Row centre, in drawing coordinates. */
  readonly y: number;
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
  readonly x: number;
  readonly y: number;
  /** Where the device name is written, beside the end of the link. */
  readonly lx: number;
  readonly ly: number;
  readonly anchor: 'start' | 'end';
}

export interface LinkGeom {
  readonly key: string;
  /** Links between boxes stacked vertically run top to bottom, the others side to side. */
  readonly vertical: boolean;
  readonly a: LinkEnd;
  readonly b: LinkEnd;
}

export interface BridgePortGeom {
  readonly host: string;
  readonly x: number;
  readonly y1: number;
  readonly y2: number;
}

export interface Layout {
  readonly width: number;
  readonly height: number;
  readonly hosts: readonly HostBox[];
  readonly links: readonly LinkGeom[];
  readonly bridges: readonly BridgePortGeom[];
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

interface Row {
  readonly i: Iface;
  readonly indent: number;
  readonly label: string;
  /** False on the extra rows of a multi-address interface. */
  readonly first: boolean;
}

export function layoutTopology(
  hosts: readonly HostSummary[],
  scenario: Scenario,
  avail: { width: number; height: number } = { width: 640, height: 300 },
): Layout {
  const hint = new Map(scenario.hosts.map((h) => [h.name, h.position]));
  const n = hosts.length;
  const items = hosts.map((h, k) => {
    const rows: Row[] = orderIfaces(h).flatMap(({ i, indent }) =>
      ifaceLabels(i).map((label, n) => ({ i, indent, label, first: n === 0 })),
    );
    const chars = Math.max(h.name.length, ...rows.map((r) => r.label.length + (r.indent ? 2 : 0)));
    const w = Math.max(MIN_W, Math.ceil(chars * CH + 16 + (rows.some((r) => r.indent) ? 14 : 0)));
    const height = HEAD_H + Math.max(1, rows.length) * ROW_H + 6;
    const p = hint.get(h.name) ?? { x: n === 1 ? 0.5 : k / (n - 1), y: 0.5 };
    return {
      h,
      rows,
      w,
      height,
      pos: { x: Math.min(1, Math.max(0, p.x)), y: Math.min(1, Math.max(0, p.y)) },
    };
  });
  const maxW = Math.max(...items.map((b) => b.w), MIN_W);
  const maxH = Math.max(...items.map((b) => b.height), 40);
  // The smallest drawing in which no two boxes overlap: boxes on one level need their x
  // hints far enough apart; boxes in one column need their y hints far enough apart.
  let needW = maxW + 2 * PAD;
  let needH = maxH + 2 * PAD;
  for (const a of items)
    for (const b of items) {
      if (a === b) continue;
      const dx = Math.abs(a.pos.x - b.pos.x);
      const dy = Math.abs(a.pos.y - b.pos.y);
      if (dy < 0.2 && dx > 0) needW = Math.max(needW, ((a.w + b.w) / 2 + GAP_X) / dx + maxW + 2 * PAD);
      if (dx < 0.4 && dy > 0) needH = Math.max(needH, (maxH + GAP_Y) / dy + maxH + 2 * PAD);
    }
  const width = Math.max(avail.width, needW);
  const height = Math.max(avail.height, needH);
  const boxes: HostBox[] = items.map(({ h, rows, w, height: bh, pos }) => {
    const cx = PAD + maxW / 2 + pos.x * (width - 2 * PAD - maxW);
    const cy = PAD + maxH / 2 + pos.y * (height - 2 * PAD - maxH);
    const x = Math.round(cx - w / 2);
    const y = Math.round(cy - bh / 2);
    return {
      name: h.name,
      x,
      y,
      w,
      h: bh,
      ifaces: rows.map(({ i, indent, label, first }, r) => ({
        host: h.name,
        name: first ? i.name : '',
        kind: i.kind,
        indent,
        label,
        y: y + HEAD_H + r * ROW_H + ROW_H / 2,
      })),
    };
  });
  const byName = new Map(boxes.map((b) => [b.name, b]));
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
      links.push(linkBetween(key, A, ia, B, ib));
    }
  const bridges: BridgePortGeom[] = [];
  for (const b of boxes) {
    b.ifaces.forEach((r, k) => {
      if (r.kind !== 'bridge') return;
      let last = k;
      while (b.ifaces[last + 1]?.indent === 1) last++;
      if (last > k) bridges.push({ host: b.name, x: b.x + 12, y1: r.y + 4, y2: b.ifaces[last]!.y });
    });
  }
  return { width, height, hosts: boxes, links, bridges };
}

function linkBetween(key: string, A: HostBox, ia: IfaceBox, B: HostBox, ib: IfaceBox): LinkGeom {
  const acx = A.x + A.w / 2;
  const bcx = B.x + B.w / 2;
  const overlapX = Math.abs(acx - bcx) < (A.w + B.w) / 2;
  if (overlapX && A.y !== B.y) {
    // Stacked boxes: leave the upper box at its bottom, enter the lower one at its top,
    // each end leaning towards the other box so parallel links fan out.
    const [U, iu, L, il] = A.y < B.y ? [A, ia, B, ib] : [B, ib, A, ia];
    const clampX = (box: HostBox, toward: number, slot: number) =>
      Math.min(box.x + box.w - 16, Math.max(box.x + 16, toward + slot));
    const slotU = (U.ifaces.indexOf(iu) - (U.ifaces.length - 1) / 2) * 18;
    const slotL = (L.ifaces.indexOf(il) - (L.ifaces.length - 1) / 2) * 18;
    const u = { x: clampX(U, L.x + L.w / 2, slotU), y: U.y + U.h };
    const l = { x: clampX(L, U.x + U.w / 2, slotL), y: L.y };
    const endU: LinkEnd = { host: U.name, dev: iu.name, ...u, lx: u.x + 4, ly: u.y + 11, anchor: 'start' };
    const endL: LinkEnd = { host: L.name, dev: il.name, ...l, lx: l.x + 4, ly: l.y - 4, anchor: 'start' };
    return A === U ? { key, vertical: true, a: endU, b: endL } : { key, vertical: true, a: endL, b: endU };
  }
  const aRight = bcx >= acx;
  const ax = aRight ? A.x + A.w : A.x;
  const bx = aRight ? B.x : B.x + B.w;
  return {
    key,
    vertical: false,
    a: {
      host: A.name,
      dev: ia.name,
      x: ax,
      y: ia.y,
      lx: ax + (aRight ? 4 : -4),
      ly: ia.y - 4,
      anchor: aRight ? 'start' : 'end',
    },
    b: {
      host: B.name,
      dev: ib.name,
      x: bx,
      y: ib.y,
      lx: bx + (aRight ? -4 : 4),
      // Below the line, so two close boxes never print their names into one ("eth0eth0").
      ly: ib.y + 12,
      anchor: aRight ? 'end' : 'start',
    },
  };
}
