// Every lesson of a built-in scenario walked as a learner would: each step's moment exists in
// the run it is shown on (the run changes when a hands-on step's command is applied), each
// prediction's answer is what the engine does, and a hands-on step is to do before the command
// and done after it.
import { describe, expect, it } from 'vitest';
import { IPS_ASSURED } from '../engine/conntrack/types';
import { resolveMoment } from '../engine/lesson/moment';
import type { Scenario } from '../engine/scenario/schema';
import { runScenario } from '../engine/sim/run';
import { formatIpv4 } from '../engine/net/ipv4';
import { taskDone } from '../ui/lesson';
import { builtinScenarios, getBuiltinScenario } from './index';

const withLessons = builtinScenarios.filter((s) => s.lessons.length > 0);

describe('built-in lessons', () => {
  it('exist for the scenarios issue 11 asks for', () => {
    expect(withLessons.map((s) => s.id)).toEqual(
      expect.arrayContaining([
        'same-bridge-hairpin',
        'host-conntrack',
        'pod-to-self-hairpin',
        'snat-gateway',
        'full-nat',
        'stateful-firewall',
        'hook-paths',
        'conntrack-table-full',
      ]),
    );
  });

  for (const sc of withLessons)
    for (const lesson of sc.lessons)
      it(`${sc.id}/${lesson.id}: every step has its moment, in English and Chinese`, () => {
        let scenario: Scenario = sc;
        let result = runScenario(scenario);
        for (const [i, st] of lesson.steps.entries()) {
          const where = `step ${i + 1}`;
          expect(st.text.en, where).not.toBe('');
          expect(st.text.zh, where).not.toBe('');
          if (st.task) {
            expect(taskDone(st.task, result.outcomes), `${where} is already done`).toBe(false);
            // As in the console: the learner's commands add up, each at the start of the run.
            scenario = {
              ...scenario,
              changes: [...scenario.changes, { at: 0, host: st.task.host, command: st.task.command }],
            };
            result = runScenario(scenario);
            expect(taskDone(st.task, result.outcomes), `${where} is not done by ${st.task.command}`).toBe(
              true,
            );
          }
          const at = resolveMoment(result.events, st.at);
          expect(at, `${where}: its moment is not in the run`).not.toBeNull();
          if (st.predict) {
            const reveal = resolveMoment(result.events, st.predict.reveal);
            expect(reveal, `${where}: the answer's moment`).not.toBeNull();
            expect(reveal!, `${where}: the answer comes after the question`).toBeGreaterThan(at!);
            expect(st.predict.why.zh).not.toBe('');
          }
        }
      });
});

describe('the predictions say what the engine does', () => {
  it('same-bridge-hairpin: the SYN-ACK reaches pod-a from 10.244.1.3, not 10.96.0.10', () => {
    const sc = getBuiltinScenario('same-bridge-hairpin')!;
    const st = sc.lessons[0]!.steps.find((s) => s.predict)!;
    expect(st.text.en).toBe(
      'pod-b answers. Will the SYN-ACK reach pod-a with its source rewritten to 10.96.0.10?',
    );
    const r = runScenario(sc);
    const e = r.events[resolveMoment(r.events, st.predict!.reveal)! - 1]!;
    expect(e.type === 'rcv' && e.frame.type === 0x0800 && formatIpv4(e.frame.ip.src)).toBe('10.244.1.3');
    expect(st.predict!.choices[st.predict!.answer]!.en).toContain('10.244.1.3:8080');
  });

  it('host-conntrack: router tracks nothing, and the SYN-ACK makes the entry SYN_RECV', () => {
    const sc = getBuiltinScenario('host-conntrack')!;
    const r = runScenario(sc);
    expect(r.events.some((e) => e.type === 'conntrack' && e.host === 'router')).toBe(false);
    const [, synAck] = sc.lessons[0]!.steps.filter((s) => s.predict);
    const e = r.events[resolveMoment(r.events, synAck!.predict!.reveal)! - 1]!;
    expect(e.type === 'conntrack' && e.entry.tcpState).toBe('SYN_RECV');
    expect(synAck!.predict!.choices[synAck!.predict!.answer]!.en).toBe('SYN_RECV');
  });

  it('pod-to-self-hairpin: without hairpin_mode the bridge drops the SYN and node confirms nothing', () => {
    const sc = getBuiltinScenario('pod-to-self-hairpin')!;
    const steps = sc.lessons[0]!.steps;
    const r = runScenario(sc);
    const st = steps.find((s) => s.predict)!;
    const e = r.events[resolveMoment(r.events, st.predict!.reveal)! - 1]!;
    expect(e.type === 'drop' && e.reason).toBe('bridge-hairpin');
    expect(r.events.some((x) => x.type === 'conntrack' && x.host === 'node' && x.op === 'confirmed')).toBe(
      false,
    );
    expect(st.predict!.choices[st.predict!.answer]!.en).toBe('No, the bridge drops it');
    // The first step points at KUBE-SEP's masquerade mark for the endpoint itself.
    const hl = steps[0]!.highlight!;
    expect(hl.kind).toBe('rule');
    const chainRules = (sc.hosts.find((h) => h.name === 'node')!.iptables_save ?? '')
      .split('\n')
      .filter((l) => hl.kind === 'rule' && l.startsWith(`-A ${hl.chain} `));
    expect(hl.kind === 'rule' && chainRules[hl.rulenum - 1]).toContain('-s 10.244.1.2/32');
  });

  it('snat-gateway: the SYN-ACK is turned back by the NAT core at PREROUTING, with no nat rule walked', () => {
    const sc = getBuiltinScenario('snat-gateway')!;
    const st = sc.lessons[0]!.steps.find((s) => s.predict)!;
    const r = runScenario(sc);
    const from = resolveMoment(r.events, st.at)!;
    const to = resolveMoment(r.events, st.predict!.reveal)!;
    const e = r.events[to - 1]!;
    expect(
      e.type === 'rewrite' &&
        e.hook === 'PREROUTING' &&
        e.after.type === 0x0800 &&
        formatIpv4(e.after.ip.dst),
    ).toBe('192.168.1.100');
    expect(r.events.slice(from, to).some((x) => x.type === 'rule' && x.table === 'nat')).toBe(false);
    expect(st.predict!.choices[st.predict!.answer]!.en).toContain('NAT core');
  });
});

describe('the predictions of the later lessons say what the engine does', () => {
  /** The run, and the event just before a step's reveal playhead. */
  const revealed = (id: string, step: number) => {
    const sc = getBuiltinScenario(id)!;
    const st = sc.lessons[0]!.steps[step]!;
    const r = runScenario(sc);
    const to = resolveMoment(r.events, st.predict!.reveal)!;
    return { r, e: r.events[to - 1]!, from: resolveMoment(r.events, st.at)!, to, st };
  };
  const answer = (st: { predict?: { choices: { en: string }[]; answer: number } }) =>
    st.predict!.choices[st.predict!.answer]!.en;

  it('stateful-firewall: rule 2 accepts the SYN-ACK, rule 3 drops the SYN, the ICMP error is RELATED', () => {
    const synAck = revealed('stateful-firewall', 2);
    expect(synAck.e.type === 'rule' && [synAck.e.rulenum, synAck.e.verdict]).toEqual([2, 'accept']);
    expect(answer(synAck.st)).toContain('Rule 2');
    const ssh = revealed('stateful-firewall', 3);
    const dropped = ssh.r.events.slice(ssh.from, ssh.to).filter((x) => x.type === 'rule');
    expect(dropped.map((x) => x.type === 'rule' && [x.chain, x.rulenum, x.verdict])).toEqual([
      ['INPUT', 3, 'drop'],
    ]);
    expect(answer(ssh.st)).toContain('rule 3');
    const icmp = revealed('stateful-firewall', 5);
    const ct = icmp.r.events.slice(icmp.from, icmp.to).find((x) => x.type === 'conntrack')!;
    expect(ct.type === 'conntrack' && [ct.ctstate, ct.entry.orig.proto]).toEqual(['RELATED', 17]);
    expect(icmp.e.type === 'rule' && [icmp.e.rulenum, icmp.e.verdict]).toEqual([2, 'accept']);
    expect(answer(icmp.st)).toContain('RELATED');
  });

  it('full-nat: backend sees 10.2.2.1; the reply is un-SNATed at PREROUTING, then un-DNATed at POSTROUTING', () => {
    const snat = revealed('full-nat', 2);
    expect(snat.e.type === 'rewrite' && snat.e.after.type === 0x0800 && formatIpv4(snat.e.after.ip.src)).toBe(
      '10.2.2.1',
    );
    expect(answer(snat.st)).toContain('10.2.2.1');
    const back = revealed('full-nat', 4);
    const rewrites = back.r.events
      .slice(back.from, back.to)
      .filter((x) => x.type === 'rewrite' && x.what !== 'ttl' && x.what !== 'mac')
      .map((x) => x.type === 'rewrite' && `${x.what}@${x.hook}`);
    expect(rewrites).toEqual(['un-SNAT@PREROUTING', 'un-DNAT@POSTROUTING']);
    expect(answer(back.st)).toMatch(/^Destination at PREROUTING/);
  });

  it('hook-paths: the ping to its own address leaves by lo; the SYN passes OUTPUT and POSTROUTING only; INPUT confirms', () => {
    const ping = revealed('hook-paths', 1);
    expect(ping.e.type === 'xmit' && ping.e.dev).toBe('lo');
    expect(answer(ping.st)).toBe('lo');
    const syn = revealed('hook-paths', 3);
    const hooks = syn.r.events
      .slice(syn.from, syn.to)
      .filter(
        (x) =>
          x.type === 'hook' && x.host === 'host' && 'pkt' in x && x.pkt === (syn.e as { pkt: number }).pkt,
      )
      .map((x) => x.type === 'hook' && x.hook);
    expect(hooks).toEqual(['OUTPUT', 'POSTROUTING']);
    expect(answer(syn.st)).toBe('OUTPUT and POSTROUTING');
    const conf = revealed('hook-paths', 5);
    const lastHook = conf.r.events
      .slice(0, conf.to)
      .filter((x) => x.type === 'hook' && x.host === 'host')
      .at(-1)!;
    expect(lastHook.type === 'hook' && lastHook.hook).toBe('INPUT');
    expect(answer(conf.st)).toBe('INPUT');
  });
});

describe('the masquerade hands-on', () => {
  it('same-bridge-hairpin: masquerading pod-to-pod traffic on node makes it work with the sysctl still 0', () => {
    const sc = getBuiltinScenario('same-bridge-hairpin')!;
    const lesson = sc.lessons.find((l) => l.id === 'masquerade-hairpin')!;
    const task = lesson.steps.find((s) => s.task)!.task!;
    expect(task.command).toMatch(/^iptables -t nat -A POSTROUTING .* -j MASQUERADE$/);
    const r = runScenario({ ...sc, changes: [{ at: 0, host: task.host, command: task.command }] });
    expect(r.outcomes.every((o) => o.ok)).toBe(true);
    // The reply is addressed to node, so it meets conntrack without br_netfilter: un-SNAT, then un-DNAT.
    const back = r.events
      .filter((e) => e.type === 'rewrite' && e.host === 'node' && e.what.startsWith('un-'))
      .map((e) => e.type === 'rewrite' && `${e.what}@${e.hook}`);
    expect(back.slice(0, 2)).toEqual(['un-SNAT@PREROUTING', 'un-DNAT@POSTROUTING']);
  });
});

describe('the table-full lesson says what the engine does', () => {
  it('conntrack-table-full: the second query assures the entry; with eight assured entries the new flow is dropped at PREROUTING, before any rule', () => {
    const sc = getBuiltinScenario('conntrack-table-full')!;
    const steps = sc.lessons[0]!.steps;
    const r = runScenario(sc);
    const at = (m: Parameters<typeof resolveMoment>[1]) => resolveMoment(r.events, m)!;
    const assured = r.events[at(steps[2]!.predict!.reveal) - 1]!;
    expect(assured.type === 'conntrack' && (assured.entry.status & IPS_ASSURED) !== 0).toBe(true);
    expect(steps[2]!.predict!.choices[steps[2]!.predict!.answer]!.en).toContain('[ASSURED]');
    const full = steps[4]!;
    const from = at(full.at);
    const to = at(full.predict!.reveal);
    const drop = r.events[to - 1]!;
    expect(drop.type === 'drop' && [drop.host, drop.reason]).toEqual(['server', 'ct-table-full']);
    // No early drop could make room, and no rule saw the packet.
    const between = r.events.slice(from, to);
    expect(between.some((e) => e.type === 'conntrack' && e.op === 'early-drop')).toBe(false);
    expect(between.some((e) => e.type === 'rule')).toBe(false);
    expect(between.filter((e) => e.type === 'hook').map((e) => e.type === 'hook' && e.hook)).toEqual([
      'PREROUTING',
    ]);
    expect(full.predict!.choices[full.predict!.answer]!.en).toBe('conntrack drops it at PREROUTING');
  });
});
