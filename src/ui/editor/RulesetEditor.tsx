// A host's ruleset as `iptables-save` text (or native nftables as `nft list ruleset` prints it):
// a monospace text area with a line-number gutter and the first error marked at its line with
// the tool's own message (iptables-restore's, or `nft -f -`'s), checked as you type.
// Text that parses replaces the host's ruleset and the run follows (after a pause in typing, so
// a run is not started per keystroke; a newer one cancels the one in flight). Text that does
// not parse never reaches the scenario: the run keeps the last ruleset that did.
//
// The text area is uncontrolled (a node's ruleset can be 100,000 lines: React does not copy it
// per keystroke) and the gutter draws only the numbers in view.
import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { checkNftRuleset, checkRuleset, type Problem, type RulesetError } from './check';
import type { RulesetKind } from './model';
import { ProblemText } from './fields';
import type { EditorDict } from './strings';

/** Pixels per line: the gutter and the text area must agree (editor.css sets the same). */
export const LINE_PX = 18;
/** Quiet time before the text is checked and, when it parses, run. Longer for long texts. */
const pauseMs = (chars: number) => (chars > 1_000_000 ? 1500 : chars > 100_000 ? 700 : 350);

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  // A final newline does not start a line an editor would number.
  return text.endsWith('\n') ? n - 1 || 1 : n;
}

export function RulesetEditor(props: {
  host: string;
  /** The text the scenario runs now. */
  text: string;
  onCommit: (text: string) => Promise<Problem | null>;
  t: EditorDict;
  /** iptables-save text (the default) or native nftables. */
  kind?: RulesetKind;
}) {
  const { host, text, onCommit, t } = props;
  const nft = props.kind === 'nft_ruleset';
  const checkText = nft ? checkNftRuleset : checkRuleset;
  const id = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  const [lines, setLines] = useState(() => countLines(text));
  const [scroll, setScroll] = useState({ top: 0, height: 300 });
  const [error, setError] = useState<RulesetError | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [state, setState] = useState<'ok' | 'checking'>('ok');
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // The text last sent to the scenario: the scenario's own text coming back is not news.
  const committed = useRef(text);

  // The scenario's text changed under the editor (undo, another host, a new scenario): show it.
  useLayoutEffect(() => {
    const el = area.current;
    if (!el || text === committed.current) return;
    committed.current = text;
    el.value = text;
    setLines(countLines(text));
    setError(null);
    setProblem(null);
  }, [text]);
  // A new host starts from its own text.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the host changes only
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    committed.current = text;
    el.value = text;
    el.scrollTop = 0;
    setScroll({ top: 0, height: el.clientHeight || 300 });
    setLines(countLines(text));
    setError(null);
    setProblem(null);
  }, [host]);

  const check = useCallback(async () => {
    timer.current = null;
    const el = area.current;
    if (!el) return;
    const now = el.value;
    const err = checkText(now);
    setError(err);
    setState('ok');
    if (err || now === committed.current) return;
    committed.current = now;
    const p = await onCommit(now);
    setProblem(p);
    // Refused: the next edit of the text tries again.
    if (p) committed.current = text;
  }, [onCommit, text, checkText]);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  function onInput(): void {
    const el = area.current!;
    setLines(countLines(el.value));
    setState('checking');
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void check(), pauseMs(el.value.length));
  }

  const first = Math.floor(scroll.top / LINE_PX);
  const shown = Math.ceil(scroll.height / LINE_PX) + 1;
  const numbers: number[] = [];
  for (let n = first + 1; n <= Math.min(lines, first + shown); n++) numbers.push(n);
  const errLine = error?.line;
  const msgId = `${id}-msg`;
  return (
    <div className="ed-ruleset">
      <div className="ed-code">
        <div className="ed-gutter mono" aria-hidden="true">
          <div style={{ transform: `translateY(${first * LINE_PX - scroll.top}px)` }}>
            {numbers.map((n) => (
              <div key={n} className={n === errLine ? 'ed-ln bad' : 'ed-ln'}>
                {n === errLine ? '✖ ' : ''}
                {n}
              </div>
            ))}
          </div>
        </div>
        <div className="ed-text">
          {errLine !== undefined ? (
            <div
              className="ed-mark"
              aria-hidden="true"
              style={{ top: `${(errLine - 1) * LINE_PX - scroll.top + 4}px` }}
            />
          ) : null}
          <textarea
            ref={area}
            aria-label={nft ? `nft list ruleset on ${host}` : `iptables-save on ${host}`}
            aria-invalid={error ? true : undefined}
            aria-describedby={msgId}
            className="mono"
            defaultValue={text}
            wrap="off"
            spellCheck={false}
            autoComplete="off"
            autoCapitalize="off"
            rows={14}
            onInput={onInput}
            onBlur={() => {
              if (timer.current) {
                clearTimeout(timer.current);
                void check();
              }
            }}
            onScroll={(e) => {
              const el = e.currentTarget;
              setScroll({ top: el.scrollTop, height: el.clientHeight });
            }}
          />
        </div>
      </div>
      <div id={msgId} className="ed-status" aria-live="polite">
        {error ? (
          <div className="ed-error" data-line={error.line}>
            <span className="ed-where">{t.rulesetLine(error.line)}</span>
            <pre className="mono">{error.text}</pre>
            <span className="dim">{t.rulesetKept}</span>
          </div>
        ) : state === 'checking' ? (
          <span className="dim">{t.rulesetChecking}</span>
        ) : (
          <span className="dim">{t.rulesetOk}</span>
        )}
      </div>
      <ProblemText id={`${id}-p`} problem={problem} t={t} />
    </div>
  );
}
