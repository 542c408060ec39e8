import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../engine/scenario/load';
import { runScenario } from '../../engine/sim/run';
import hairpin from '../../scenarios/same-bridge-hairpin.json';
import { indexTimeline } from '../timeline';
import { pipelineModel } from './pipelineModel';

function run(brnf: '0' | '1') {
  const r = parseScenario(hairpin, 'same-bridge-hairpin.json');
  if (!r.ok) throw new Error(r.error);
  const result = runScenario(r.scenario, { settings: { 'node:net.bridge.bridge-nf-call-iptables': brnf } });
  return { result, index: indexTimeline(result.events) };
}

/** The playhead just after the first SYN-ACK (from pod-b) leaves node through a bridge port. */
function synAckOnNode(r: ReturnType<typeof run>) {
  const ev = r.result.events;
  const i = ev.findIndex(
    (e) =>
      e.type === 'rcv' &&
      e.host === 'node' &&
      e.frame.type === 0x0800 &&
      e.frame.ip.l4.proto === 6 &&
      (e.frame.ip.l4.flags & 0x12) === 0x12,
  );
  const e = ev[i]! as { pkt: number };
  const last = r.index.eventsOf
    .get(e.pkt)!
    .filter((j) => ev[j]!.host === 'node')
    .at(-1)!;
  return { pkt: e.pkt, at: last + 1 };
}

describe('pipelineModel', () => {
  it('with bridge-nf-call-iptables=0 the bridged SYN-ACK bypasses every IPv4 hook', () => {
    const r = run('0');
    const { pkt, at } = synAckOnNode(r);
    const m = pipelineModel(r.result, r.index, 'node', pkt, at);
    expect(m.bypassed).toBe(true);
    expect(m.hooks.BR_PRE_ROUTING).toBe('passed');
    expect(m.hooks.BR_FORWARD).toBe('passed');
    for (const h of ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'] as const)
      expect(m.hooks[h]).toBe('idle');
  });

  it('with 1 br_netfilter runs PREROUTING, FORWARD and POSTROUTING, and conntrack finds the entry', () => {
    const r = run('1');
    const { pkt, at } = synAckOnNode(r);
    const m = pipelineModel(r.result, r.index, 'node', pkt, at);
    expect(m.bypassed).toBe(false);
    expect([m.hooks.PREROUTING, m.hooks.FORWARD, m.hooks.POSTROUTING]).toEqual([
      'passed',
      'passed',
      'passed',
    ]);
    expect(m.hooks.INPUT).toBe('idle');
    const ct = m.fns.PREROUTING.find((f) => f.id === 'conntrack PREROUTING')!;
    expect(ct.note).toMatch(/^found/);
    expect(m.fns.POSTROUTING.find((f) => f.id === 'nat POSTROUTING')?.note).toBe('un-DNAT → 10.96.0.10:80');
  });
});

describe('pipelineModel with nft base chains', () => {
  it('names each base chain <table> <chain> <HOOK> and puts nat chains on nat <HOOK>', () => {
    const r = parseScenario(hairpin, 'same-bridge-hairpin.json');
    if (!r.ok) throw new Error(r.error);
    const result = runScenario(r.scenario, { settings: { 'node:kube-proxy-mode': 'nftables' } });
    const index = indexTimeline(result.events);
    const at = result.events.findIndex((e) => e.type === 'rewrite' && e.what === 'DNAT');
    const pkt = (result.events[at] as { pkt: number }).pkt;
    const m = pipelineModel(result, index, 'node', pkt, at + 1);
    const ids = m.fns.PREROUTING.map((f) => f.id);
    expect(ids.some((id) => /^kube-proxy \S+ PREROUTING$/.test(id))).toBe(true);
    expect(m.currentFn).toBe('nat PREROUTING');
    expect(m.fns.PREROUTING.find((f) => f.id === 'nat PREROUTING')?.note).toBe('DNAT → 10.244.1.3:8080');
  });
});
