// The selected packet as `nft monitor trace` shows it in each namespace it crossed (the engine's
// src/engine/timeline/nftTrace.ts): what a user compares with the same command on a machine.
import { useMemo } from 'react';
import type { RunResult } from '../../engine/api';
import type { PacketId } from '../../engine/timeline/events';
import { nftTraceLines } from '../../engine/timeline/nftTrace';
import type { Dict } from '../i18n';
import type { TimelineIndex } from '../timeline';

export function NftTrace(props: {
  result: RunResult;
  index: TimelineIndex;
  pkt: PacketId | undefined;
  playhead: number;
  t: Dict;
}) {
  const { result, index, pkt, playhead, t } = props;
  const lines = useMemo(
    () => (pkt === undefined ? [] : nftTraceLines(result.events, index.eventsOf.get(pkt) ?? [])),
    [result, index, pkt],
  );
  if (pkt === undefined) return <p className="dim">{t.pathEmpty}</p>;
  if (lines.length === 0) return <p className="dim">{t.nftTraceNone}</p>;
  const groups: { host: string; items: typeof lines }[] = [];
  for (const l of lines) {
    const g = groups.at(-1);
    if (g && g.host === l.host) g.items.push(l);
    else groups.push({ host: l.host, items: [l] });
  }
  const lastShown = lines.filter((l) => l.at < playhead).at(-1);
  return (
    <ol className="path nft-trace mono">
      {groups.map((g) => (
        <li key={`${g.host}@${g.items[0]!.at}`} className="path-host">
          <div className="path-host-name">
            {g.host} <span className="dim"># nft monitor trace</span>
          </div>
          <ol>
            {g.items.map((l) => (
              <li
                // one line per event at most: the event's index names it
                key={l.at}
                className={`${l.at >= playhead ? 'future' : ''}${l === lastShown ? ' now' : ''}`}
                title={l.at >= playhead ? t.future : ''}
              >
                {l.text}
              </li>
            ))}
          </ol>
        </li>
      ))}
    </ol>
  );
}
