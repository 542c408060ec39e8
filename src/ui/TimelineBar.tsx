// The seek bar and the line saying which event the playhead stands on.
import { dictionaries } from './i18n';
import { narrate } from './narrate';
import { useApp } from './react';
import { currentEvent } from './timeline';

export function TimelineBar() {
  const lang = useApp((s) => s.lang);
  const t = dictionaries[lang];
  const playhead = useApp((s) => s.playhead);
  const result = useApp((s) => s.result);
  const seek = useApp((s) => s.seek);
  const n = result?.events.length ?? 0;
  const ev = result ? currentEvent(result.events, playhead) : undefined;
  const ms = ev ? (ev.t / 1000).toFixed(3) : '0.000';
  return (
    <div className="timeline">
      <input
        type="range"
        aria-label="Playhead"
        min={0}
        max={n}
        step={1}
        value={playhead}
        onChange={(e) => seek(Number(e.target.value))}
        className="seek"
      />
      <span className="mono counter" aria-live="off" title={t.counterHint}>
        {t.eventOf(playhead, n)} · {ms} ms
      </span>
      <span className="now-line" title={ev ? narrate(ev, lang) : ''}>
        {ev ? narrate(ev, lang) : t.atStart}
      </span>
    </div>
  );
}
