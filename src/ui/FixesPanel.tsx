// "What would make this work?": the fix search for the run on screen (it runs in a worker of
// its own, with progress and a cancel), its fixes with the reason each works, Apply (as
// changes at the start of the run) and Undo. Accessible names are the contract's, in English
// in both languages (design.md, "Later contracts").
import { useId } from 'react';
import type { Fix } from '../worker/protocol';
import { dictionaries } from './i18n';
import { useApp, useAppStore } from './react';

function FixItem({ fix, onApply, label }: { fix: Fix; onApply: () => void; label: string }) {
  const id = useId();
  return (
    <li className="fix">
      <div id={id}>
        {fix.changes.map((c) => (
          <code key={`${c.host} ${c.command}`} className="mono fix-command">
            {c.host}: {c.command}
          </code>
        ))}
        <p className="small fix-why">{fix.why}</p>
      </div>
      <button type="button" aria-label="Apply" aria-describedby={id} onClick={onApply}>
        {label}
      </button>
    </li>
  );
}

export function FixesPanel() {
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
              {lang === 'zh' ? '怎样才能成功？' : 'What would make this work?'}
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
                            label={lang === 'zh' ? '应用' : 'Apply'}
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
