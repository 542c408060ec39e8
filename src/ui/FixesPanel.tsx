// "What would make this work?": the fix search for the run on screen (it runs in a worker of
// its own, with progress and a cancel), its fixes with the reason each works, Apply (as
// changes at the start of the run) and Undo. Accessible names are the contract's, in English
// in both languages (design.md, "Later contracts").
import { memo, useEffect, useId, useRef, useState } from 'react';
import type { Fix } from '../worker/protocol';
import { type Dict, dictionaries } from './i18n';
import { useApp, useAppStore } from './react';

type FixPath = NonNullable<Fix['path']>;

/** One side of the comparison, in the path view's markup; steps from `common` on differ. */
function PathSide({
  title,
  steps,
  common,
  t,
}: {
  title: string;
  steps: FixPath['with'];
  common: number;
  t: Dict;
}) {
  return (
    <div className="fix-path-side">
      <h4>{title}</h4>
      <ol className="path mono">
        {steps.map((s, i) => {
          const diff = i >= common;
          // The host heads its steps, as in the path view; the text need not repeat it.
          const text = t.fix.step(s, false);
          return (
            <li
              // biome-ignore lint/suspicious/noArrayIndexKey: steps are positional (the same text can recur)
              key={i}
              className={diff ? 'fix-diff' : 'dim'}
              data-diff={diff ? 'true' : undefined}
            >
              {i === 0 || steps[i - 1]!.host !== s.host ? (
                <div className="path-host-name">{s.host}</div>
              ) : null}
              {s.kind === 'hook' ? (
                <span className="hook">{s.hook}</span>
              ) : (
                <span
                  className={s.kind === 'drop' ? 'fate bad' : s.kind === 'deliver' ? 'fate ok' : undefined}
                >
                  {text}
                </span>
              )}
            </li>
          );
        })}
      </ol>
    </div>
  );
}

/** What the fix changes for the packet: its way without the fix and with it, side by side. */
function FixPathView({ path, t }: { path: FixPath; t: Dict }) {
  return (
    <div className="fix-path">
      <p className="small">{t.fixPathFor(t.fix.packet(path.packetName))}</p>
      <div className="fix-path-cols">
        <PathSide title={t.fixPathWithout} steps={path.without} common={path.common} t={t} />
        <PathSide title={t.fixPathWith} steps={path.with} common={path.common} t={t} />
      </div>
    </div>
  );
}

function FixItem({ fix, onApply, label, t }: { fix: Fix; onApply: () => void; label: string; t: Dict }) {
  const store = useAppStore();
  const id = useId();
  const pathId = useId();
  const [open, setOpen] = useState(false);
  const shown = useRef<HTMLElement>(null);
  const path = fix.path;
  useEffect(() => {
    // The panel is short: bring the comparison up into it (only the panel scrolls, not the
    // page), once the views have moved to the packet and the layout has settled.
    if (!open) return;
    const id = requestAnimationFrame(() => {
      const el = shown.current;
      const box = el?.closest('.body');
      if (!el || !box) return;
      const e = el.getBoundingClientRect();
      const b = box.getBoundingClientRect();
      if (e.bottom > b.bottom) box.scrollTop += Math.min(e.top - b.top - 4, e.bottom - b.bottom + 4);
    });
    return () => cancelAnimationFrame(id);
  }, [open]);
  return (
    <li className="fix">
      <div id={id}>
        {fix.changes.map((c) => (
          <code key={`${c.host} ${c.command}`} className="mono fix-command">
            {c.host}: {c.command}
          </code>
        ))}
        <p className="small fix-why">{t.fix.why(fix.reasons, fix.account)}</p>
        {path ? (
          <button
            type="button"
            aria-expanded={open}
            aria-controls={pathId}
            onClick={() => {
              const opening = !open;
              setOpen(opening);
              // The views go to where the failed packet's way parts: the netfilter path shows
              // that packet, the pipeline its host at that moment.
              if (opening) {
                store.getState().seek(path.failedAt);
                store.getState().selectPacket(path.failedPkt);
              }
            }}
          >
            {t.fixPathShow}
          </button>
        ) : null}
        {path && open ? (
          <section
            ref={shown}
            id={pathId}
            aria-label={`path with and without ${fix.changes.map((c) => c.command).join(' ; ')}`}
          >
            <FixPathView path={path} t={t} />
          </section>
        ) : null}
      </div>
      <button type="button" aria-label="Apply" aria-describedby={id} onClick={onApply}>
        {label}
      </button>
    </li>
  );
}

function FixesPanelView() {
  const store = useAppStore();
  const lang = useApp((s) => s.lang);
  const t = dictionaries[lang];
  const result = useApp((s) => s.result);
  const fixes = useApp((s) => s.fixes);
  const applied = useApp((s) => s.applied);
  const busy = useApp((s) => s.phase === 'running');
  if (!result) return null;
  const failed = result.outcomes.some((o) => !o.ok);
  if (!failed && applied.length === 0) return null;
  const conn = (o: { from: string; to: string; proto: string }) => `${o.from} -> ${o.to} ${o.proto}`;
  return (
    <section aria-label="Fixes" className="panel fixes">
      <h2>{t.fixes}</h2>
      <div className="body">
        <div className="fix-actions">
          {failed ? (
            <button
              type="button"
              aria-label="What would make this work?"
              disabled={busy || fixes.phase === 'searching'}
              onClick={() => void store.getState().findFixes()}
            >
              {t.fixFind}
            </button>
          ) : null}
          {applied.length ? (
            <button type="button" disabled={busy} onClick={() => void store.getState().undoFix()}>
              {t.fixUndo}
            </button>
          ) : null}
        </div>
        {applied.length ? <p className="small dim">{t.fixApplied(applied.length)}</p> : null}
        {fixes.phase === 'searching' ? (
          <div className="fix-progress">
            <span role="status" aria-label="Fix search progress">
              {t.fixSearching(fixes.runs, fixes.planned)}
            </span>
            <progress max={Math.max(1, fixes.planned)} value={fixes.runs} aria-label="Fix search" />
            <button type="button" onClick={() => store.getState().cancelFixes()}>
              {t.fixCancel}
            </button>
          </div>
        ) : null}
        {fixes.phase === 'cancelled' ? <p role="status">{t.fixCancelled}</p> : null}
        {fixes.phase === 'failed' ? <p role="alert">{t.fixFailed(fixes.detail)}</p> : null}
        {fixes.phase === 'done' ? (
          <div role="status">
            {fixes.report.outcomes.every((o) => o.ok) ? <p>{t.fixNothingFailed}</p> : null}
            {fixes.report.outcomes
              .filter((o) => !o.ok)
              .map((o) => {
                const mine = fixes.report.fixes.filter((f) => f.conn === o.conn);
                return (
                  <div key={o.conn} className="fix-conn">
                    <h3>{mine.length ? t.fixFor(conn(o)) : t.fixNone(conn(o))}</h3>
                    {mine.length ? (
                      <ul>
                        {mine.map((f) => (
                          <FixItem
                            key={f.changes.map((c) => `${c.host}: ${c.command}`).join(' ; ')}
                            fix={f}
                            label={t.fixApply}
                            t={t}
                            onApply={() => void store.getState().applyFix(f)}
                          />
                        ))}
                      </ul>
                    ) : null}
                  </div>
                );
              })}
            {fixes.report.truncated ? <p className="small dim">{t.fixTruncated(fixes.report.runs)}</p> : null}
          </div>
        ) : null}
      </div>
    </section>
  );
}

// Memoised: it reads the store itself, so it re-renders when what it reads changes, not
// whenever the page around it does (every playhead move while playing).
export const FixesPanel = memo(FixesPanelView);
