// The page: header controls, the seek bar, and three columns of views all driven by the
// same playhead.
import { memo, useCallback, useEffect, useState } from 'react';
import { Controls } from './Controls';
import { ConsolePanel } from './console/ConsolePanel';
import { EditorSlot, useEditorOpen } from './editor/EditorToggle';
import { FixesPanel } from './FixesPanel';
import { dictionaries } from './i18n';
import { LessonPanel } from './LessonPanel';
import { noticeText } from './notice';
import { AccountPanel, OutcomePanel, TeachingPanel } from './Panels';
import { installKeyboard, startPlaybackLoop } from './playback';
import { useApp, useAppStore } from './react';
import { Scroll } from './Scroll';
import { currentLesson } from './store';
import { TimelineBar } from './TimelineBar';
import { currentHost, currentPacket, touchedEntry } from './timeline';
import { pipelineExport, topologyExport, ViewExport } from './views/ExportButtons';
import { HostPanel } from './views/HostPanel';
import { NftTrace } from './views/NftTrace';
import { PacketPath } from './views/PacketPath';
import { Pipeline } from './views/Pipeline';
import { Topology } from './views/Topology';

/** What the lesson step on screen points at in the views, if anything. */
function useLessonHighlight() {
  const lesson = useApp((s) => s.lesson);
  const scenario = useApp((s) => s.scenario);
  const cur = currentLesson({ lesson, scenario });
  return cur?.lesson.steps[cur.step]?.highlight;
}

function NoticeBar() {
  const lang = useApp((s) => s.lang);
  const notice = useApp((s) => s.notice);
  const dismiss = useApp((s) => s.dismissNotice);
  if (!notice) return null;
  const t = dictionaries[lang];
  const text = noticeText(t, notice);
  return (
    <div role="alert" className="notice">
      <span>{text}</span>
      <button type="button" onClick={dismiss}>
        {t.dismiss}
      </button>
    </div>
  );
}

/** Options in the Packet picker. */
const MAX_PACKET_OPTIONS = 500;

const PacketPicker = memo(function PacketPicker({ pkt }: { pkt: number | undefined }) {
  const lang = useApp((s) => s.lang);
  const t = dictionaries[lang];
  const index = useApp((s) => s.index);
  const selected = useApp((s) => s.selectedPacket);
  const select = useApp((s) => s.selectPacket);
  const packets = index?.packets ?? [];
  return (
    <select
      aria-label="Packet"
      className="packet-select mono"
      value={selected === null ? '' : String(selected)}
      onChange={(e) => select(e.target.value === '' ? null : Number(e.target.value))}
    >
      <option value="">
        {t.followPlayhead}
        {selected === null && pkt !== undefined ? ` (#${pkt})` : ''}
      </option>
      {/* The first packets only: each option is DOM the page builds when a run lands (2,000
          of them took longer than a 50 ms task); later packets are followed via the playhead. */}
      {packets.slice(0, MAX_PACKET_OPTIONS).map((p) => (
        <option key={p.pkt} value={p.pkt}>
          #{p.pkt} {p.host}: {p.label}
        </option>
      ))}
    </select>
  );
});

/** The pipeline of the host at the playhead, or of the host the user picked. */
export function PipelinePanel({ pkt, curHost }: { pkt: number | undefined; curHost: string | undefined }) {
  const lang = useApp((s) => s.lang);
  const t = dictionaries[lang];
  const result = useApp((s) => s.result);
  const index = useApp((s) => s.index);
  const playhead = useApp((s) => s.playhead);
  const showRule = useApp((s) => s.showRule);
  const hl = useLessonHighlight();
  const [pick, setPick] = useState('');
  if (!result || !index) return null;
  const names = result.hosts.map((h) => h.name);
  // A lesson step that points at a hook shows that host's pipeline, unless the user picked one.
  const lessonHost = hl?.kind === 'hook' && names.includes(hl.host) ? hl.host : undefined;
  const host = names.includes(pick)
    ? pick
    : (lessonHost ?? (curHost && names.includes(curHost) ? curHost : names[0]!));
  return (
    <section className="panel pipeline-panel" aria-label={`pipeline ${host}`}>
      <h2>
        {t.pipeline}
        <select
          aria-label="Pipeline host"
          className="mono"
          value={names.includes(pick) ? pick : ''}
          onChange={(e) => setPick(e.target.value)}
        >
          <option value="">
            {t.followPlayhead} ({host})
          </option>
          {names.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <ViewExport
          what="pipeline"
          name={`${result.scenario.id}-pipeline-${host}`}
          svg={() => pipelineExport(document.querySelector('section.pipeline-panel'), host)}
          t={t}
        />
      </h2>
      <Scroll className="body pl-body">
        <Pipeline
          result={result}
          index={index}
          host={host}
          pkt={pkt}
          playhead={playhead}
          t={t}
          onRule={(h, r) =>
            showRule({
              host: h,
              table: r.table,
              chain: r.chain,
              rulenum: r.rulenum,
              ...(r.family ? { family: r.family } : {}),
            })
          }
          lessonHook={hl?.kind === 'hook' && hl.host === host ? hl.hook : undefined}
        />
      </Scroll>
    </section>
  );
}

function Main({ embed }: { embed: boolean }) {
  const lang = useApp((s) => s.lang);
  const t = dictionaries[lang];
  const result = useApp((s) => s.result);
  const index = useApp((s) => s.index);
  const playhead = useApp((s) => s.playhead);
  const selected = useApp((s) => s.selectedPacket);
  const settings = useApp((s) => s.settings);
  const snapshot = useApp((s) => s.snapshot);
  const snapshotOf = useApp((s) => s.snapshotOf);
  const phase = useApp((s) => s.phase);
  const setSetting = useApp((s) => s.setSetting);
  const presenting = useApp((s) => s.presenting);
  const editing = useEditorOpen();
  const hl = useLessonHighlight();
  // The first run on screen mounts every view at once, which with a big run just landed was one
  // task of 60-100 ms: the hosts and the right-hand column join in the next task, so neither
  // task blocks the page for 50 ms. Later runs update views already there.
  const [whole, setWhole] = useState(false);
  const shown = result !== null && index !== null;
  useEffect(() => {
    if (!shown || whole) return;
    const id = setTimeout(() => setWhole(true), 0);
    return () => clearTimeout(id);
  }, [shown, whole]);
  // The same function every render, so that a host card (memoised) re-renders only for its own changes.
  const onSetting = useCallback((k: string, v: string) => void setSetting(k, v), [setSetting]);
  const [pathView, setPathView] = useState<'path' | 'nft'>('path');
  if (!result || !index)
    return (
      <main className="main loading">
        <p className="dim">
          {phase === 'starting' ? t.loading : phase === 'running' ? t.running : t.nothingShown}
        </p>
      </main>
    );
  const pkt = selected ?? currentPacket(index, playhead);
  const touched = touchedEntry(index, result.events, pkt, playhead);
  const curHost = currentHost(index, playhead);
  const hosts = (
    <section className="panel hosts" aria-label={t.hosts}>
      <h2>
        {t.hosts} <span className="dim">· {t.settings} · conntrack · iptables</span>
      </h2>
      <div className="body">
        {result.hosts.map((h) => (
          <HostPanel
            key={h.name}
            host={h}
            scenario={result.scenario}
            settings={settings}
            snap={snapshot?.hosts[h.name]}
            highlight={touched?.host === h.name ? touched.id : undefined}
            current={curHost === h.name}
            lessonConntrack={hl?.kind === 'conntrack' && hl.host === h.name}
            t={t}
            lang={lang}
            onSetting={onSetting}
          />
        ))}
      </div>
    </section>
  );
  return (
    // data-playhead / data-snapshot: when both agree every view shows the playhead (bench:ui's step
    // figure); data-snapshot is empty until the snapshot of the run on screen has come.
    <main
      className={editing && !embed && !presenting ? 'main editing' : 'main'}
      data-playhead={playhead}
      data-snapshot={snapshot && snapshotOf === result ? snapshot.index : ''}
    >
      <div className="col col-a">
        <section className="panel topo" aria-label={t.topology}>
          <h2>
            {t.topology}
            <ViewExport
              what="topology"
              name={`${result.scenario.id}-topology`}
              svg={() => topologyExport(document.querySelector('section.topo'))}
              t={t}
            />
          </h2>
          <Topology label={`${t.topology}: ${result.hosts.map((h) => h.name).join(', ')}`} />
        </section>
        <PipelinePanel key={result.scenario.id} pkt={pkt} curHost={curHost} />
      </div>
      <div className="col col-b">
        {embed ? null : <LessonPanel />}
        <OutcomePanel />
        {presenting || embed ? null : <FixesPanel />}
        {presenting || !whole ? null : hosts}
      </div>
      {presenting || !whole ? null : editing && !embed ? (
        <div className="col col-c">
          <EditorSlot />
        </div>
      ) : (
        <div className="col col-c">
          <section className="panel path-panel" aria-label={t.path}>
            <h2>
              <span className="path-tabs" role="tablist" aria-label={t.pathViews}>
                <button
                  type="button"
                  role="tab"
                  aria-selected={pathView === 'path'}
                  onClick={() => setPathView('path')}
                >
                  {t.path}
                </button>
                <button
                  type="button"
                  role="tab"
                  aria-selected={pathView === 'nft'}
                  onClick={() => setPathView('nft')}
                >
                  {t.nftTraceTab}
                </button>
              </span>{' '}
              <PacketPicker pkt={pkt} />
            </h2>
            <Scroll className="body">
              {pathView === 'nft' ? (
                <div role="tabpanel" aria-label={t.nftTraceTab}>
                  <NftTrace result={result} index={index} pkt={pkt} playhead={playhead} t={t} />
                </div>
              ) : (
                <PacketPath
                  result={result}
                  index={index}
                  pkt={pkt}
                  playhead={playhead}
                  t={t}
                  lessonField={hl?.kind === 'field' ? hl.field : undefined}
                />
              )}
            </Scroll>
          </section>
          <AccountPanel pkt={pkt} />
          {embed ? null : <ConsolePanel t={t} />}
          {embed ? null : <TeachingPanel />}
        </div>
      )}
    </main>
  );
}

export function App({ embed = false }: { embed?: boolean }) {
  const store = useAppStore();
  const theme = useApp((s) => s.theme);
  const lang = useApp((s) => s.lang);
  const phase = useApp((s) => s.phase);
  const scenarioId = useApp((s) => s.scenario?.id ?? '');
  const runId = useApp((s) => s.runId ?? 0);
  const presenting = useApp((s) => s.presenting);
  useEffect(() => {
    const stopLoop = startPlaybackLoop(store);
    const stopKeys = installKeyboard(store);
    return () => {
      stopLoop();
      stopKeys();
    };
  }, [store]);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    document.documentElement.lang = lang === 'zh' ? 'zh-Hans' : 'en';
    try {
      localStorage.setItem('nflab.prefs', JSON.stringify({ theme, lang }));
    } catch {
      // Storage may be disabled: preferences just do not persist.
    }
  }, [theme, lang]);
  return (
    // data-* attributes let tests and benchmarks wait for a run to land without guessing.
    <div
      className={`app${presenting ? ' presenting' : ''}${embed ? ' embed' : ''}`}
      data-phase={phase}
      data-scenario={scenarioId}
      data-run={runId}
    >
      <Controls embed={embed} />
      <NoticeBar />
      <TimelineBar />
      <Main embed={embed} />
    </div>
  );
}
