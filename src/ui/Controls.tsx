// The header: scenario picker, transport buttons, speed, theme, language, share. Accessible
// names are the contract of design.md section 5 and stay English in every language.
import { useRef } from 'react';
import { EditorButton } from './editor/EditorToggle';
import { dictionaries, type Lang } from './i18n';
import { LessonPicker } from './LessonPanel';
import { PasteNode } from './paste/PasteDialog';
import { useApp, useAppStore } from './react';
import { SPEEDS } from './store';
import { ScenarioExport } from './views/ExportButtons';

/** A scenario file larger than this is refused unread (the biggest built-in is about 10 kB). */
const MAX_FILE_BYTES = 1024 * 1024;

// Media-control glyphs drawn as SVG: fonts without the Unicode symbols show boxes.
const ICONS = {
  restart: 'M3 3h2v10H3zM13 3v10L6 8z',
  back: 'M11 3v10L4 8zM12 3h2v10h-2z',
  play: 'M4 3v10l9-5z',
  pause: 'M4 3h3v10H4zM9 3h3v10H9z',
  step: 'M2 3h2v10H2zM5 3v10l8-5z',
  end: 'M2 3v10l7-5zM9 3v10l5-5zM13 3h2v10h-2z',
} as const;

function Icon({ name }: { name: keyof typeof ICONS }) {
  return (
    <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      <path d={ICONS[name]} fill="currentColor" />
    </svg>
  );
}

export function Controls({ embed = false }: { embed?: boolean }) {
  const lang = useApp((s) => s.lang);
  const t = dictionaries[lang];
  const catalog = useApp((s) => s.catalog);
  const source = useApp((s) => s.source);
  const speed = useApp((s) => s.speed);
  const theme = useApp((s) => s.theme);
  const shareLink = useApp((s) => s.shareLink);
  const playing = useApp((s) => s.playing);
  const phase = useApp((s) => s.phase);
  const progress = useApp((s) => s.progress);
  const presenting = useApp((s) => s.presenting);
  // Presentation and embed keep the playback controls and drop the editing chrome.
  const chrome = !embed && !presenting;
  const a = useAppStore().getState();
  const fileRef = useRef<HTMLInputElement>(null);
  const current = source?.kind === 'builtin' ? source.id : '';

  const share = async () => {
    // A long scenario's link text may still be on its way from the worker compressing it.
    await a.whenLinkReady();
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
      <h1 className="brand" title={t.tagline}>
        nflab
      </h1>
      {chrome ? (
        <label className="field">
          <span>{t.scenario}</span>
          <select
            aria-label="Scenario"
            value={current}
            onChange={(e) => void a.selectScenario(e.target.value)}
            className="scenario-select"
          >
            {current === '' ? <option value="">{t.edited}</option> : null}
            {catalog.map((s) => (
              <option key={s.id} value={s.id}>
                {s.title?.[lang] ?? s.id}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {chrome ? <LessonPicker /> : null}
      <div className="transport">
        <button type="button" aria-label="Restart" onClick={a.restart} title={`${t.restart} (Home)`}>
          <Icon name="restart" />
        </button>
        <button type="button" aria-label="Step back" onClick={a.stepBack} title={`${t.stepBack} (←)`}>
          <Icon name="back" />
        </button>
        <button
          type="button"
          aria-label="Play"
          onClick={a.play}
          className={playing ? 'active' : ''}
          title={`${t.play} (Space)`}
        >
          <Icon name="play" />
        </button>
        <button
          type="button"
          aria-label="Pause"
          onClick={a.pause}
          className={playing ? '' : 'active'}
          title={`${t.pause} (Space)`}
        >
          <Icon name="pause" />
        </button>
        <button type="button" aria-label="Step" onClick={a.step} title={`${t.step} (→)`}>
          <Icon name="step" />
        </button>
        <button type="button" aria-label="End" onClick={a.end} title={`${t.end} (End)`}>
          <Icon name="end" />
        </button>
      </div>
      {phase === 'running' ? (
        <div className="run-status" role="status" aria-label="Run progress">
          {progress?.horizon ? (
            <progress max={progress.horizon} value={Math.min(progress.now, progress.horizon)} />
          ) : null}
          <span>{progress ? t.progress(progress.events, Math.round(progress.now / 1000)) : t.running}</span>
          <button type="button" aria-label="Stop" onClick={a.stop}>
            {t.stop}
          </button>
        </div>
      ) : null}
      <label className="field" title={t.speed}>
        <select aria-label="Speed" value={speed} onChange={(e) => a.setSpeed(Number(e.target.value))}>
          {SPEEDS.map((s) => (
            <option key={s} value={s}>
              {s} {t.eventsPerSecond}
            </option>
          ))}
        </select>
      </label>
      <label className="field" title={t.theme}>
        <select
          aria-label="Theme"
          value={theme}
          onChange={(e) => a.setTheme(e.target.value as 'light' | 'dark')}
        >
          <option value="light">{t.light}</option>
          <option value="dark">{t.dark}</option>
        </select>
      </label>
      <label className="field" title={t.language}>
        <select aria-label="Language" value={lang} onChange={(e) => a.setLang(e.target.value as Lang)}>
          <option value="en">EN</option>
          <option value="zh">中文</option>
        </select>
      </label>
      <button
        type="button"
        aria-label="Presentation"
        aria-pressed={presenting}
        className={presenting ? 'active' : ''}
        onClick={a.togglePresentation}
        title={`${t.presentation} (F)`}
      >
        {t.presentation}
      </button>
      {chrome ? (
        <button type="button" onClick={() => fileRef.current?.click()}>
          {t.openFile}
        </button>
      ) : null}
      {chrome ? <ScenarioExport t={t} /> : null}
      {chrome ? <PasteNode /> : null}
      {chrome ? <EditorButton /> : null}
      <input
        ref={fileRef}
        type="file"
        accept="application/json,.json"
        hidden
        aria-label="Scenario file"
        onChange={async (e) => {
          const f = e.target.files?.[0];
          if (!f) return;
          if (f.size > MAX_FILE_BYTES) {
            a.report({ key: 'badFile', detail: `${f.name}: ${t.fileTooLarge(MAX_FILE_BYTES / 1024)}` });
            e.target.value = '';
            return;
          }
          let json: unknown;
          try {
            json = JSON.parse(await f.text());
          } catch (err) {
            a.report({ key: 'badFile', detail: `${f.name}: ${(err as Error).message}` });
            e.target.value = '';
            return;
          }
          await a.openScenarioJson(json, f.name);
          e.target.value = '';
        }}
      />
      {chrome ? (
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
      ) : null}
    </header>
  );
}
