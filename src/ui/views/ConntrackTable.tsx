// One host's conntrack table, as `conntrack -L` prints it at the playhead. Virtualised so a
// table of a quarter million entries scrolls and filters without stalling the page.
import { elementScroll, useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import { useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import type { ConntrackRow } from '../../worker/protocol';
import type { Dict } from '../i18n';
import { Scroll } from '../Scroll';
import { conntrackFilter } from './conntrackFilter';

const ROW_H = 17;

export function ConntrackTable(props: {
  host: string;
  rows: readonly ConntrackRow[];
  highlight?: number;
  tracking: boolean;
  t: Dict;
  /** A lesson step points at this table. */
  lesson?: boolean;
}) {
  const { host, rows, highlight, t } = props;
  const [filter, setFilter] = useState('');
  const deferred = useDeferredValue(filter);
  const shown = useMemo(() => {
    const keep = conntrackFilter(deferred);
    return keep ? rows.filter((r) => keep(r.line)) : rows;
  }, [rows, deferred]);
  // Rows are absolutely placed, so they do not widen the table themselves: it is sized to the
  // longest line (monospace, so in ch) and the panel scrolls sideways like a terminal.
  const longest = useMemo(() => {
    let m = 0;
    for (const r of shown) if (r.line.length > m) m = r.line.length;
    return m;
  }, [shown]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_H,
    overscan: 12,
    initialRect: { width: 600, height: 160 },
    observeElementRect: observeRectAfterLayout,
    scrollToFn: scrollUnlessNew,
  });
  const items = v.getVirtualItems();
  // The entry the current packet touches stays in view as the playhead moves.
  const touchedIndex = useMemo(
    () => (highlight === undefined ? -1 : shown.findIndex((r) => r.id === highlight)),
    [shown, highlight],
  );
  useEffect(() => {
    if (touchedIndex < 0) return;
    // Already in view (by the scroll position and size the virtualiser keeps): nothing to do,
    // as scrollToIndex would find, but without it reading the layout (forcing one) to know.
    const top = v.scrollOffset;
    const h = v.scrollRect?.height;
    const at = touchedIndex * ROW_H;
    if (top !== null && h !== undefined && h > 0 && at >= top && at + ROW_H <= top + h) return;
    v.scrollToIndex(touchedIndex, { align: 'auto' });
  }, [touchedIndex, v]);
  return (
    <section
      className={props.lesson ? 'conntrack lesson-hl' : 'conntrack'}
      aria-label={`conntrack ${host}`}
      data-lesson={props.lesson ? 'highlight' : undefined}
    >
      <div className="ct-head">
        <span className="mono dim">{t.conntrack}</span>
        <span className="dim">{t.entries(rows.length)}</span>
        <input
          type="search"
          className="ct-filter"
          placeholder={t.filter}
          aria-label={`Filter conntrack ${host}`}
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
      </div>
      <Scroll className="ct-scroll" ref={scrollRef} testId={`ct-scroll-${host}`}>
        {rows.length === 0 ? (
          <p className="ct-empty mono dim">{props.tracking ? t.conntrackEmpty : t.conntrackOff}</p>
        ) : (
          // biome-ignore lint/a11y/useSemanticElements: a virtualised list of absolutely placed rows cannot be a <table>
          <div
            role="table"
            aria-label={`conntrack -L on ${host}`}
            aria-rowcount={shown.length}
            className="ct-table mono"
            style={{ height: v.getTotalSize(), width: `calc(${longest}ch + 8px)` }}
          >
            {items.map((it) => {
              const r = shown[it.index]!;
              return (
                // biome-ignore lint/a11y/useSemanticElements: see the table above
                // biome-ignore lint/a11y/useFocusableInteractive: rows of a static table, not a grid
                <div
                  key={r.id}
                  role="row"
                  aria-rowindex={it.index + 1}
                  className={r.id === highlight ? 'ct-row touched' : 'ct-row'}
                  style={{ transform: `translateY(${it.start}px)` }}
                >
                  {/* biome-ignore lint/a11y/useSemanticElements: see the table above */}
                  <span role="cell" title={r.line}>
                    {r.line}
                  </span>
                </div>
              );
            })}
          </div>
        )}
      </Scroll>
    </section>
  );
}

/**
 * The virtualizer's own observeElementRect reads the scroll element's size as it mounts, which
 * forces a layout of the whole page inside React's commit: with a run of a million events just
 * landed that made one task of 80-100 ms. The size comes from the ResizeObserver's first
 * notification instead (after the frame's own layout), initialRect until then.
 */
function observeRectAfterLayout(
  instance: Virtualizer<HTMLDivElement, Element>,
  cb: (rect: { width: number; height: number }) => void,
): (() => void) | undefined {
  const el = instance.scrollElement;
  const win = instance.targetWindow;
  if (!el || !win?.ResizeObserver) return undefined;
  const ro = new win.ResizeObserver(() => cb({ width: el.clientWidth, height: el.clientHeight }));
  ro.observe(el, { box: 'content-box' });
  return () => ro.disconnect();
}

const placed = new WeakSet<Element>();

/**
 * As it mounts, the virtualizer scrolls its new element to its first offset (0), and a scroll
 * forces the same whole-page layout: a new element is at 0 already, so that first scroll is
 * left out; every later one is the virtualizer's own.
 */
const scrollUnlessNew: typeof elementScroll<HTMLDivElement> = (offset, opts, instance) => {
  const el = instance.scrollElement;
  if (el && !placed.has(el)) {
    placed.add(el);
    if (offset + (opts.adjustments ?? 0) === 0) return;
  }
  elementScroll(offset, opts, instance);
};
