import { describe, expect, it } from 'vitest';
import bridgeCase from '../../../parity/cases/nft-bridge.json?raw';
import { parseScenarioText, runScenario } from '..';
import type { TimelineEvent } from '../timeline/events';

// nft `bridge` tables at the bridge hooks, around br_netfilter, as Linux 6.18 ran them (nft
// monitor trace in namespaces, a bridge with two veth ports, bridge-nf-call-iptables=1):
//   bridge pre (filter) -> ip mangle PREROUTING -> bridge pre-late (100)
//   -> bridge fw (filter) -> ip mangle/filter FORWARD -> bridge fw-late (100)
//   -> bridge post (filter) -> ip mangle POSTROUTING (br_nf_post_routing is at INT_MAX)
// A drop in the bridge forward chain ends the frame before IPv4 FORWARD sees it; a frame for
// the host meets BR_LOCAL_IN after BR_PRE_ROUTING, the host's answer BR_LOCAL_OUT after IPv4
// POSTROUTING. The parity case parity/cases/nft-bridge.json replays the same on the kernel.

const parsed = parseScenarioText(bridgeCase, 'nft-bridge.json');
if (!parsed.ok) throw new Error(parsed.error);
const r = runScenario(parsed.scenario);

function chainsOf(pkt: number): string[] {
  return r.events
    .filter((e): e is TimelineEvent & { type: 'chain' } => e.type === 'chain' && e.pkt === pkt)
    .map((e) => `${e.family === 'bridge' ? 'bridge ' : ''}${e.table} ${e.chain}`);
}

function firstSynTo(port: number): number {
  const e = r.events.find(
    (x) =>
      x.type === 'rcv' &&
      x.host === 'node' &&
      x.frame.type === 0x0800 &&
      x.frame.ip.l4.proto === 6 &&
      x.frame.ip.l4.dport === port,
  ) as (TimelineEvent & { pkt: number }) | undefined;
  return e!.pkt;
}

describe('nft bridge tables at the bridge hooks', () => {
  it('a bridged SYN walks the bridge chains around the IPv4 ones, by priority', () => {
    expect(chainsOf(firstSynTo(8080))).toEqual([
      'bridge lab pre',
      'mangle PREROUTING',
      'bridge lab pre-late',
      'bridge lab fw',
      'mangle FORWARD',
      'filter FORWARD',
      'bridge lab fw-late',
      'bridge lab post',
      'mangle POSTROUTING',
    ]);
  });

  it('the bridge forward chain drops tcp dport 9 before IPv4 FORWARD, and the connect times out', () => {
    const pkt = firstSynTo(9);
    expect(chainsOf(pkt)).toEqual([
      'bridge lab pre',
      'mangle PREROUTING',
      'bridge lab pre-late',
      'bridge lab fw',
    ]);
    const drop = r.events.find((e) => e.type === 'drop' && e.pkt === pkt);
    expect(drop).toMatchObject({ reason: 'rule', text: 'dropped by lab fw BR_FORWARD' });
    expect(r.outcomes[1]!.line).toMatch(/tcp failed: timed out/);
    expect(r.outcomes[0]!.line).toMatch(/tcp ok/);
  });

  it('a SYN to the node meets BR_LOCAL_IN, its RST BR_LOCAL_OUT after IPv4 POSTROUTING', () => {
    expect(chainsOf(firstSynTo(80))).toEqual([
      'bridge lab pre',
      'mangle PREROUTING',
      'bridge lab pre-late',
      'bridge lab local-in',
      'mangle INPUT',
      'filter INPUT',
    ]);
    const rst = r.events.find(
      (e) =>
        e.type === 'packet' &&
        e.host === 'node' &&
        e.frame.type === 0x0800 &&
        e.frame.ip.l4.proto === 6 &&
        e.frame.ip.l4.sport === 80,
    ) as TimelineEvent & { pkt: number };
    expect(chainsOf(rst.pkt)).toEqual([
      'mangle OUTPUT',
      'filter OUTPUT',
      'mangle POSTROUTING',
      'bridge lab local-out',
      'bridge lab post',
    ]);
    expect(r.outcomes[2]!.line).toMatch(/connection refused/);
  });
});
