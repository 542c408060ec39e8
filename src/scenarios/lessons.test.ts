// Every lesson of a built-in scenario walked as a learner would: each step's moment exists in
// the run it is shown on (the run changes when a hands-on step's command is applied), each
// prediction's answer is what the engine does, and a hands-on step is to do before the command
// and done after it.
import { describe, expect, it } from 'vitest';
import { resolveMoment } from '../engine/lesson/moment';
import type { Scenario } from '../engine/scenario/schema';
import { runScenario } from '../engine/sim/run';
import { formatIpv4 } from '../engine/net/ipv4';
import { taskDone } from '../ui/lesson';
import { builtinScenarios, getBuiltinScenario } from './index';

const withLessons = builtinScenarios.filter((s) => s.lessons.length > 0);

describe('built-in lessons', () => {
  it('exist for the scenarios issue 11 asks first', () => {
    expect(withLessons.map((s) => s.id)).toEqual(
      expect.arrayContaining([
        'same-bridge-hairpin',
        'host-conntrack',
        'pod-to-self-hairpin',
        'snat-gateway',
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
            scenario = { ...scenario, changes: [{ at: 0, host: st.task.host, command: st.task.command }] };
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
