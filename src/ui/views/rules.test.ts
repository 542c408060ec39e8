import { describe, expect, it } from 'vitest';
import { runScenario } from '../../engine/index';
import { hostViews } from '../../engine/timeline/views';
import { builtinScenarios } from '../../scenarios/index';
import { nftRuleLine, ruleLine } from './Rules';

const save = [
  '*filter',
  ':FORWARD ACCEPT [4:240]',
  '[4:240] -A FORWARD -j KUBE-FORWARD',
  'COMMIT',
  '*nat',
  ':PREROUTING ACCEPT [0:0]',
  ':KUBE-SEP-X - [0:0]',
  '[1:60] -A KUBE-SEP-X -s 10.244.1.3/32 -j KUBE-MARK-MASQ',
  '[1:60] -A KUBE-SEP-X -p tcp -j DNAT --to-destination 10.244.1.3:8080',
  'COMMIT',
].join('\n');

describe('ruleLine', () => {
  it('finds a rule by table, chain and position, and a policy by its chain line', () => {
    expect(ruleLine(save, 'nat', 'KUBE-SEP-X', 2)).toBe(8);
    expect(ruleLine(save, 'filter', 'FORWARD', 1)).toBe(2);
    expect(ruleLine(save, 'nat', 'PREROUTING', 0)).toBe(5);
    expect(ruleLine(save, 'filter', 'KUBE-SEP-X', 1)).toBe(-1);
  });
});

describe('nftRuleLine', () => {
  it('finds every rule a packet matched in nft list ruleset, in kube-proxy nftables mode', () => {
    const s = builtinScenarios.find((x) => x.id === 'iptables-vs-nftables')!;
    const r = runScenario(s, {});
    const text = hostViews(r, r.events.length).hosts['node-nft']!.nft;
    const lines = text.split('\n');
    let n = 0;
    for (const e of r.events) {
      if (e.type === 'policy' && e.family) {
        const k = nftRuleLine(text, e.family, e.table, e.chain, 0);
        expect(lines[k], `${e.chain} policy`).toMatch(/^\t\ttype .*policy /);
      }
      if (e.type !== 'rule' || !e.family) continue;
      const k = nftRuleLine(text, e.family, e.table, e.chain, e.rulenum);
      // The printed line adds the counter statement's current figures.
      const printed = lines[k]?.trim().replace(/ counter packets \d+ bytes \d+/, '');
      expect(printed, `${e.chain} #${e.rulenum}`).toBe(e.text.replace(/ counter packets \d+ bytes \d+/, ''));
      n++;
    }
    expect(n).toBeGreaterThan(5);
    expect(nftRuleLine(text, 'inet', 'kube-proxy', 'services', 1)).toBe(-1);
    expect(nftRuleLine(text, 'ip', 'kube-proxy', 'no-such-chain', 1)).toBe(-1);
  });
});
