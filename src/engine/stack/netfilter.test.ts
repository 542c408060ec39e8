import { describe, expect, it } from 'vitest';
import hairpin from '../../scenarios/same-bridge-hairpin.json';
import { parseScenario } from '../scenario/load';
import { runScenario } from '../sim/run';

const scenario = (() => {
  const r = parseScenario(hairpin, 'same-bridge-hairpin.json');
  if (!r.ok) throw new Error(r.error);
  return r.scenario;
})();

const names = (fns: readonly { name: string; priority: number }[]) =>
  fns.map((f) => `${f.name} ${f.priority}`);

describe('hook registrations in the run result', () => {
  const hosts = new Map(runScenario(scenario).hosts.map((h) => [h.name, h]));

  it('a namespace with nat and filter tables gets conntrack, nat and confirm, in priority order', () => {
    const node = hosts.get('node')!.hooks;
    expect(names(node.PREROUTING)).toEqual(['conntrack -200', 'nat -100']);
    expect(names(node.FORWARD)).toEqual(['filter 0']);
    expect(names(node.POSTROUTING)).toEqual(['nat 100', 'confirm 2147483647']);
    expect(names(node.INPUT)).toEqual(['filter 0', 'nat 100', 'confirm 2147483647']);
    expect(names(node.OUTPUT)).toEqual(['conntrack -200', 'nat -100', 'filter 0']);
  });

  it('a namespace without rules registers nothing, not even conntrack', () => {
    const podA = hosts.get('pod-a')!.hooks;
    for (const list of Object.values(podA)) expect(list).toEqual([]);
  });
});

describe('hook registrations with kube-proxy in nftables mode', () => {
  const node = runScenario(scenario, { settings: { 'node:kube-proxy-mode': 'nftables' } }).hosts.find(
    (h) => h.name === 'node',
  )!.hooks;

  it('lists nft base chains as <table> <chain>, by priority, nat chains inside the NAT core', () => {
    const pre = node.PREROUTING.map((f) => `${f.kind} ${f.name} ${f.priority}`);
    expect(pre).toContain('conntrack conntrack -200');
    expect(pre).toContain('nat nat -100');
    expect(pre.some((x) => x.startsWith('nft-chain kube-proxy '))).toBe(true);
    expect(pre.some((x) => x.includes('nat-prerouting'))).toBe(false);
    const prios = node.PREROUTING.map((f) => f.priority);
    expect(prios).toEqual([...prios].sort((a, b) => a - b));
  });
});
