// What the pipeline view draws for one host at one playhead: pure, from the run's timeline and
// the hook functions the engine says this namespace registered. The packet's visit to the host
// (its consecutive events there) decides which boxes it passed, which one it is in, and which
// it never touches (dimmed).
import type { HookRegistration, HostSummary, RunResult } from '../../engine/api';
import type { BridgeHook, Hook, PacketId, TimelineEvent } from '../../engine/timeline/events';
import { endpoint, rewrittenSide } from '../frame';
import type { TimelineIndex } from '../timeline';

export type AnyHook = Hook | BridgeHook;
export const IPV4_HOOKS: readonly Hook[] = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];
export const BRIDGE_HOOKS: readonly BridgeHook[] = [
  'BR_PRE_ROUTING',
  'BR_LOCAL_IN',
  'BR_FORWARD',
  'BR_LOCAL_OUT',
  'BR_POST_ROUTING',
];

/** idle: this packet's visit never comes here (drawn dimmed); ahead: it will, later. */
export type Status = 'idle' | 'ahead' | 'passed' | 'current';

/** The places between hooks that are not hooks: routing decisions, the bridge, the socket. */
export type Stage = 'in' | 'bridge' | 'route-in' | 'local' | 'route-out' | 'out';

export interface RuleRef {
  /** An iptables table, or an nft table's name. */
  readonly table: string;
  readonly chain: string;
  /** 0 for the chain's policy. */
  readonly rulenum: number;
  readonly text: string;
  readonly verdict: string;
  /** An nft base chain's table family; absent for iptables. */
  readonly family?: string;
}

export interface FnView {
  /** The accessible name, `<what> <HOOK>` (design.md "Later contracts"). */
  readonly id: string;
  readonly reg: HookRegistration;
  readonly hook: Hook;
  readonly status: Status;
  /** What happened in it, short: `NEW`, `confirmed`, `DNAT`, `#2 → accept`. */
  readonly note?: string;
  readonly rule?: RuleRef;
  readonly drop?: string;
}

export interface PipelineModel {
  readonly host: string;
  readonly pkt: PacketId | undefined;
  readonly hasBridge: boolean;
  /** net.bridge.bridge-nf-call-iptables on this host (bridges only). */
  readonly callsIptables: boolean;
  /** The packet crossed bridge hooks as an IPv4 frame without br_netfilter calling IPv4 hooks. */
  readonly bypassed: boolean;
  readonly hooks: Readonly<Record<AnyHook, Status>>;
  readonly stages: Readonly<Record<Stage, Status>>;
  readonly stageText: Readonly<Partial<Record<Stage, string>>>;
  readonly fns: Readonly<Record<Hook, readonly FnView[]>>;
  /** The hook marked aria-current: with br_netfilter, the IPv4 hook run inside the bridge hook. */
  readonly currentHook: AnyHook | undefined;
  /** The bridge hook whose br_netfilter call is running the current IPv4 hook. */
  readonly callingHook: BridgeHook | undefined;
  readonly currentFn: string | undefined;
  readonly drop: { readonly where: string; readonly text: string } | undefined;
  readonly inDev: string | undefined;
  readonly outDev: string | undefined;
}

/** br_netfilter's calls: the IPv4 hook each bridge hook runs when bridge-nf-call-iptables=1. */
export const BRNF_CALLS: Readonly<Partial<Record<BridgeHook, Hook>>> = {
  BR_PRE_ROUTING: 'PREROUTING',
  BR_FORWARD: 'FORWARD',
  BR_POST_ROUTING: 'POSTROUTING',
};

const isBridgeHook = (h: string): h is BridgeHook => h.startsWith('BR_');

/** A function's accessible name. */
export function fnId(reg: HookRegistration, hook: Hook): string {
  return `${reg.name} ${hook}`;
}

/** The packet's events at `host` in the visit the playhead is in (or the next one, or the last). */
function visitAt(
  list: readonly number[],
  events: readonly TimelineEvent[],
  host: string,
  playhead: number,
): number[] {
  const visits: number[][] = [];
  let cur: number[] | undefined;
  for (const i of list) {
    if (events[i]!.host === host) {
      if (!cur) {
        cur = [];
        visits.push(cur);
      }
      cur.push(i);
    } else cur = undefined;
  }
  let pick: number[] | undefined;
  for (const v of visits) if (v[0]! < playhead) pick = v;
  return pick ?? visits[0] ?? [];
}

function empty<K extends string>(keys: readonly K[], v: Status): Record<K, Status> {
  const o = {} as Record<K, Status>;
  for (const k of keys) o[k] = v;
  return o;
}

export function pipelineModel(
  result: RunResult,
  index: TimelineIndex,
  hostName: string,
  pkt: PacketId | undefined,
  playhead: number,
): PipelineModel {
  const host = result.hosts.find((h) => h.name === hostName) as HostSummary;
  const events = result.events;
  const hasBridge = host.interfaces.some((i) => i.kind === 'bridge');
  const callsIptables = host.sysctls['net.bridge.bridge-nf-call-iptables'] === '1';
  const hooks = empty<AnyHook>([...IPV4_HOOKS, ...BRIDGE_HOOKS], 'idle');
  const stages = empty<Stage>(['in', 'bridge', 'route-in', 'local', 'route-out', 'out'], 'idle');
  const stageText: Partial<Record<Stage, string>> = {};
  type FnAcc = { status: Status; note?: string; rule?: RuleRef; drop?: string };
  // Notes per function: in a hook visited twice (loopback) the later visit's note wins.
  const fnAcc = new Map<string, FnAcc>();
  const fnOf = (id: string): FnAcc => {
    let f = fnAcc.get(id);
    if (!f) {
      f = { status: 'idle' };
      fnAcc.set(id, f);
    }
    return f;
  };
  const mark = (s: Status, applied: boolean): Status =>
    applied ? 'passed' : s === 'passed' || s === 'current' ? s : 'ahead';

  const registered = new Set(IPV4_HOOKS.flatMap((k) => host.hooks[k].map((r) => fnId(r, k))));
  let currentHook: AnyHook | undefined;
  let callingHook: BridgeHook | undefined;
  let currentFn: string | undefined;
  let currentStage: Stage | undefined;
  let lastBridgeHook: BridgeHook | undefined;
  let drop: PipelineModel['drop'];
  let inDev: string | undefined;
  let outDev: string | undefined;
  let sawBrnfCall = false;
  // The hook the following table/conntrack events belong to, applied or not.
  let hookNow: AnyHook | undefined;

  const visit = pkt === undefined ? [] : visitAt(index.eventsOf.get(pkt) ?? [], events, hostName, playhead);
  for (const i of visit) {
    const e = events[i]!;
    const applied = i < playhead;
    const setStage = (st: Stage, text?: string) => {
      stages[st] = mark(stages[st], applied);
      if (text !== undefined && (applied || stageText[st] === undefined)) stageText[st] = text;
      if (applied) {
        currentStage = st;
        currentHook = undefined;
        callingHook = undefined;
        currentFn = undefined;
      }
    };
    switch (e.type) {
      case 'rcv':
        if (applied) inDev ??= e.dev;
        setStage('in', e.dev);
        break;
      case 'packet':
        if (e.origin === 'socket' || e.origin === 'tcp-stack' || e.origin === 'icmp' || e.origin === 'reject')
          setStage('local', e.origin);
        break;
      case 'xmit':
        if (applied) outDev = e.dev;
        setStage('out', e.dev);
        break;
      case 'bridge':
        setStage(
          'bridge',
          `${e.bridge}: ${e.decision}${e.outPorts.length ? ` → ${e.outPorts.join(', ')}` : ''}`,
        );
        break;
      case 'route':
        setStage(hookNow === 'PREROUTING' ? 'route-in' : 'route-out', e.decision.text);
        break;
      case 'deliver':
        setStage('local', e.to);
        break;
      case 'hook': {
        hookNow = e.hook;
        hooks[e.hook] = mark(hooks[e.hook], applied);
        if (isBridgeHook(e.hook)) lastBridgeHook = e.hook;
        else if (e.bridged) sawBrnfCall = true;
        if (applied && e.in) inDev ??= e.in;
        if (applied && e.out && !e.bridged) outDev = e.out;
        if (applied) {
          currentHook = e.hook;
          currentStage = undefined;
          currentFn = undefined;
          callingHook = !isBridgeHook(e.hook) && e.bridged ? lastBridgeHook : undefined;
        }
        break;
      }
      case 'chain': {
        // A chain the NAT core walks (the iptables nat table, an nft chain of type nat) runs
        // inside the nat function; every other chain is its own registered function.
        const own = e.family ? `${e.table} ${e.chain} ${e.hook}` : `${e.table} ${e.hook}`;
        const id = registered.has(own) ? own : `nat ${e.hook}`;
        const f = fnOf(id);
        f.status = mark(f.status, applied);
        if (applied) currentFn = id;
        break;
      }
      case 'rule':
      case 'policy': {
        if (!applied || !currentFn) break;
        const f = fnOf(currentFn);
        const fam = e.family ? { family: e.family } : {};
        const rule: RuleRef =
          e.type === 'rule'
            ? { table: e.table, chain: e.chain, rulenum: e.rulenum, text: e.text, verdict: e.verdict, ...fam }
            : {
                table: e.table,
                chain: e.chain,
                rulenum: 0,
                text: `${e.chain} policy`,
                verdict: e.policy,
                ...fam,
              };
        f.rule = rule;
        break;
      }
      case 'conntrack':
      case 'ctstate': {
        if (hookNow === undefined || isBridgeHook(hookNow)) break;
        const what =
          e.type === 'conntrack' && e.op === 'confirmed'
            ? 'confirm'
            : e.type === 'conntrack' && e.op === 'nat'
              ? 'nat'
              : 'conntrack';
        const id = `${what} ${hookNow}`;
        const f = fnOf(id);
        f.status = mark(f.status, applied);
        if (!applied) break;
        currentFn = id;
        if (e.type === 'ctstate') f.note = e.ctstate;
        else if (e.op === 'new') f.note = `new, unconfirmed · ${e.ctstate ?? 'NEW'}`;
        else if (e.op === 'confirmed') f.note = 'confirmed';
        else if (e.op === 'nat') f.note = 'binding';
        else if (e.op === 'lookup' || e.op === 'update') f.note = `found · ${e.ctstate ?? ''}`.trim();
        else f.note = e.op;
        break;
      }
      case 'rewrite': {
        if (e.what === 'ttl' || e.what === 'mac' || !e.hook) break;
        const id = `nat ${e.hook}`;
        const f = fnOf(id);
        f.status = mark(f.status, applied);
        if (applied) {
          f.note = `${e.what} → ${endpoint(e.after, rewrittenSide(e.what))}`;
          currentFn = id;
        }
        break;
      }
      case 'drop':
        if (!applied) break;
        drop = {
          where:
            currentFn ?? currentHook ?? (currentStage ? (stageText[currentStage] ?? currentStage) : hostName),
          text: e.text,
        };
        if (currentFn) fnOf(currentFn).drop = e.text;
        break;
      default:
        break;
    }
  }
  // A bridged IPv4 frame at a bridge hook that never called into an IPv4 hook: the bypass.
  const bridgedIp =
    pkt !== undefined &&
    visit.some((i) => {
      const e = events[i]!;
      return e.type === 'rcv' && e.frame.type === 0x0800;
    }) &&
    visit.some((i) => {
      const e = events[i]!;
      return e.type === 'hook' && isBridgeHook(e.hook);
    });
  if (currentHook) hooks[currentHook] = 'current';
  if (callingHook) hooks[callingHook] = 'passed';
  if (currentStage) stages[currentStage] = 'current';
  const fns = {} as Record<Hook, FnView[]>;
  for (const hook of IPV4_HOOKS) {
    const regs = host.hooks[hook];
    // In the current hook, functions before the current one ran and those after it have not
    // (all are ahead right at the hook's entry); elsewhere a function shares its hook's status,
    // since functions that log nothing (confirm of a confirmed entry) ran all the same.
    const at = hooks[hook] === 'current' ? regs.findIndex((r) => fnId(r, hook) === currentFn) : -2;
    fns[hook] = regs.map((reg, k) => {
      const id = fnId(reg, hook);
      const acc = fnAcc.get(id);
      const status: Status =
        at === -2 ? hooks[hook] : k === at ? 'current' : at >= 0 && k < at ? 'passed' : 'ahead';
      return {
        id,
        reg,
        hook,
        status,
        ...(acc?.note ? { note: acc.note } : {}),
        ...(acc?.rule ? { rule: acc.rule } : {}),
        ...(acc?.drop ? { drop: acc.drop } : {}),
      };
    });
  }
  return {
    host: hostName,
    pkt,
    hasBridge,
    callsIptables,
    bypassed: hasBridge && bridgedIp && !sawBrnfCall,
    hooks,
    stages,
    stageText,
    fns,
    currentHook,
    callingHook,
    currentFn,
    drop,
    inDev,
    outDev,
  };
}
