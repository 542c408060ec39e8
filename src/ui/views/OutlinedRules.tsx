// The rules view of a ruleset too long to send at every playhead (a pasted kube-proxy node:
// 13 MB of iptables-save, 17 MB of -L): the snapshot only outlines it, the text stays in the
// worker, and this list asks for the lines it shows, a window at a time, at the playhead.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useId, useRef, useState } from 'react';
import type { RuleRef, RulesOutline, RulesView, RulesWindow } from '../../worker/protocol';
import type { Dict } from '../i18n';
import { useApp, useAppStore } from '../react';
import { Scroll } from '../Scroll';

const ROW_H = 16;
/** Lines asked for around what is on screen. */
const MARGIN = 300;

export function OutlinedRules({ host, outline, t }: { host: string; outline: RulesOutline; t: Dict }) {
  const store = useAppStore();
  const snapshot = useApp((s) => s.snapshot);
  const focus = useApp((s) => (s.ruleFocus?.host === host ? s.ruleFocus : null));
  const [open, setOpen] = useState(false);
  const [view, setView] = useState<RulesView>(
    outline.save ? 'save' : outline.nft ? 'nft' : outline.tables[0]!,
  );
  const [win, setWin] = useState<(RulesWindow & { snap: unknown }) | null>(null);
  const [find, setFind] = useState<(RuleRef & { seq: number }) | null>(null);
  const [marked, setMarked] = useState(-1);
  const scrollRef = useRef<HTMLDivElement>(null);
  const id = useId();
  const total = win && win.view === view ? win.total : 0;
  const v = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_H,
    overscan: 20,
    initialRect: { width: 600, height: 220 },
  });
  const items = v.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items.at(-1)?.index ?? 0;

  useEffect(() => {
    if (!focus) return;
    setOpen(true);
    setView(focus.family ? 'nft' : 'save');
    setFind({
      table: focus.table,
      chain: focus.chain,
      rulenum: focus.rulenum,
      ...(focus.family ? { family: focus.family } : {}),
      seq: focus.seq,
    });
  }, [focus]);

  // The window to show: asked again when the playhead (the snapshot) or the view changes, when
  // scrolling leaves the lines held, and when a rule is to be found.
  const held = win !== null && win.snap === snapshot && win.view === view;
  const covered = held && first >= win.from && last < win.from + win.lines.length;
  const wantFind = find !== null && find.seq !== (win as { seq?: number } | null)?.seq;
  // One request at a time: printing a long text takes the worker a good part of a second, and
  // playback moves the playhead faster than that. When one lands, the next asks for what is
  // wanted then.
  const busy = useRef(false);
  const mounted = useRef(true);
  const [again, setAgain] = useState(0);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: `again` re-runs it when a request lands
  useEffect(() => {
    if (!open || !snapshot || (covered && !wantFind) || busy.current) return;
    busy.current = true;
    const from = Math.max(0, first - MARGIN);
    const seq = find?.seq;
    const ref =
      wantFind && find
        ? {
            table: find.table,
            chain: find.chain,
            rulenum: find.rulenum,
            ...(find.family ? { family: find.family } : {}),
          }
        : undefined;
    const ask = store.getState().rulesWindow;
    void (async () => {
      let w = await ask(host, view, from, last - first + 1 + 2 * MARGIN, ref);
      if (w && ref && w.found >= 0 && (w.found < w.from || w.found >= w.from + w.lines.length)) {
        // The rule is elsewhere: the lines around it instead.
        const near = await ask(host, view, Math.max(0, w.found - MARGIN), 2 * MARGIN);
        if (near && near.total === w.total) w = { ...near, found: w.found };
      }
      busy.current = false;
      if (!mounted.current || !w) return;
      const got = w;
      setWin({ ...got, snap: snapshot, ...(ref ? { seq } : {}) } as RulesWindow & { snap: unknown });
      if (ref) {
        setMarked(got.found);
        if (got.found >= 0) requestAnimationFrame(() => v.scrollToIndex(got.found, { align: 'center' }));
      }
      setAgain((n) => n + 1);
    })();
  }, [open, snapshot, view, covered, wantFind, first, last, host, store, find, v, again]);

  const line = (k: number): string | undefined =>
    win && win.view === view && k >= win.from && k < win.from + win.lines.length
      ? win.lines[k - win.from]
      : undefined;
  let longest = 0;
  if (win) for (const l of win.lines) if (l.length > longest) longest = l.length;
  return (
    <details className="rules" open={open} onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>
        {t.rules}{' '}
        <span className="dim mono">
          {[outline.save ? 'iptables' : '', outline.nft ? 'nftables' : ''].filter(Boolean).join(' · ')}
        </span>
      </summary>
      <label htmlFor={id} className="sr-only">
        {`Rules view ${host}`}
      </label>
      <select
        id={id}
        value={view}
        onChange={(e) => {
          setView(e.target.value as RulesView);
          setMarked(-1);
          v.scrollToOffset(0);
        }}
      >
        {outline.save ? <option value="save">iptables-save -c</option> : null}
        {outline.nft ? <option value="nft">nft list ruleset</option> : null}
        {outline.tables.map((x) => (
          <option key={x} value={x}>{`iptables -t ${x} -L -n -v`}</option>
        ))}
      </select>
      <Scroll className="rules-scroll" ref={scrollRef}>
        <div
          className="mono rules-text rules-lines"
          data-lines={total}
          style={{ height: v.getTotalSize() + 10, width: `calc(${longest}ch + 10px)` }}
        >
          {open
            ? items.map((it) => {
                const text = line(it.index);
                return (
                  <div
                    key={it.index}
                    className="rules-line"
                    style={{ transform: `translateY(${it.start}px)`, height: ROW_H }}
                  >
                    {it.index === marked && text !== undefined ? <mark>{text}</mark> : (text ?? '')}
                  </div>
                );
              })
            : null}
        </div>
      </Scroll>
    </details>
  );
}
