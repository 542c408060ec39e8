// The selected packet's way through the stack: per host, each hook, the tables and chains
// walked there, the rule that matched (position and text) or the policy, the verdict, and
// every rewrite with the headers before and after.
import { memo, useEffect, useRef } from 'react';
import type { RunResult } from '../../engine/api';
import { formatIpv4 } from '../../engine/net/ipv4';
import type { PacketId, TimelineEvent } from '../../engine/timeline/events';
import { formatFrame } from '../frame';
import type { Dict } from '../i18n';
import type { TimelineIndex } from '../timeline';

function ctTuple(e: TimelineEvent & { type: 'conntrack' }): string {
  const o = e.entry.orig;
  const r = e.entry.reply;
  const ends = (t: typeof o) =>
    t.proto === 6 || t.proto === 17
      ? `${formatIpv4(t.src)}:${t.sport} > ${formatIpv4(t.dst)}:${t.dport}`
      : `${formatIpv4(t.src)} > ${formatIpv4(t.dst)}`;
  return `${ends(o)} | reply ${ends(r)}${e.entry.tcpState ? ` ${e.entry.tcpState}` : ''}`;
}

function Line({ e, t }: { e: TimelineEvent; t: Dict }) {
  switch (e.type) {
    case 'packet':
      return (
        <>
          <span className="tag">{e.origin}</span> {formatFrame(e.frame)}
        </>
      );
    case 'xmit':
      return (
        <>
          <span className="tag">xmit</span> {e.dev}
          {e.to ? ` → ${e.to.host}/${e.to.dev}` : ''}
        </>
      );
    case 'rcv':
      return (
        <>
          <span className="tag">rcv</span> {e.dev}
        </>
      );
    case 'bridge':
      return (
        <>
          <span className="tag">bridge</span> {e.bridge} in {e.inPort}: {e.decision}
          {e.outPorts.length ? ` → ${e.outPorts.join(', ')}` : ''}
        </>
      );
    case 'hook':
      return (
        <>
          <span className="hook">{e.hook}</span>
          {e.bridged ? ` (${t.bridgedNote})` : ''}
          {e.in ? ` in=${e.in}` : ''}
          {e.out ? ` out=${e.out}` : ''}
        </>
      );
    case 'chain':
      return (
        <span className="chain">
          {e.table} {e.chain}
        </span>
      );
    case 'rule':
      return (
        <span className="rule">
          #{e.rulenum} {e.text} <span className="verdict">→ {e.verdict}</span>
        </span>
      );
    case 'policy':
      return (
        <span className="rule">
          {e.chain} policy <span className="verdict">→ {e.policy}</span>
        </span>
      );
    case 'target':
      return (
        <>
          <span className="tag">{e.target}</span> {e.text}
        </>
      );
    case 'rewrite':
      if (e.what === 'ttl' && e.before.type === 0x0800 && e.after.type === 0x0800)
        return (
          <>
            <span className="tag">ttl</span> {e.before.ip.ttl} → {e.after.ip.ttl}
          </>
        );
      if (e.what === 'mac')
        return (
          <>
            <span className="tag">mac</span> {e.before.src} &gt; {e.before.dst} → {e.after.src} &gt;{' '}
            {e.after.dst}
          </>
        );
      return (
        <span className="rewrite">
          <span className="tag">{e.what}</span>
          <br />
          {t.before}: {formatFrame(e.before)}
          <br />
          {t.after}: {formatFrame(e.after)}
        </span>
      );
    case 'conntrack':
      return (
        <>
          <span className="tag">conntrack {e.op}</span> {e.ctstate ? `ctstate ${e.ctstate} ` : ''}
          {ctTuple(e)}
          {e.note ? ` (${e.note})` : ''}
        </>
      );
    case 'ctstate':
      return (
        <>
          <span className="tag">ctstate {e.ctstate}</span> {e.note}
        </>
      );
    case 'route':
      return (
        <>
          <span className="tag">route</span> {e.decision.text}
        </>
      );
    case 'neigh':
      return (
        <>
          <span className="tag">neigh {e.op}</span> {formatIpv4(e.ip)} {e.mac ?? ''} dev {e.dev}
        </>
      );
    case 'deliver':
      return (
        <span className="fate ok">
          <span className="tag">deliver</span> {e.to}
        </span>
      );
    case 'drop':
      return (
        <span className="fate bad">
          <span className="tag">drop {e.reason}</span> {e.text}
        </span>
      );
    case 'cloned':
      return (
        <>
          <span className="tag">flood</span> copies #{e.copies.join(', #')}
        </>
      );
    case 'app':
    case 'outcome':
      return <>{e.type === 'app' ? e.text : e.line}</>;
    case 'stopped':
      return <>{e.text}</>;
    case 'change':
      return <>$ {e.command}</>;
    default: {
      const never: never = e;
      return <>{String(never)}</>;
    }
  }
}

/** Whether a rewrite event changes this header field. */
function rewrites(e: TimelineEvent, field: 'src' | 'dst' | 'sport' | 'dport' | 'ttl'): boolean {
  if (e.type !== 'rewrite' || e.before.type !== 0x0800 || e.after.type !== 0x0800) return false;
  const a = e.before.ip;
  const b = e.after.ip;
  if (field === 'src' || field === 'dst' || field === 'ttl') return a[field] !== b[field];
  return 'sport' in a.l4 && 'sport' in b.l4 && a.l4[field] !== b.l4[field];
}

function indent(e: TimelineEvent): number {
  return e.type === 'chain' ? 1 : e.type === 'rule' || e.type === 'policy' || e.type === 'target' ? 2 : 0;
}

function PacketPathView(props: {
  result: RunResult;
  index: TimelineIndex;
  pkt: PacketId | undefined;
  playhead: number;
  t: Dict;
  /** A header field a lesson step points at: rewrites of it on this path are marked. */
  lessonField?: 'src' | 'dst' | 'sport' | 'dport' | 'ttl' | undefined;
}) {
  const { result, index, pkt, playhead, t } = props;
  const cur = useRef<HTMLLIElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when the playhead moves
  useEffect(() => {
    // Scroll only the panel (scrollIntoView would also scroll the fixed-size page).
    const el = cur.current;
    const box = el?.closest('.body');
    if (!el || !box) return;
    const e = el.getBoundingClientRect();
    const b = box.getBoundingClientRect();
    if (e.top < b.top) box.scrollTop += e.top - b.top - 4;
    else if (e.bottom > b.bottom) box.scrollTop += e.bottom - b.bottom + 4;
  }, [playhead, pkt]);
  if (pkt === undefined) return <p className="dim">{t.pathEmpty}</p>;
  const list = index.eventsOf.get(pkt) ?? [];
  const groups: { host: string; items: number[] }[] = [];
  for (const i of list) {
    const e = result.events[i]!;
    const g = groups.at(-1);
    if (g && g.host === e.host) g.items.push(i);
    else groups.push({ host: e.host, items: [i] });
  }
  const lastApplied = list.filter((i) => i < playhead).at(-1);
  return (
    <ol className="path mono">
      {groups.map((g) => (
        <li key={`${g.host}@${g.items[0]}`} className="path-host">
          <div className="path-host-name">{g.host}</div>
          <ol>
            {g.items.map((i) => {
              const e = result.events[i]!;
              const marked = props.lessonField !== undefined && rewrites(e, props.lessonField);
              const cls = `ind${indent(e)}${i >= playhead ? ' future' : ''}${i === lastApplied ? ' now' : ''}${marked ? ' lesson-hl' : ''}`;
              return (
                <li
                  key={i}
                  className={cls}
                  ref={i === lastApplied ? cur : undefined}
                  title={i >= playhead ? t.future : ''}
                  data-lesson={marked ? 'highlight' : undefined}
                >
                  <Line e={e} t={t} />
                </li>
              );
            })}
          </ol>
        </li>
      ))}
    </ol>
  );
}

type PacketPathProps = Parameters<typeof PacketPathView>[0];

/** How many of the packet's events are applied at `playhead`: all the view shows of the playhead. */
function appliedOf(p: PacketPathProps): number {
  if (p.pkt === undefined) return 0;
  const list = p.index.eventsOf.get(p.pkt) ?? [];
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < p.playhead) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Re-rendered when the playhead crosses one of this packet's events (what is done, what is
 * ahead, the line marked now), not at every event of other packets.
 */
export const PacketPath = memo(
  PacketPathView,
  (a, b) =>
    a.result === b.result &&
    a.index === b.index &&
    a.pkt === b.pkt &&
    a.t === b.t &&
    a.lessonField === b.lessonField &&
    appliedOf(a) === appliedOf(b),
);
