import { describe, expect, it } from 'vitest';
import { hairpinKubeNode } from '../../../bench/kubeRules';
import { builtinScenarios } from '../../scenarios/index';
import { runScenario } from '../sim/run';
import { ruleLine } from './ruleLine';
import { hostRulesLines, hostRulesText, hostViews } from './views';

describe('hostViews of a long ruleset', () => {
  it('outlines it above outlineOver and prints each text on demand, the same as in full', () => {
    const base = builtinScenarios.find((s) => s.id === 'same-bridge-hairpin')!;
    const rules = hairpinKubeNode(300);
    const scenario = {
      ...base,
      hosts: base.hosts.map((h) => (h.name === 'node' ? { ...h, iptables_save: rules } : h)),
    };
    const r = { result: runScenario(scenario) };
    const at = r.result.events.length;
    const full = hostViews(r.result, at);
    const out = hostViews(r.result, at, { outlineOver: 1000 });
    const node = out.hosts.node!;
    expect(node).toMatchObject({ iptablesSave: '', iptablesList: [], nft: '' });
    expect(node.rulesOutline).toEqual({ save: true, tables: ['filter', 'nat'], nft: true });
    expect(node.conntrack).toEqual(full.hosts.node!.conntrack);
    expect(hostRulesText(r.result, at, 'node', 'save')).toBe(full.hosts.node!.iptablesSave);
    expect(hostRulesText(r.result, at, 'node', 'nat')).toBe(
      full.hosts.node!.iptablesList.find((x) => x.table === 'nat')!.text,
    );
    // Line by line, printed when asked, the same texts, at every moment (counters change).
    for (const i of [0, Math.floor(at / 2), at])
      for (const view of ['save', 'filter', 'nat'] as const) {
        const l = hostRulesLines(r.result, i, 'node', view);
        const lines = Array.from({ length: l.length }, (_, k) => l.line(k));
        expect(`${lines.join('\n')}\n`).toBe(hostRulesText(r.result, i, 'node', view));
      }
    const save = hostRulesText(r.result, at, 'node', 'save');
    const l = hostRulesLines(r.result, at, 'node', 'save');
    for (const [table, chain, n] of [
      ['nat', 'KUBE-SERVICES', 0],
      ['nat', 'KUBE-SERVICES', 7],
      ['nat', 'POSTROUTING', 1],
      ['filter', 'FORWARD', 2],
      ['nat', 'KUBE-SERVICES', 100_000],
      ['nat', 'NO-SUCH', 1],
    ] as const)
      expect(l.find({ table, chain, rulenum: n })).toBe(ruleLine(save, table, chain, n));
    // Below the bound nothing changes.
    expect(hostViews(r.result, at, { outlineOver: 1_000_000 })).toEqual(full);
    expect(out.hosts['pod-a']).toEqual(full.hosts['pod-a']);
  });
});
