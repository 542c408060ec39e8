import { describe, expect, it } from 'vitest';
import { hairpinKubeNode } from '../../../bench/kubeRules';
import { builtinScenarios } from '../../scenarios/index';
import { runScenario } from '../sim/run';
import { hostRulesText, hostViews } from './views';

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
    expect(node.rulesOutline).toEqual({ save: true, tables: ['filter', 'nat'], nft: false });
    expect(node.conntrack).toEqual(full.hosts.node!.conntrack);
    expect(hostRulesText(r.result, at, 'node', 'save')).toBe(full.hosts.node!.iptablesSave);
    expect(hostRulesText(r.result, at, 'node', 'nat')).toBe(
      full.hosts.node!.iptablesList.find((x) => x.table === 'nat')!.text,
    );
    // Below the bound nothing changes.
    expect(hostViews(r.result, at, { outlineOver: 1_000_000 })).toEqual(full);
    expect(out.hosts['pod-a']).toEqual(full.hosts['pod-a']);
  });
});
