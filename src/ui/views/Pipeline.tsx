// The netfilter pipeline of one host as the kernel has it: the bridge's hooks (with
// br_netfilter's calls into IPv4 hooks, or their bypass), PREROUTING -> routing -> INPUT or
// FORWARD -> POSTROUTING, local OUTPUT, and inside each hook the functions this namespace
// registered, in priority order. The packet at the playhead lights up where it is.
// Accessible names are a contract (design.md "Later contracts"): the region `pipeline <host>`,
// each hook named as the kernel spells it, each function `<what> <HOOK>`.
import type { CSSProperties } from 'react';
import { memo, useCallback, useMemo, useRef } from 'react';
import type { RunResult } from '../../engine/api';
import type { Hook, PacketId } from '../../engine/timeline/events';
import type { Dict } from '../i18n';
import type { TimelineIndex } from '../timeline';
import {
  type AnyHook,
  BRNF_CALLS,
  type FnView,
  type PipelineModel,
  pipelineModel,
  type RuleRef,
  type Stage,
  type Status,
} from './pipelineModel';

const INT_MAX = 2147483647;
/** A bridge hook's functions: none drawn (they are the IPv4 hooks br_netfilter calls). */
const NO_FNS: readonly FnView[] = [];

function prio(p: number): string {
  return p === INT_MAX ? 'INT_MAX' : p === -INT_MAX - 1 ? 'INT_MIN' : String(p);
}

/** What the drawing calls a function: nat is DNAT before routing and SNAT after it. */
function fnLabel(f: FnView): string {
  if (f.reg.kind !== 'nat') return f.reg.name;
  return f.hook === 'PREROUTING' || f.hook === 'OUTPUT' ? 'DNAT' : 'SNAT';
}

const Fn = memo(function Fn({ f, onRule }: { f: FnView; onRule: (r: RuleRef) => void }) {
  return (
    <li aria-label={f.id} className={`pl-fn ${f.status} pl-${f.reg.kind}${f.drop ? ' dropped' : ''}`}>
      <span className="pl-fn-name">{fnLabel(f)}</span> <span className="pl-prio">{prio(f.reg.priority)}</span>
      {f.note ? <span className="pl-note">{f.note}</span> : null}
      {f.rule ? (
        <button type="button" className="pl-note pl-rule" title={f.rule.text} onClick={() => onRule(f.rule!)}>
          {f.rule.rulenum
            ? `${f.rule.chain} #${f.rule.rulenum} → ${f.rule.verdict}`
            : `${f.rule.chain} policy ${f.rule.verdict}`}
        </button>
      ) : null}
      {f.drop ? <span className="pl-drop">✕ {f.drop}</span> : null}
    </li>
  );
});

/**
 * One hook and its functions. Its props are what it shows, and `fns` keeps its identity while its
 * functions do not change (stableModel), so a box re-renders only when it changes.
 */
const HookBox = memo(function HookBox(props: {
  hook: AnyHook;
  status: Status;
  fns: readonly FnView[];
  current: boolean;
  calling: boolean;
  t: Dict;
  area: string;
  onRule: (r: RuleRef) => void;
  /** A lesson step points at this hook on this host. */
  lesson: boolean;
}) {
  const { hook, status, fns, t, area, lesson, calling } = props;
  return (
    <fieldset
      aria-label={hook}
      aria-current={props.current ? 'step' : undefined}
      className={`pl-hook ${status}${calling ? ' calling' : ''}${hook.startsWith('BR_') ? ' pl-br' : ''}${lesson ? ' lesson-hl' : ''}`}
      data-lesson={lesson ? 'highlight' : undefined}
      style={{ gridArea: area }}
    >
      <div className="pl-hook-name">{hook}</div>
      {fns.length ? (
        <ul className="pl-fns">
          {fns.map((f) => (
            <Fn key={f.id} f={f} onRule={props.onRule} />
          ))}
        </ul>
      ) : hook.startsWith('BR_') ? null : (
        <div className="pl-none">{t.plNoFns}</div>
      )}
    </fieldset>
  );
});

const StageBox = memo(function StageBox({
  status,
  text,
  label,
  area,
}: {
  status: Status;
  text: string | undefined;
  label: string;
  area: string;
}) {
  return (
    <div className={`pl-stage ${status}`} style={{ gridArea: area }}>
      <div className="pl-stage-name">{label}</div>
      {text ? <div className="pl-stage-text">{text}</div> : null}
    </div>
  );
});

const Arrow = memo(function Arrow({ area, dir }: { area: string; dir: '→' | '↓' | '↑' | '←' }) {
  return (
    <div className="pl-arrow" aria-hidden="true" style={{ gridArea: area }}>
      {dir}
    </div>
  );
});

/** br_netfilter's call from a bridge hook into an IPv4 hook, or its bypass. */
const Call = memo(function Call({
  from,
  active,
  off,
  bypassed,
  t,
  area,
}: {
  from: keyof typeof BRNF_CALLS;
  /** This bridge hook's call is running the current IPv4 hook. */
  active: boolean;
  /** bridge-nf-call-iptables=0. */
  off: boolean;
  /** The packet crossed this bridge hook bypassing the IPv4 hooks. */
  bypassed: boolean;
  t: Dict;
  area: string;
}) {
  return (
    <div
      className={`pl-call${off ? ' off' : ''}${active ? ' active' : ''}${bypassed ? ' bypassed' : ''}`}
      style={{ gridArea: area }}
      title={off ? t.plBypassHint : t.plCallHint}
    >
      <span className="pl-call-badge">
        <span aria-hidden="true">{off ? '⤫' : '↓'}</span> {off ? t.plBypass : 'br_netfilter'}
      </span>
      <span className="sr-only">{off ? t.plBypassHint : `→ ${BRNF_CALLS[from]}`}</span>
    </div>
  );
});

function sameFn(a: FnView, b: FnView): boolean {
  return (
    a.id === b.id &&
    a.reg === b.reg &&
    a.status === b.status &&
    a.note === b.note &&
    a.drop === b.drop &&
    (a.rule === b.rule ||
      (a.rule !== undefined &&
        b.rule !== undefined &&
        a.rule.table === b.rule.table &&
        a.rule.chain === b.rule.chain &&
        a.rule.rulenum === b.rule.rulenum &&
        a.rule.text === b.rule.text &&
        a.rule.verdict === b.rule.verdict &&
        a.rule.family === b.rule.family))
  );
}

/**
 * The model with each hook's function list (and each function) taken from `prev` where they
 * are equal: what did not change keeps its identity, so its memoised box does not re-render.
 */
function stableModel(prev: PipelineModel | undefined, m: PipelineModel): PipelineModel {
  if (!prev) return m;
  const fns = {} as Record<Hook, readonly FnView[]>;
  for (const hook of Object.keys(m.fns) as Hook[]) {
    const a = prev.fns[hook];
    const b = m.fns[hook];
    const list = b.map((f, k) => (a[k] && sameFn(a[k], f) ? a[k] : f));
    fns[hook] = a.length === list.length && list.every((f, k) => f === a[k]) ? a : list;
  }
  return { ...m, fns };
}

/**
 * About how many lines of its type the drawing of this host is tall (the panel's type is sized
 * from it, styles.css): the bridge's rows, and a line or more for each function registered in
 * the busiest hook of each row (an nft base chain's name and its policy take about four). From what the
 * host registered only, so the type does not change size while the packet moves.
 */
function drawingLines(m: PipelineModel): number {
  const lines = (h: Hook) => m.fns[h].reduce((n, f) => n + (f.reg.kind === 'nft-chain' ? 4 : 1), 0);
  const main = Math.max(lines('PREROUTING'), lines('FORWARD'), lines('POSTROUTING'));
  const side = Math.max(lines('INPUT'), lines('OUTPUT'));
  return (m.hasBridge ? 37 : 26) + 2 * Math.max(0, main - 2) + 2 * Math.max(0, side - 3);
}

export function Pipeline(props: {
  result: RunResult;
  index: TimelineIndex;
  host: string;
  pkt: PacketId | undefined;
  playhead: number;
  t: Dict;
  onRule: (host: string, r: RuleRef) => void;
  lessonHook?: string | undefined;
}) {
  const { t, result, index, host, pkt, playhead } = props;
  // The model changes with the playhead; the boxes it did not change keep their props.
  const prev = useRef<PipelineModel | undefined>(undefined);
  const m = useMemo(
    () => stableModel(prev.current, pipelineModel(result, index, host, pkt, playhead)),
    [result, index, host, pkt, playhead],
  );
  prev.current = m;
  // One callback for the whole life of the view (the boxes' props stay equal); it reads the
  // host and handler of the latest render.
  const latest = useRef(props);
  latest.current = props;
  const onRule = useCallback((r: RuleRef) => latest.current.onRule(latest.current.host, r), []);
  const box = (hook: AnyHook, area: string) => (
    <HookBox
      hook={hook}
      status={m.hooks[hook]}
      fns={hook.startsWith('BR_') ? NO_FNS : m.fns[hook as Hook]}
      current={m.currentHook === hook}
      calling={m.callingHook === hook}
      t={t}
      area={area}
      onRule={onRule}
      lesson={props.lessonHook === hook}
    />
  );
  const stage = (st: Stage, label: string, area: string) => (
    <StageBox status={m.stages[st]} text={m.stageText[st]} label={label} area={area} />
  );
  const call = (from: keyof typeof BRNF_CALLS, area: string) => (
    <Call
      from={from}
      active={m.callingHook === from}
      off={!m.callsIptables}
      bypassed={!m.callsIptables && m.bypassed && m.hooks[from] !== 'idle'}
      t={t}
      area={area}
    />
  );
  return (
    <div
      className={`pipeline${m.hasBridge ? ' with-bridge' : ''}`}
      style={{ '--pl-lines': String(drawingLines(m)) } as CSSProperties}
    >
      <div className="pl-grid">
        {m.hasBridge ? (
          <>
            {box('BR_PRE_ROUTING', 'brpre')}
            <Arrow area="ba1" dir="→" />
            <div className="pl-bridge-mid" style={{ gridArea: 'brdec' }}>
              {stage('bridge', t.plBridge, 'auto')}
              <div className="pl-br-local">
                {box('BR_LOCAL_IN', 'auto')}
                {box('BR_LOCAL_OUT', 'auto')}
              </div>
            </div>
            <Arrow area="ba2" dir="→" />
            {box('BR_FORWARD', 'brfwd')}
            <Arrow area="ba3" dir="→" />
            {box('BR_POST_ROUTING', 'brpost')}
            {call('BR_PRE_ROUTING', 'c1')}
            {call('BR_FORWARD', 'c3')}
            {call('BR_POST_ROUTING', 'c4')}
          </>
        ) : null}
        {box('PREROUTING', 'pre')}
        <Arrow area="a1" dir="→" />
        {stage('route-in', t.plRouting, 'rin')}
        <Arrow area="a2" dir="→" />
        {box('FORWARD', 'fwd')}
        <Arrow area="a3" dir="→" />
        {box('POSTROUTING', 'post')}
        <Arrow area="d1" dir="↓" />
        <Arrow area="u1" dir="↑" />
        {box('INPUT', 'input')}
        {box('OUTPUT', 'output')}
        <Arrow area="d2" dir="↓" />
        <Arrow area="u2" dir="↑" />
        {stage('local', t.plLocal, 'local')}
        <Arrow area="a4" dir="→" />
        {stage('route-out', t.plRouting, 'rout')}
      </div>
      <p className="pl-status mono">
        {m.pkt === undefined ? (
          t.pathEmpty
        ) : (
          <>
            #{m.pkt}
            {m.inDev ? ` · in ${m.inDev}` : ''}
            {m.outDev ? ` · out ${m.outDev}` : ''}
            {m.bypassed ? (
              <span className="pl-warn"> · {t.plBypassed}</span>
            ) : m.hasBridge && !m.callsIptables ? (
              <span className="dim"> · {t.plBnfOff}</span>
            ) : null}
            {m.drop ? (
              <span className="pl-drop">
                {' '}
                · ✕ {m.drop.where}: {m.drop.text}
              </span>
            ) : null}
          </>
        )}
      </p>
    </div>
  );
}
