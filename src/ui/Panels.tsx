// The right-hand panels: outcomes, the plain-language account, the teaching text.
import { memo } from 'react';
import { dictionaries } from './i18n';
import { packetAccount, runAccount } from './narrate';
import { useApp } from './react';
import { Scroll } from './Scroll';

/** Teaching text marks commands and rule text with backticks; show them as code (as text, never HTML). */
function Prose({ text }: { text: string }) {
  const parts = text.split(/`([^`]+)`/);
  return (
    <>
      {parts.map((p, i) =>
        // biome-ignore lint/suspicious/noArrayIndexKey: parts are positional
        i % 2 ? <code key={i}>{p}</code> : <span key={i}>{p}</span>,
      )}
    </>
  );
}

function OutcomePanelView() {
  const lang = useApp((s) => s.lang);
  const t = dictionaries[lang];
  const result = useApp((s) => s.result);
  const index = useApp((s) => s.index);
  const playhead = useApp((s) => s.playhead);
  if (!result || !index) return <section aria-label="Outcome" className="panel outcome" />;
  const n = result.events.length;
  return (
    <section aria-label="Outcome" className="panel outcome">
      <h2>{t.outcome}</h2>
      <Scroll className="body">
        <ul className="mono">
          {result.outcomes.map((o) => {
            const at = index.outcomeAt.get(o.conn);
            const decided = playhead >= n || (at !== undefined && at < playhead);
            return (
              <li key={o.conn} className={decided ? (o.ok ? 'ok' : 'bad') : 'pending'}>
                {decided ? o.line : `${o.from} -> ${o.to} ${o.proto} …`}
              </li>
            );
          })}
          {result.outcomes.length === 0 ? <li className="dim">—</li> : null}
        </ul>
        {result.outcomes.some((o) => {
          const at = index.outcomeAt.get(o.conn);
          return !(playhead >= n || (at !== undefined && at < playhead));
        }) ? (
          <p className="dim small">{t.outcomePending}</p>
        ) : null}
      </Scroll>
    </section>
  );
}

function AccountPanelView({ pkt }: { pkt: number | undefined }) {
  const lang = useApp((s) => s.lang);
  const t = dictionaries[lang];
  const result = useApp((s) => s.result);
  const index = useApp((s) => s.index);
  const playhead = useApp((s) => s.playhead);
  if (!result || !index) return null;
  const mine = pkt !== undefined ? packetAccount(result, index, pkt, playhead, lang) : [];
  const run = runAccount(result, index, playhead, lang);
  return (
    <section aria-label="Account" className="panel account">
      <h2>{t.account}</h2>
      <Scroll className="body">
        <h3>
          {t.accountPacket}
          {pkt !== undefined ? ` #${pkt}` : ''}
        </h3>
        <ol className="story">
          {mine.map((line, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: lines are positional
            <li key={i} className="line">
              {line}
            </li>
          ))}
        </ol>
        <h3>{t.accountRun}</h3>
        <ul className="story">
          {run.map((line, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: lines are positional
            <li key={i} className="line">
              {line}
            </li>
          ))}
        </ul>
      </Scroll>
    </section>
  );
}

function TeachingPanelView() {
  const lang = useApp((s) => s.lang);
  const t = dictionaries[lang];
  const scenario = useApp((s) => s.scenario);
  if (!scenario) return null;
  return (
    <section aria-label="Teaching" className="panel teaching">
      <h2>
        {t.teaching}
        {scenario.figure ? <span className="dim"> · {scenario.figure}</span> : null}
      </h2>
      <Scroll className="body">
        {scenario.summary ? (
          <p className="summary">
            <Prose text={scenario.summary[lang]} />
          </p>
        ) : null}
        {(scenario.teaching?.[lang] ?? []).map((p, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: paragraphs are positional
          <p key={i}>
            <Prose text={p} />
          </p>
        ))}
        {scenario.limitations.length ? (
          <>
            <h3>{t.limitations}</h3>
            <ul>
              {scenario.limitations.map((l, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: positional
                <li key={i}>{l[lang]}</li>
              ))}
            </ul>
          </>
        ) : null}
      </Scroll>
    </section>
  );
}

// Memoised: it reads the store itself, so it re-renders when what it reads changes, not
// whenever the page around it does (every playhead move while playing).
export const OutcomePanel = memo(OutcomePanelView);

// Memoised: re-rendered by its own reads of the store (the playhead) or a new packet.
export const AccountPanel = memo(AccountPanelView);

// Memoised: it reads the store itself, so it re-renders when what it reads changes, not
// whenever the page around it does (every playhead move while playing).
export const TeachingPanel = memo(TeachingPanelView);
