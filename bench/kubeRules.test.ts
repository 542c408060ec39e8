import { describe, expect, it } from 'vitest';
import { createIptables, formatIptablesSave, parseIptablesSave } from '../src/engine/iptables';
import { makeCtx, tcpPacket } from '../src/engine/iptables/testCtx';
import { ipv4 } from '../src/engine/net/ipv4';
import { fakeHash, generateKubeProxyRules, generateSaveLines, kubeServices } from './kubeRules';

describe('generateKubeProxyRules', () => {
  const text = generateKubeProxyRules(300, 3);
  const parsed = parseIptablesSave(text, 'gen');

  it('is canonical iptables-save text', () => {
    if (!parsed.ok) throw new Error(`${parsed.error.line}: ${parsed.error.message}`);
    const again = formatIptablesSave(parsed.ruleset);
    const reparsed = parseIptablesSave(again, 'again');
    expect(reparsed.ok && formatIptablesSave(reparsed.ruleset)).toBe(again);
    expect(again).toContain('-m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-');
  });

  it('DNATs a ClusterIP packet to one of its endpoints, identically with and without the index', () => {
    if (!parsed.ok) throw new Error(parsed.error.message);
    const svc = kubeServices(300, 3)[123]!;
    for (const naive of [false, true]) {
      const ipt = createIptables(parsed.ruleset, { naive });
      const ctx = makeCtx(tcpPacket('10.244.9.9', 40000, svc.vip, svc.port), { random: () => 0.9 });
      const v = ipt.runTable('nat', 'PREROUTING', ctx);
      expect(v.nat?.target).toBe('DNAT');
      expect(v.nat?.range.minIp).toBe(ipv4(svc.endpoints[2]!));
      expect(v.nat?.range.minPort).toBe(8080);
    }
  });

  it('names chains with 16 base32 characters, without collisions', () => {
    const names = new Set(Array.from({ length: 20000 }, (_, i) => fakeHash(`svc-${i}`)));
    expect(names.size).toBe(20000);
    expect([...names][0]).toMatch(/^[A-Z2-7]{16}$/);
  });

  it('generateSaveLines gives exactly n lines that parse', () => {
    const t = generateSaveLines(1000);
    expect(t.split('\n').length - 1).toBe(1000);
    expect(parseIptablesSave(t, 'g').ok).toBe(true);
  });
});
