// A host's ruleset with counters at the playhead, as `iptables-save -c` or `iptables -L -n -v`.
// A rule picked in the pipeline opens here, marked and scrolled into view.
import { useEffect, useId, useRef, useState } from 'react';
import type { HostSnapshot } from '../../worker/protocol';
import type { Dict } from '../i18n';
import { useApp } from '../react';
import { Scroll } from '../Scroll';

/**
 * The line of `iptables-save -c` text holding rule `rulenum` of `chain` in `table` (its
 * `:CHAIN POLICY` line for 0), or -1.
 */
export function ruleLine(save: string, table: string, chain: string, rulenum: number): number {
  const lines = save.split('\n');
  let inTable = false;
  let n = 0;
  for (let k = 0; k < lines.length; k++) {
    const l = lines[k]!;
    if (l.startsWith('*')) inTable = l === `*${table}`;
    else if (!inTable) continue;
    else if (rulenum === 0 && l.startsWith(`:${chain} `)) return k;
    else if (rulenum > 0 && /^(?:\[\d+:\d+\] )?-A (\S+)/.exec(l)?.[1] === chain && ++n === rulenum) return k;
  }
  return -1;
}

export function Rules({ host, snap, t }: { host: string; snap: HostSnapshot | undefined; t: Dict }) {
  const [mode, setMode] = useState<string>('save');
  const [open, setOpen] = useState(false);
  const focus = useApp((s) => (s.ruleFocus?.host === host ? s.ruleFocus : null));
  const [marked, setMarked] = useState<{ table: string; chain: string; rulenum: number } | null>(null);
  const markRef = useRef<HTMLElement>(null);
  const id = useId();
  useEffect(() => {
    if (!focus) return;
    setOpen(true);
    setMode('save');
    setMarked({ table: focus.table, chain: focus.chain, rulenum: focus.rulenum });
  }, [focus]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when a rule is picked
  useEffect(() => {
    markRef.current?.scrollIntoView({ block: 'nearest' });
  }, [focus, marked]);
  if (!snap || (snap.iptablesSave === '' && snap.iptablesList.length === 0)) return null;
  const text =
    mode === 'save' ? snap.iptablesSave : (snap.iptablesList.find((x) => x.table === mode)?.text ?? '');
  const at = mode === 'save' && marked ? ruleLine(text, marked.table, marked.chain, marked.rulenum) : -1;
  const lines = at >= 0 ? text.split('\n') : [];
  return (
    <details className="rules" open={open} onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>
        {t.rules} <span className="dim mono">iptables</span>
      </summary>
      <label htmlFor={id} className="sr-only">
        {`Rules view ${host}`}
      </label>
      <select id={id} value={mode} onChange={(e) => setMode(e.target.value)}>
        <option value="save">iptables-save -c</option>
        {snap.iptablesList.map((x) => (
          <option key={x.table} value={x.table}>{`iptables -t ${x.table} -L -n -v`}</option>
        ))}
      </select>
      <Scroll className="rules-scroll">
        <pre className="mono rules-text">
          {at >= 0 ? (
            <>
              {lines.slice(0, at).join('\n')}
              {at > 0 ? '\n' : ''}
              <mark ref={markRef}>{lines[at]}</mark>
              {at < lines.length - 1 ? '\n' : ''}
              {lines.slice(at + 1).join('\n')}
            </>
          ) : (
            text
          )}
        </pre>
      </Scroll>
    </details>
  );
}
