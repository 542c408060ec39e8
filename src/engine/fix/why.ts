import type { Frame } from '../packet';
import type { TimelineEvent } from '../timeline/events';
import { describePacket, flowOf } from './flow';

// A fix's reason, read off the two runs: the first step of the connection's path where the
// fixed run differs from the failed one, and what became of that packet there. Only the
// steps a reader of the path view follows count (IPv4 hooks, verdicts, rewrites, routing
// failures, fates); bridge-internal hooks and timing are left out, so a change that merely
// adds a bridge hook does not hide the step that matters.

interface Step {
  readonly key: string;
  readonly text: string;
  readonly pkt: number;
  readonly index: number;
}

function stepText(e: TimelineEvent): string | undefined {
  switch (e.type) {
    case 'hook':
      if (e.family !== 'ipv4') return undefined;
      return `passes ${e.hook} on ${e.host}`;
    case 'rule':
      if (e.verdict !== 'accept' && e.verdict !== 'drop') return undefined;
      return `meets rule ${e.rulenum} of ${e.table} ${e.chain} on ${e.host} (${e.verdict})`;
    case 'policy':
      return `meets the ${e.policy} policy of ${e.table} ${e.chain} on ${e.host}`;
    case 'rewrite':
      if (e.what === 'ttl' || e.what === 'mac') return undefined;
      return `is rewritten by ${e.what} on ${e.host} into ${describePacket(e.after).replace(/^the /, '')}`;
    case 'route':
      return e.decision.kind === 'unreachable' ? `finds no route on ${e.host}` : undefined;
    case 'drop':
      return `is dropped on ${e.host} (${e.text})`;
    case 'deliver':
      return `is delivered to ${e.to} on ${e.host}`;
    default:
      return undefined;
  }
}

function steps(
  events: readonly TimelineEvent[],
  conn: number,
): { steps: Step[]; frames: Map<number, Frame> } {
  const flow = flowOf(events, conn);
  const frames = new Map<number, Frame>();
  const out: Step[] = [];
  for (const e of flow.events) {
    const pkt = (e as { pkt: number }).pkt;
    if (e.type === 'packet') frames.set(pkt, e.frame);
    const f0 = frames.get(pkt);
    // An ICMP redirect is the router's aside, not a step of the connection.
    const aside = f0?.type === 0x0800 && f0.ip.l4.proto === 1 && f0.ip.l4.type === 5;
    const text = aside ? undefined : stepText(e);
    if (text !== undefined) {
      const f = frames.get(pkt);
      const who = f ? describePacket(f) : 'the packet';
      // The packet's kind and endpoints, not its sequence numbers or id, identify a step.
      out.push({ key: `${who}|${text}`, text, pkt, index: out.length });
    }
    if (e.type === 'rewrite') frames.set(pkt, e.after);
  }
  return { steps: out, frames };
}

/** What happens next to the same packet: its next rewrite or its fate, if that adds anything. */
function then(all: readonly Step[], s: Step): string {
  const next = all.slice(s.index + 1).find((x) => x.pkt === s.pkt && /^(is |finds)/.test(x.text));
  return next && next !== s ? `, then ${next.text}` : '';
}

/**
 * One line: `<hint>: <packet> now <step> (before: <step>)`, from the first step of connection
 * `conn` where `fixed` differs from `failed`.
 */
export function explainFix(
  failed: readonly TimelineEvent[],
  fixed: readonly TimelineEvent[],
  conn: number,
  hint: string,
): string {
  const a = steps(failed, conn);
  const b = steps(fixed, conn);
  let i = 0;
  while (i < a.steps.length && i < b.steps.length && a.steps[i]!.key === b.steps[i]!.key) i++;
  const now = b.steps[i];
  if (!now) return hint;
  const was = a.steps[i];
  const who = now.key.slice(0, now.key.indexOf('|'));
  const whoWas = was ? was.key.slice(0, was.key.indexOf('|')) : '';
  const before = was ? ` (before: ${whoWas === who ? 'it' : whoWas} ${was.text}${then(a.steps, was)})` : '';
  return `${hint}: ${who} now ${now.text}${then(b.steps, now)}${before}`;
}
