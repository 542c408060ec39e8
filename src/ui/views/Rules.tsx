// A host's ruleset with counters at the playhead, as `iptables-save -c` or `iptables -L -n -v`.
// A rule picked in the pipeline opens here, marked and scrolled into view.
import { useEffect, useId, useRef, useState } from 'react';
import { nftRuleLine, ruleLine } from '../../engine/timeline/ruleLine';
import type { HostSnapshot } from '../../worker/protocol';
import type { Dict } from '../i18n';
import { useApp } from '../react';
import { Scroll } from '../Scroll';
import { OutlinedRules } from './OutlinedRules';

export { nftRuleLine, ruleLine } from '../../engine/timeline/ruleLine';

/** Above this, a closed rules view leaves its text out of the DOM. */
const LAZY_TEXT_CHARS = 1024 * 1024;

export function Rules({ host, snap, t }: { host: string; snap: HostSnapshot | undefined; t: Dict }) {
  const [mode, setMode] = useState<string>('save');
  const [open, setOpen] = useState(false);
  const focus = useApp((s) => (s.ruleFocus?.host === host ? s.ruleFocus : null));
  const [marked, setMarked] = useState<{
    table: string;
    chain: string;
    rulenum: number;
    family?: string;
  } | null>(null);
  const markRef = useRef<HTMLElement>(null);
  const id = useId();
  useEffect(() => {
    if (!focus) return;
    setOpen(true);
    setMode(focus.family ? 'nft' : 'save');
    setMarked({
      table: focus.table,
      chain: focus.chain,
      rulenum: focus.rulenum,
      ...(focus.family ? { family: focus.family } : {}),
    });
  }, [focus]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when a rule is picked
  useEffect(() => {
    markRef.current?.scrollIntoView({ block: 'nearest' });
  }, [focus, marked]);
  const nft = snap?.nft ?? '';
  if (snap?.rulesOutline) return <OutlinedRules host={host} outline={snap.rulesOutline} t={t} />;
  if (!snap || (snap.iptablesSave === '' && snap.iptablesList.length === 0 && nft === '')) return null;
  // A host with only native nftables opens on its `nft list ruleset`.
  const shownMode = mode === 'save' && snap.iptablesSave === '' && nft ? 'nft' : mode;
  const full =
    shownMode === 'save'
      ? snap.iptablesSave
      : shownMode === 'nft'
        ? nft
        : (snap.iptablesList.find((x) => x.table === shownMode)?.text ?? '');
  // A closed view of a huge ruleset (a pasted kube-proxy node: 13 MB of iptables-save, 17 MB of
  // -L) holds no text: putting it in the DOM at every snapshot was a main-thread task of
  // hundreds of ms each time. Small rulesets stay in the DOM, closed or not.
  const text = open || full.length <= LAZY_TEXT_CHARS ? full : '';
  const at = !marked
    ? -1
    : shownMode === 'save' && !marked.family
      ? ruleLine(text, marked.table, marked.chain, marked.rulenum)
      : shownMode === 'nft'
        ? // An iptables rule is one rule of the table iptables-nft made for it, `table ip <table>`.
          nftRuleLine(text, marked.family ?? 'ip', marked.table, marked.chain, marked.rulenum)
        : -1;
  const lines = at >= 0 ? text.split('\n') : [];
  return (
    <details className="rules" open={open} onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>
        {t.rules}{' '}
        <span className="dim mono">
          {[snap.iptablesSave || snap.iptablesList.length ? 'iptables' : '', snap.nftNative ? 'nftables' : '']
            .filter(Boolean)
            .join(' · ')}
        </span>
      </summary>
      <label htmlFor={id} className="sr-only">
        {`Rules view ${host}`}
      </label>
      <select id={id} value={shownMode} onChange={(e) => setMode(e.target.value)}>
        {snap.iptablesSave ? <option value="save">iptables-save -c</option> : null}
        {nft ? <option value="nft">nft list ruleset</option> : null}
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
