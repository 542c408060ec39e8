// The header: scenario picker, transport buttons, speed, theme, language, share. Accessible
// names are the contract of design.md section 5 and stay English in every language.
import { useRef } from 'react';
import { dictionaries, type Lang } from './i18n';
import { useApp, useAppStore } from './react';
import { SPEEDS } from './store';

export function Controls() {
  const lang = useApp((s) => s.lang);
  const t = dictionaries[lang];
  const catalog = useApp((s) => s.catalog);
  const source = useApp((s) => s.source);
  const speed = useApp((s) => s.speed);
  const theme = useApp((s) => s.theme);
  const shareLink = useApp((s) => s.shareLink);
  const playing = useApp((s) => s.playing);
  const a = useAppStore().getState();
  const fileRef = useRef<HTMLInputElement>(null);
  const current = source?.kind === 'builtin' ? source.id : '';

  const share = async () => {
    const link = a.share(`${location.origin}${location.pathname}`);
    history.replaceState(null, '', link);
    try {
      await navigator.clipboard?.writeText(link);
    } catch {
      // Clipboard refused (no permission, insecure origin): the link is in the text box.
    }
  };

  return (
    <header className="controls">
      <h1 className="brand">
        nflab <span className="dim">{t.tagline}</span>
      </h1>
      <label className="field">
        <span>{t.scenario}</span>
        <select
          aria-label="Scenario"
          value={current}
          onChange={(e) => void a.selectScenario(e.target.value)}
          className="scenario-select"
        >
          {current === '' ? <option value="">(edited)</option> : null}
          {catalog.map((s) => (
            <option key={s.id} value={s.id}>
              {s.title?.[lang] ?? s.id}
            </option>
          ))}
        </select>
      </label>
      <div className="transport">
        <button type="button" aria-label="Restart" onClick={a.restart} title="Home">
          ⏮ {t.restart}
        </button>
        <button type="button" aria-label="Step back" onClick={a.stepBack} title="←">
          ◀ {t.stepBack}
        </button>
        <button
          type="button"
          aria-label="Play"
          onClick={a.play}
          className={playing ? 'active' : ''}
          title="Space"
        >
          ▶ {t.play}
        </button>
        <button
          type="button"
          aria-label="Pause"
          onClick={a.pause}
          className={playing ? '' : 'active'}
          title="Space"
        >
          ⏸ {t.pause}
        </button>
        <button type="button" aria-label="Step" onClick={a.step} title="→">
          {t.step} ▶
        </button>
        <button type="button" aria-label="End" onClick={a.end} title="End">
          {t.end} ⏭
        </button>
      </div>
      <label className="field">
        <span>{t.speed}</span>
        <select aria-label="Speed" value={speed} onChange={(e) => a.setSpeed(Number(e.target.value))}>
          {SPEEDS.map((s) => (
            <option key={s} value={s}>
              {s} {t.eventsPerSecond}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t.theme}</span>
        <select
          aria-label="Theme"
          value={theme}
          onChange={(e) => a.setTheme(e.target.value as 'light' | 'dark')}
        >
          <option value="light">{t.light}</option>
          <option value="dark">{t.dark}</option>
        </select>
      </label>
      <label className="field">
        <span>{t.language}</span>
        <select aria-label="Language" value={lang} onChange={(e) => a.setLang(e.target.value as Lang)}>
          <option value="en">English</option>
          <option value="zh">中文</option>
        </select>
      </label>
      <button type="button" onClick={() => fileRef.current?.click()}>
        {t.openFile}
      </button>
      <input
        ref={fileRef}
        type="file"
        accept="application/json,.json"
        hidden
        aria-label="Scenario file"
        onChange={async (e) => {
          const f = e.target.files?.[0];
          if (!f) return;
          if (f.size > 1024 * 1024) {
            a.dismissNotice();
            return;
          }
          let json: unknown;
          try {
            json = JSON.parse(await f.text());
          } catch {
            json = null;
          }
          await a.openScenarioJson(json, f.name);
          e.target.value = '';
        }}
      />
      <div className="share">
        <button type="button" aria-label="Share" onClick={() => void share()}>
          {t.share}
        </button>
        <input
          type="text"
          readOnly
          aria-label="Share link"
          value={shareLink}
          className="mono share-link"
          onFocus={(e) => e.target.select()}
        />
      </div>
    </header>
  );
}
