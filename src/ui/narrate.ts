// The plain-language account, generated from the structured events (never from the engine's
// English trace text, so both languages say the same thing).
import type { RunResult } from '../engine/api';
import { formatIpv4 } from '../engine/net/ipv4';
import type { PacketId, TimelineEvent } from '../engine/timeline/events';
import { formatFrame, shortFrame } from './frame';
import { dictionaries, type Lang, word } from './i18n';
import type { TimelineIndex } from './timeline';

export function narrate(e: TimelineEvent, lang: Lang): string {
  const n = dictionaries[lang].narr;
  switch (e.type) {
    case 'app':
      return n.app(e.host, e.text);
    case 'packet':
      return n.packet(e.host, formatFrame(e.frame), word(lang, e.origin));
    case 'xmit':
      return n.xmit(e.host, e.dev, e.to ? `${e.to.host}/${e.to.dev}` : '');
    case 'rcv':
      return n.rcv(e.host, e.dev);
    case 'bridge':
      return n.bridge(e.bridge, e.inPort, word(lang, e.decision), e.outPorts.join(', '));
    case 'hook':
      return n.hook(e.host, e.hook, e.bridged === true);
    case 'chain':
      return n.chain(e.table, e.chain);
    case 'rule':
      return n.rule(e.table, e.chain, e.rulenum, e.text, e.verdict);
    case 'policy':
      return n.policy(e.table, e.chain, e.policy);
    case 'target':
      return n.target(e.text);
    case 'rewrite':
      return n.rewrite(e.what, shortFrame(e.before), shortFrame(e.after));
    case 'conntrack':
      return n.conntrack(e.host, word(lang, e.op), e.ctstate ?? '', e.note ?? '');
    case 'ctstate':
      return n.ctstate(e.ctstate, e.note);
    case 'route':
      return n.route(e.host, e.decision.text);
    case 'neigh':
      return n.neigh(e.host, word(lang, e.op), formatIpv4(e.ip), e.mac ?? '');
    case 'deliver':
      return n.deliver(e.host, e.to);
    case 'drop':
      return n.drop(e.host, e.text);
    case 'cloned':
      return n.cloned(e.copies.length);
    case 'outcome':
      return n.outcome(e.line);
    case 'change':
      return `${e.host}$ ${e.command}`;
    case 'stopped':
      // English until the UI translates stops by e.key with e.params (issue 8, app side).
      return e.text;
    default: {
      const never: never = e;
      return String((never as { type: string }).type);
    }
  }
}

/** The packet's story up to the playhead, one sentence per meaningful event. */
export function packetAccount(
  result: RunResult,
  ix: TimelineIndex,
  pkt: PacketId,
  playhead: number,
  lang: Lang,
): string[] {
  const out: string[] = [];
  for (const i of ix.eventsOf.get(pkt) ?? []) {
    if (i >= playhead) break;
    const e = result.events[i]!;
    if (e.type === 'chain' || (e.type === 'conntrack' && e.op === 'lookup')) continue;
    out.push(narrate(e, lang));
  }
  return out;
}

/**
 * The run in a few sentences: the settings that shape it, then per connection what decided
 * its fate (NAT rewrites, drops with their reason, its outcome), as far as the playhead got.
 * It reads the events the index holds (timeline.ts isAccountEvent), never the timeline's chunks:
 * a run of a million events without a drop is rendered at every step.
 */
export function runAccount(result: RunResult, ix: TimelineIndex, playhead: number, lang: Lang): string[] {
  const n = dictionaries[lang].narr;
  const out: string[] = [];
  for (const s of result.scenario.settings) {
    const host = result.hosts.find((h) => h.name === s.host);
    const v = host?.sysctls[s.key];
    if (v !== undefined) out.push(n.sysctl(s.host, s.key, v));
  }
  const upto = Math.min(playhead, ix.length);
  for (let k = 0; k < ix.accountAt.length; k++) {
    if (ix.accountAt[k]! >= upto || out.length > 200) break;
    out.push(narrate(ix.accountEvents[k]!, lang));
  }
  if (upto >= ix.length && result.outcomes.length) {
    const ok = result.outcomes.filter((o) => o.ok).length;
    out.push(n.runSummary(ok, result.outcomes.length - ok));
  }
  return out;
}
