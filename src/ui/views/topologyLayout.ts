// Where things go in the topology drawing: pure geometry from the run's hosts, so it can be
// computed once per run and tested without a DOM.
import type { HostSummary } from '../../engine/api';
import type { Scenario } from '../../engine/scenario/schema';

export const BOX_W = 190;
const ROW_H = 15;
const HEAD_H = 22;
const PAD = 24;

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

export interface LinkGeom {
  readonly key: string;
  readonly a: { readonly host: string; readonly dev: string; readonly x: number; readonly y: number };
  readonly b: { readonly host: string; readonly dev: string; readonly x: number; readonly y: number };
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

/** Interfaces in display order: each bridge followed by its ports; `lo` last. */
function orderIfaces(h: HostSummary): { i: HostSummary['interfaces'][number]; indent: number }[] {
  const out: { i: HostSummary['interfaces'][number]; indent: number }[] = [];
  const ports = (br: string) => h.interfaces.filter((i) => i.master === br);
  for (const i of h.interfaces) {
    if (i.master || i.kind === 'loopback') continue;
    out.push({ i, indent: 0 });
    if (i.kind === 'bridge') for (const p of ports(i.name)) out.push({ i: p, indent: 1 });
  }
  for (const i of h.interfaces)
    if (i.master && !h.interfaces.some((b) => b.name === i.master)) out.push({ i, indent: 0 });
  return out;
}

export function layoutTopology(hosts: readonly HostSummary[], scenario: Scenario): Layout {
  const hint = new Map(scenario.hosts.map((h) => [h.name, h.position]));
  const n = hosts.length;
  const boxes0 = hosts.map((h, k) => {
    const rows = orderIfaces(h);
    const height = HEAD_H + Math.max(1, rows.length) * ROW_H + 8;
    const pos = hint.get(h.name) ?? { x: n === 1 ? 0.5 : k / (n - 1), y: 0.5 };
    return { h, rows, height, pos };
  });
  const maxH = Math.max(...boxes0.map((b) => b.height), 60);
  // Room for every box side by side at the extremes of the hint range, with gaps for links.
  const cols = new Set(boxes0.map((b) => Math.round(b.pos.x * 20))).size;
  const width = Math.max(640, cols * (BOX_W + 90) + PAD * 2);
  const rowsOfY = new Set(boxes0.map((b) => Math.round(b.pos.y * 20))).size;
  const height = Math.max(240, rowsOfY * (maxH + 50) + PAD * 2);
  const boxes: HostBox[] = boxes0.map(({ h, rows, height: bh, pos }) => {
    const cx = PAD + BOX_W / 2 + Math.min(1, Math.max(0, pos.x)) * (width - 2 * PAD - BOX_W);
    const cy = PAD + maxH / 2 + Math.min(1, Math.max(0, pos.y)) * (height - 2 * PAD - maxH);
    const x = cx - BOX_W / 2;
    const y = cy - bh / 2;
    return {
      name: h.name,
      x,
      y,
      w: BOX_W,
      h: bh,
      ifaces: rows.map(({ i, indent }, r) => ({
        host: h.name,
        name: i.name,
        kind: i.kind,
        indent,
        label: `${i.name}${i.addresses.length ? ` ${i.addresses.join(' ')}` : ''}${i.hairpin ? ' hairpin' : ''}`,
        y: y + HEAD_H + r * ROW_H + ROW_H / 2 + 2,
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
      if (!A || !B) continue;
      const ia = A.ifaces.find((x) => x.name === i.name);
      const ib = B.ifaces.find((x) => x.name === i.peer!.ifname);
      if (!ia || !ib) continue;
      const aRight = B.x + B.w / 2 >= A.x + A.w / 2;
      links.push({
        key,
        a: { host: A.name, dev: ia.name, x: aRight ? A.x + A.w : A.x, y: ia.y },
        b: { host: B.name, dev: ib.name, x: aRight ? B.x : B.x + B.w, y: ib.y },
      });
    }
  const bridges: BridgePortGeom[] = [];
  for (const b of boxes) {
    const rows = b.ifaces;
    rows.forEach((r, k) => {
      if (r.kind !== 'bridge') return;
      let last = k;
      while (rows[last + 1]?.indent === 1) last++;
      if (last > k) bridges.push({ host: b.name, x: b.x + 12, y1: r.y + 4, y2: rows[last]!.y });
    });
  }
  return { width, height, hosts: boxes, links, bridges };
}
