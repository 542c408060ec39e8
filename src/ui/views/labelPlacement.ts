// Where packet labels go on the topology, in screen pixels: pure, so it is tested without a DOM.
// A label never covers a host box or another label. The playhead's label is placed first and
// always shown (if no spot is free, the one covering least); the others get a label only where
// one fits, in the order given (callers put the packets labelled last frame first, so labels
// do not jump between packets from one frame to the next).

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** A label to place: beside a point (a packet on a link) or beside a box (a packet in a host). */
export interface LabelRequest {
  readonly key: string;
  readonly w: number;
  readonly h: number;
  readonly at: { readonly x: number; readonly y: number } | Rect;
}

export interface Placed {
  readonly key: string;
  readonly x: number;
  readonly y: number;
}

/** Space between a label and what it labels. */
const GAP = 6;

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

const isRect = (a: LabelRequest['at']): a is Rect => 'w' in a;

/**
 * Candidate top-left corners, best first: above, below, right, left, the diagonals; then, for
 * a crowded spot, further up and down the column the anchor stands in (nearest first), up to
 * `reach` px away.
 */
function candidates(r: LabelRequest, reach: number): [number, number][] {
  const { w, h } = r;
  const a = r.at;
  const box: Rect = isRect(a) ? a : { x: a.x - 6, y: a.y - 6, w: 12, h: 12 };
  const cx = box.x + box.w / 2 - w / 2;
  const cy = box.y + box.h / 2 - h / 2;
  const above = box.y - GAP - h;
  const below = box.y + box.h + GAP;
  const right = box.x + box.w + GAP;
  const left = box.x - GAP - w;
  const out: [number, number][] = [
    [cx, above],
    [cx, below],
    [right, cy],
    [left, cy],
    [right, above],
    [left, above],
    [right, below],
    [left, below],
    // Along the box's top and bottom edges, outside it: a wide box leaves room at its ends.
    [box.x, above],
    [box.x + box.w - w, above],
    [box.x, below],
    [box.x + box.w - w, below],
  ];
  for (let d = STEP; d <= reach; d += STEP)
    for (const y of [above - d, below + d]) for (const x of [cx, right, left]) out.push([x, y]);
  return out;
}

const STEP = 6;

/** Every spot of the panel on a coarse grid, nearest to the anchor first. */
function nearest(r: LabelRequest, bounds: { readonly w: number; readonly h: number }): [number, number][] {
  const a = r.at;
  const cx = isRect(a) ? a.x + a.w / 2 : a.x;
  const cy = isRect(a) ? a.y + a.h / 2 : a.y;
  const out: [number, number, number][] = [];
  const W = Math.min(bounds.w, 4000);
  const H = Math.min(bounds.h, 2000);
  for (let y = 1; y + r.h <= H - 1; y += 4)
    for (let x = 1; x + r.w <= W - 1; x += 12)
      out.push([x, y, (x + r.w / 2 - cx) ** 2 + 4 * (y + r.h / 2 - cy) ** 2]);
  out.sort((p, q) => p[2] - q[2]);
  return out.map(([x, y]) => [x, y]);
}

/**
 * Places `first` (always) and then as many of `others` as fit, inside `bounds`, clear of
 * `obstacles` and of each other. At most `max` of the others are placed, and at most `tries`
 * of them are tried (hundreds in flight: the cost per frame stays bounded).
 */
export function placeLabels(
  first: LabelRequest | undefined,
  others: Iterable<LabelRequest>,
  obstacles: readonly Rect[],
  bounds: { readonly w: number; readonly h: number },
  max: number,
  tries = 64,
): Placed[] {
  const out: Placed[] = [];
  const taken: Rect[] = [];
  const inside = (x: number, y: number, w: number, h: number) =>
    x >= 1 && y >= 1 && x + w <= bounds.w - 1 && y + h <= bounds.h - 1;
  const cost = (r: Rect) => {
    // A pixel of air on each side: positions are rounded to whole pixels afterwards.
    const rect = { x: r.x - 1, y: r.y - 1, w: r.w + 2, h: r.h + 2 };
    let c = 0;
    for (const o of obstacles) c += overlap(rect, o);
    for (const o of taken) c += overlap(rect, o);
    return c;
  };
  const put = (r: LabelRequest, x: number, y: number) => {
    out.push({ key: r.key, x: Math.round(x), y: Math.round(y) });
    taken.push({ x, y, w: r.w, h: r.h });
  };
  if (first) {
    let best: [number, number] | undefined;
    let bestCost = Number.POSITIVE_INFINITY;
    const consider = (x0: number, y0: number) => {
      // Kept inside the panel: slid back in rather than dropped, it must always show.
      const x = Math.max(1, Math.min(bounds.w - first.w - 1, x0));
      const y = Math.max(1, Math.min(bounds.h - first.h - 1, y0));
      const c = cost({ x, y, w: first.w, h: first.h }) + (x !== x0 || y !== y0 ? 0.5 : 0);
      if (c < bestCost) {
        bestCost = c;
        best = [x, y];
      }
      return c === 0;
    };
    const free = candidates(first, Math.min(bounds.h, 400)).some(([x, y]) => consider(x, y));
    // A crowded drawing: the free spot nearest the anchor, anywhere in the panel.
    if (!free) nearest(first, bounds).some(([x, y]) => consider(x, y));
    if (best) put(first, best[0], best[1]);
  }
  let n = 0;
  let tried = 0;
  for (const r of others) {
    if (n >= max || tried++ >= tries) break;
    for (const [x, y] of candidates(r, 2 * STEP))
      if (inside(x, y, r.w, r.h) && cost({ x, y, w: r.w, h: r.h }) === 0) {
        put(r, x, y);
        n++;
        break;
      }
  }
  return out;
}
