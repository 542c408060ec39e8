// The netfilter pipeline of one host as the kernel has it: the bridge's hooks (with
// br_netfilter's calls into IPv4 hooks, or their bypass), PREROUTING -> routing -> INPUT or
// FORWARD -> POSTROUTING, local OUTPUT, and inside each hook the functions this namespace
// registered, in priority order. The packet at the playhead lights up where it is.
// Accessible names are a contract (design.md "Later contracts"): the region `pipeline <host>`,
// each hook named as the kernel spells it, each function `<what> <HOOK>`.
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
} from './pipelineModel';

const INT_MAX = 2147483647;

function prio(p: number): string {
  return p === INT_MAX ? 'INT_MAX' : p === -INT_MAX - 1 ? 'INT_MIN' : String(p);
}

/** What the drawing calls a function: nat is DNAT before routing and SNAT after it. */
function fnLabel(f: FnView): string {
  if (f.reg.kind !== 'nat') return f.reg.name;
  return f.hook === 'PREROUTING' || f.hook === 'OUTPUT' ? 'DNAT' : 'SNAT';
}

function Fn({ f, onRule }: { f: FnView; onRule: (r: RuleRef) => void }) {
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
}

function HookBox(props: {
  hook: AnyHook;
  m: PipelineModel;
  t: Dict;
  area: string;
  onRule: (r: RuleRef) => void;
  /** The hook a lesson step points at on this host. */
  lessonHook: string | undefined;
}) {
  const { hook, m, t, area } = props;
  const lesson = props.lessonHook === hook;
  const status = m.hooks[hook];
  const fns = hook.startsWith('BR_') ? [] : m.fns[hook as Hook];
  const calling = m.callingHook === hook;
  return (
    <fieldset
      aria-label={hook}
      aria-current={m.currentHook === hook ? 'step' : undefined}
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
}

function StageBox({ st, m, label, area }: { st: Stage; m: PipelineModel; label: string; area: string }) {
  const text = m.stageText[st];
  return (
    <div className={`pl-stage ${m.stages[st]}`} style={{ gridArea: area }}>
      <div className="pl-stage-name">{label}</div>
      {text ? <div className="pl-stage-text">{text}</div> : null}
    </div>
  );
}

function Arrow({ area, dir }: { area: string; dir: '→' | '↓' | '↑' | '←' }) {
  return (
    <div className="pl-arrow" aria-hidden="true" style={{ gridArea: area }}>
      {dir}
    </div>
  );
}

/** br_netfilter's call from a bridge hook into an IPv4 hook, or its bypass. */
function Call({
  from,
  m,
  t,
  area,
}: {
  from: keyof typeof BRNF_CALLS;
  m: PipelineModel;
  t: Dict;
  area: string;
}) {
  const active = m.callingHook === from;
  const off = !m.callsIptables;
  return (
    <div
      className={`pl-call${off ? ' off' : ''}${active ? ' active' : ''}${off && m.bypassed && m.hooks[from] !== 'idle' ? ' bypassed' : ''}`}
      style={{ gridArea: area }}
      title={off ? t.plBypassHint : t.plCallHint}
    >
      <span className="pl-call-badge">
        <span aria-hidden="true">{off ? '⤫' : '↓'}</span> {off ? t.plBypass : 'br_netfilter'}
      </span>
      <span className="sr-only">{off ? t.plBypassHint : `→ ${BRNF_CALLS[from]}`}</span>
    </div>
  );
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
  const { t } = props;
  const m = pipelineModel(props.result, props.index, props.host, props.pkt, props.playhead);
  const onRule = (r: RuleRef) => props.onRule(props.host, r);
  return (
    <div className={`pipeline${m.hasBridge ? ' with-bridge' : ''}`}>
      <div className="pl-grid">
        {m.hasBridge ? (
          <>
            <HookBox
              hook="BR_PRE_ROUTING"
              m={m}
              t={t}
              area="brpre"
              onRule={onRule}
              lessonHook={props.lessonHook}
            />
            <Arrow area="ba1" dir="→" />
            <div className="pl-bridge-mid" style={{ gridArea: 'brdec' }}>
              <StageBox st="bridge" m={m} label={t.plBridge} area="auto" />
              <div className="pl-br-local">
                <HookBox
                  hook="BR_LOCAL_IN"
                  m={m}
                  t={t}
                  area="auto"
                  onRule={onRule}
                  lessonHook={props.lessonHook}
                />
                <HookBox
                  hook="BR_LOCAL_OUT"
                  m={m}
                  t={t}
                  area="auto"
                  onRule={onRule}
                  lessonHook={props.lessonHook}
                />
              </div>
            </div>
            <Arrow area="ba2" dir="→" />
            <HookBox
              hook="BR_FORWARD"
              m={m}
              t={t}
              area="brfwd"
              onRule={onRule}
              lessonHook={props.lessonHook}
            />
            <Arrow area="ba3" dir="→" />
            <HookBox
              hook="BR_POST_ROUTING"
              m={m}
              t={t}
              area="brpost"
              onRule={onRule}
              lessonHook={props.lessonHook}
            />
            <Call from="BR_PRE_ROUTING" m={m} t={t} area="c1" />
            <Call from="BR_FORWARD" m={m} t={t} area="c3" />
            <Call from="BR_POST_ROUTING" m={m} t={t} area="c4" />
          </>
        ) : null}
        <HookBox hook="PREROUTING" m={m} t={t} area="pre" onRule={onRule} lessonHook={props.lessonHook} />
        <Arrow area="a1" dir="→" />
        <StageBox st="route-in" m={m} label={t.plRouting} area="rin" />
        <Arrow area="a2" dir="→" />
        <HookBox hook="FORWARD" m={m} t={t} area="fwd" onRule={onRule} lessonHook={props.lessonHook} />
        <Arrow area="a3" dir="→" />
        <HookBox hook="POSTROUTING" m={m} t={t} area="post" onRule={onRule} lessonHook={props.lessonHook} />
        <Arrow area="d1" dir="↓" />
        <Arrow area="u1" dir="↑" />
        <HookBox hook="INPUT" m={m} t={t} area="input" onRule={onRule} lessonHook={props.lessonHook} />
        <HookBox hook="OUTPUT" m={m} t={t} area="output" onRule={onRule} lessonHook={props.lessonHook} />
        <Arrow area="d2" dir="↓" />
        <Arrow area="u2" dir="↑" />
        <StageBox st="local" m={m} label={t.plLocal} area="local" />
        <Arrow area="a4" dir="→" />
        <StageBox st="route-out" m={m} label={t.plRouting} area="rout" />
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
