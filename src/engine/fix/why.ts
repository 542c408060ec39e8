import type { Frame } from '../packet';
import type { TimelineEvent } from '../timeline/events';
import { describePacket, flowOf, type PacketName, packetName, packetNameText } from './flow';

// A fix's reason, read off the two runs: the first step of the connection's path where the
// fixed run differs from the failed one, and what became of that packet there. Only the
// steps a reader of the path view follows count (IPv4 hooks, verdicts, rewrites, routing
// failures, fates); bridge-internal hooks and timing are left out, so a change that merely
// adds a bridge hook does not hide the step that matters.

interface Step {
  readonly key: string;
  readonly text: string;
  readonly say: StepSay;
  /** The packet as it was at this step (undefined: not seen yet, `the packet`). */
  readonly who: PacketName | undefined;
  readonly pkt: number;
  readonly index: number;
  readonly host: string;
  /** The IPv4 hook the packet was last seen in on this host, if any. */
  readonly hook: string | undefined;
  readonly kind: PathStep['kind'];
  /** The playhead just after the step's event. */
  readonly at: number;
}

/** What a step says, in parts, so each language can say it (the host is the step's). */
export type StepSay =
  | { readonly step: 'hook'; readonly hook: string }
  | {
      readonly step: 'rule';
      readonly rulenum: number;
      readonly table: string;
      readonly chain: string;
      readonly verdict: string;
    }
  | { readonly step: 'policy'; readonly policy: string; readonly table: string; readonly chain: string }
  | { readonly step: 'rewrite'; readonly what: string; readonly into: PacketName }
  | { readonly step: 'route' }
  /** `text` is the engine's drop reason as the path view shows it (kernel words, kept as is). */
  | { readonly step: 'drop'; readonly text: string }
  | { readonly step: 'deliver'; readonly to: string };

/** One step of a packet's way, in the words of the path view. */
export interface PathStep {
  readonly host: string;
  readonly hook?: string;
  readonly kind: 'hook' | 'rule' | 'policy' | 'rewrite' | 'route' | 'drop' | 'deliver';
  /** E.g. `meets rule 3 of filter INPUT on host (drop)`. */
  readonly text: string;
  readonly say: StepSay;
}

/**
 * A fix's effect in parts (the English line is `<packet> now <step>, then <step> (before: ...)`):
 * the first step where the fixed run differs, and what the failed run did there instead.
 */
export interface FixAccount {
  readonly packet: PacketName | undefined;
  readonly now: PathStep;
  readonly nowThen?: PathStep;
  readonly before?: {
    /** Undefined when it is the same packet (`it`). */
    readonly packet?: PacketName | undefined;
    readonly same: boolean;
    readonly step: PathStep;
    readonly next?: PathStep;
  };
}

/**
 * What a fix changes for the packet, for the path view: the packet whose way parts first, and
 * its steps without the fix and with it, from a few shared steps before they part.
 */
export interface FixPath {
  /** As a teacher names it: `the SYN-ACK 10.244.1.3:8080 > 10.244.1.2:40001`. */
  readonly packet: string;
  /** The same in parts, for other languages. */
  readonly packetName: PacketName | undefined;
  /** Shared steps at the head of both lists (shown once, for context). */
  readonly common: number;
  readonly without: readonly PathStep[];
  readonly with: readonly PathStep[];
  /** In the failed run: that packet, and the playhead where its way parts (or ends). */
  readonly failedPkt: number;
  readonly failedAt: number;
  /** Where it parts: the host and IPv4 hook (the pipeline to look at). */
  readonly host: string;
  readonly hook?: string;
}

function stepSay(e: TimelineEvent): StepSay | undefined {
  switch (e.type) {
    case 'hook':
      return e.family === 'ipv4' ? { step: 'hook', hook: e.hook } : undefined;
    case 'rule':
      if (e.verdict !== 'accept' && e.verdict !== 'drop') return undefined;
      return { step: 'rule', rulenum: e.rulenum, table: e.table, chain: e.chain, verdict: e.verdict };
    case 'policy':
      return { step: 'policy', policy: e.policy, table: e.table, chain: e.chain };
    case 'rewrite':
      if (e.what === 'ttl' || e.what === 'mac') return undefined;
      return { step: 'rewrite', what: e.what, into: packetName(e.after) };
    case 'route':
      return e.decision.kind === 'unreachable' ? { step: 'route' } : undefined;
    case 'drop':
      return { step: 'drop', text: e.text };
    case 'deliver':
      return { step: 'deliver', to: e.to };
    default:
      return undefined;
  }
}

/** The English words of a step (`meets rule 3 of filter INPUT on host (drop)`). */
export function stepText(s: StepSay, host: string): string {
  switch (s.step) {
    case 'hook':
      return `passes ${s.hook} on ${host}`;
    case 'rule':
      return `meets rule ${s.rulenum} of ${s.table} ${s.chain} on ${host} (${s.verdict})`;
    case 'policy':
      return `meets the ${s.policy} policy of ${s.table} ${s.chain} on ${host}`;
    case 'rewrite':
      return `is rewritten by ${s.what} on ${host} into ${packetNameText(s.into).replace(/^the /, '')}`;
    case 'route':
      return `finds no route on ${host}`;
    case 'drop':
      return `is dropped on ${host} (${s.text})`;
    case 'deliver':
      return `is delivered to ${s.to} on ${host}`;
  }
}

function steps(
  events: readonly TimelineEvent[],
  conn: number,
): { steps: Step[]; frames: Map<number, Frame> } {
  const flow = flowOf(events, conn);
  const frames = new Map<number, Frame>();
  const hooks = new Map<number, { host: string; hook: string }>();
  const out: Step[] = [];
  for (let at = 1; at <= events.length; at++) {
    const e = events[at - 1]!;
    if (!('pkt' in e) || e.pkt === undefined || !flow.packets.has(e.pkt)) continue;
    const pkt = e.pkt;
    if (e.type === 'packet') frames.set(pkt, e.frame);
    if (e.type === 'hook' && e.family === 'ipv4') hooks.set(pkt, { host: e.host, hook: e.hook });
    const f0 = frames.get(pkt);
    // An ICMP redirect is the router's aside, not a step of the connection.
    const aside = f0?.type === 0x0800 && f0.ip.l4.proto === 1 && f0.ip.l4.type === 5;
    const say = aside ? undefined : stepSay(e);
    if (say !== undefined) {
      const text = stepText(say, e.host);
      const f = frames.get(pkt);
      const who = f ? describePacket(f) : 'the packet';
      const h = hooks.get(pkt);
      // The packet's kind and endpoints, not its sequence numbers or id, identify a step.
      out.push({
        key: `${who}|${text}`,
        text,
        say,
        who: f ? packetName(f) : undefined,
        pkt,
        index: out.length,
        host: e.host,
        hook: h?.host === e.host ? h.hook : undefined,
        kind: e.type as PathStep['kind'],
        at,
      });
    }
    if (e.type === 'rewrite') frames.set(pkt, e.after);
  }
  return { steps: out, frames };
}

/** What happens next to the same packet: its next rewrite or its fate, if that adds anything. */
function then(all: readonly Step[], s: Step): Step | undefined {
  const next = all
    .slice(s.index + 1)
    .find(
      (x) =>
        x.pkt === s.pkt &&
        (x.say.step === 'rewrite' ||
          x.say.step === 'drop' ||
          x.say.step === 'deliver' ||
          x.say.step === 'route'),
    );
  return next && next !== s ? next : undefined;
}

/**
 * What the fix changes, in parts: from the first step of connection `conn` where `fixed`
 * differs from `failed`. Undefined when the two runs walk the same steps.
 */
export function fixAccount(
  failed: readonly TimelineEvent[],
  fixed: readonly TimelineEvent[],
  conn: number,
): FixAccount | undefined {
  const a = steps(failed, conn);
  const b = steps(fixed, conn);
  let i = 0;
  while (i < a.steps.length && i < b.steps.length && a.steps[i]!.key === b.steps[i]!.key) i++;
  const now = b.steps[i];
  if (!now) return undefined;
  const was = a.steps[i];
  const who = now.key.slice(0, now.key.indexOf('|'));
  const nowThen = then(b.steps, now);
  const wasThen = was ? then(a.steps, was) : undefined;
  return {
    packet: now.who,
    now: toPath(now),
    ...(nowThen ? { nowThen: toPath(nowThen) } : {}),
    ...(was
      ? {
          before: {
            packet: was.who,
            same: was.key.slice(0, was.key.indexOf('|')) === who,
            step: toPath(was),
            ...(wasThen ? { next: toPath(wasThen) } : {}),
          },
        }
      : {}),
  };
}

const whoText = (n: PacketName | undefined) => (n ? packetNameText(n) : 'the packet');

/** One line in English: `<hint>: <packet> now <step>, then <step> (before: <step>)`. */
export function accountText(hint: string, a: FixAccount | undefined): string {
  if (!a) return hint;
  const thenText = (s: PathStep | undefined) => (s ? `, then ${s.text}` : '');
  const b = a.before;
  const before = b ? ` (before: ${b.same ? 'it' : whoText(b.packet)} ${b.step.text}${thenText(b.next)})` : '';
  return `${hint}: ${whoText(a.packet)} now ${a.now.text}${thenText(a.nowThen)}${before}`;
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
  return accountText(hint, fixAccount(failed, fixed, conn));
}

const toPath = (x: Step): PathStep => ({
  host: x.host,
  ...(x.hook !== undefined ? { hook: x.hook } : {}),
  kind: x.kind,
  text: x.text,
  say: x.say,
});

/** The steps of the packet `s` belongs to, from `before` of its steps ahead of `s`, at most `n`. */
function around(all: readonly Step[], s: Step, before: number, n: number): Step[] {
  const mine = all.filter((x) => x.pkt === s.pkt);
  const k = mine.indexOf(s);
  return mine.slice(Math.max(0, k - before), Math.max(0, k - before) + n);
}

/**
 * The path view's account of a fix: the first packet of connection `conn` whose way differs
 * with the fix, its steps without the fix and with it (two shared steps ahead for context).
 * Undefined when the two runs walk the same steps (the fix changed nothing the path shows).
 */
export function fixPath(
  failed: readonly TimelineEvent[],
  fixed: readonly TimelineEvent[],
  conn: number,
): FixPath | undefined {
  const a = steps(failed, conn).steps;
  const b = steps(fixed, conn).steps;
  let i = 0;
  while (i < a.length && i < b.length && a[i]!.key === b[i]!.key) i++;
  const now = b[i];
  if (!now) return undefined;
  // Without the fix the same packet went elsewhere, or the connection ended before it.
  const was = a[i] ?? a.at(-1);
  if (!was) return undefined;
  const CONTEXT = 2;
  const MAX = 9;
  const without = around(a, was, a[i] ? CONTEXT : MAX - 1, MAX);
  const withFix = around(b, now, a[i] ? CONTEXT : 0, MAX);
  let common = 0;
  while (common < without.length && common < withFix.length && without[common]!.key === withFix[common]!.key)
    common++;
  const who = now.key.slice(0, now.key.indexOf('|'));
  return {
    packet: who,
    packetName: now.who,
    common,
    without: without.map(toPath),
    with: withFix.map(toPath),
    failedPkt: was.pkt,
    failedAt: was.at,
    host: (a[i] ?? now).host,
    ...((a[i] ?? now).hook !== undefined ? { hook: (a[i] ?? now).hook! } : {}),
  };
}
