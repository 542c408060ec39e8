import { performance } from 'node:perf_hooks';
import { parseNft } from '../src/engine/nft/parse';
import { run } from './kubeBench';
import { generateKubeProxyNftRules } from './kubeRulesNft';

// kube-proxy in nftables mode: first packets of new connections through the whole node path
// (conntrack, the nat chains with their verdict-map dispatch, the DNAT binding, routing,
// forward, masquerading check, confirm) with 100, 1,000 and 10,000 Services of 2 endpoints,
// each packet a fresh connection to a Service picked at random (per CPU second, kubeBench.ts's
// run(), the same node path for every size); and parsing the 10,000-Service ruleset.

export function benchNft(): {
  nft_node_new_conns_per_s_100: number;
  nft_node_new_conns_per_s_1k: number;
  nft_node_new_conns_per_s_10k: number;
  nft_parse_ms_10k_services: number;
} {
  // Best of three: the machine is shared, and a slower run says more about the neighbours.
  const rate = (services: number): number => {
    const rules = generateKubeProxyNftRules(services, 2);
    run(rules, false, 20_000, true, services); // warm-up
    let best = 0;
    for (let i = 0; i < 3; i++) best = Math.max(best, run(rules, false, 60_000, true, services));
    return Math.round(best);
  };
  const text = generateKubeProxyNftRules(10_000, 2);
  parseNft(text); // warm-up
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = parseNft(text);
    best = Math.min(best, performance.now() - t0);
    if (!r.ok) throw new Error(`line ${r.error.line}: ${r.error.message}`);
  }
  return {
    nft_node_new_conns_per_s_100: rate(100),
    nft_node_new_conns_per_s_1k: rate(1_000),
    nft_node_new_conns_per_s_10k: rate(10_000),
    nft_parse_ms_10k_services: Math.round(best * 10) / 10,
  };
}
