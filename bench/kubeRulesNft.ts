// kube-proxy (nftables mode) rulesets: what pkg/proxy/nftables/proxier.go writes for the same
// Services as kubeRules.ts, as `nft list ruleset` prints it. One verdict map (service-ips) holds
// every ClusterIP . protocol . port, so a packet's Service is one hash lookup, not a rule walk.

import { parseNft } from '../src/engine/nft/parse';
import { printRuleset } from '../src/engine/nft/print';
import { fakeHash, type KubeService, kubeServices } from './kubeRules';

export interface KubeNftOptions {
  /** The cluster's pod CIDR (kube-proxy's --cluster-cidr, detect-local). */
  readonly podCidr?: string;
  /** The Service CIDR, for cluster-ips-check's drop of unallocated ClusterIPs. */
  readonly serviceCidr?: string;
  /** Node addresses that accept NodePort traffic. */
  readonly nodeIps?: readonly string[];
  /** The port endpoints listen on. */
  readonly targetPort?: number;
}

const BASE_CHAINS = `	chain cluster-ips-check {
		ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"
		ip daddr SERVICE_CIDR drop comment "Drop traffic to unallocated ClusterIPs"
	}
	chain filter-prerouting-pre-dnat {
		type filter hook prerouting priority -110; policy accept;
		ct state new jump firewall-check
	}
	chain filter-output-pre-dnat {
		type filter hook output priority -110; policy accept;
		ct state new jump firewall-check
	}
	chain filter-forward {
		type filter hook forward priority 0; policy accept;
		ct state new jump service-endpoints-check
		ct state new jump cluster-ips-check
	}
	chain filter-input {
		type filter hook input priority 0; policy accept;
		ct state new jump nodeport-endpoints-check
		ct state new jump service-endpoints-check
	}
	chain filter-output {
		type filter hook output priority 0; policy accept;
		ct state new jump service-endpoints-check
		ct state new jump cluster-ips-check
	}
	chain firewall-check {
		ip daddr . meta l4proto . th dport vmap @firewall-ips
	}
	chain mark-for-masquerade {
		mark set mark or 0x4000
	}
	chain masquerading {
		mark and 0x4000 == 0 return
		mark set mark xor 0x4000
		masquerade fully-random
	}
	chain nat-output {
		type nat hook output priority -100; policy accept;
		jump services
	}
	chain nat-postrouting {
		type nat hook postrouting priority 100; policy accept;
		jump masquerading
	}
	chain nat-prerouting {
		type nat hook prerouting priority -100; policy accept;
		jump services
	}
	chain nodeport-endpoints-check {
		ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports
	}
	chain reject-chain {
		comment "helper for @no-endpoint-services / @no-endpoint-nodeports"
		reject
	}
	chain services {
		ip daddr . meta l4proto . th dport vmap @service-ips
		ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports
	}
	chain service-endpoints-check {
		ip daddr . meta l4proto . th dport vmap @no-endpoint-services
	}
`;

const portName = (s: KubeService) => `${s.name.replace(':', '/tcp/')}`;

/** The nftables ruleset kube-proxy writes for `svcs`, as `nft list ruleset` prints it. */
export function kubeProxyNftRuleset(svcs: readonly KubeService[], o: KubeNftOptions = {}): string {
  const podCidr = o.podCidr ?? '10.244.0.0/16';
  const targetPort = o.targetPort ?? 8080;
  const clusterIps: string[] = [];
  const serviceIps: string[] = [];
  const nodePorts: string[] = [];
  const chains: string[] = [];
  for (const s of svcs) {
    const pn = portName(s);
    const h = fakeHash(`${pn}`).slice(0, 8);
    const svcChain = `service-${h}-${pn}`;
    const eps = s.endpoints.map((e) => ({
      e,
      chain: `endpoint-${fakeHash(`${pn}${e}`).slice(0, 8)}-${pn}__${e}/${targetPort}`,
    }));
    const vmap = eps.map((x, i) => `${i} : goto ${x.chain}`).join(', ');
    chains.push(
      `\tchain ${svcChain} {\n\t\tip daddr ${s.vip} ip saddr != ${podCidr} jump mark-for-masquerade\n\t\tnumgen random mod ${eps.length} vmap { ${vmap} }\n\t}\n`,
    );
    if (s.nodePort !== undefined) {
      const ext = `external-${h}-${pn}`;
      chains.push(`\tchain ${ext} {\n\t\tjump mark-for-masquerade\n\t\tgoto ${svcChain}\n\t}\n`);
      nodePorts.push(`tcp . ${s.nodePort} : goto ${ext}`);
    }
    for (const x of eps)
      chains.push(
        `\tchain ${x.chain} {\n\t\tip saddr ${x.e} jump mark-for-masquerade\n\t\tmeta l4proto tcp dnat to ${x.e}:${targetPort}\n\t}\n`,
      );
    clusterIps.push(s.vip);
    serviceIps.push(`${s.vip} . tcp . ${s.port} : goto ${svcChain}`);
  }
  const elems = (xs: readonly string[]) => (xs.length ? `\t\telements = { ${xs.join(',\n')} }\n` : '');
  const text = `table ip kube-proxy {
	comment "rules for kube-proxy"
	set cluster-ips {
		type ipv4_addr
		comment "Active ClusterIPs"
${elems(clusterIps)}	}
	set nodeport-ips {
		type ipv4_addr
		comment "IPs that accept NodePort traffic"
${elems(o.nodeIps ?? [])}	}
	map firewall-ips {
		type ipv4_addr . inet_proto . inet_service : verdict
		comment "destinations that are subject to LoadBalancerSourceRanges"
	}
	map no-endpoint-nodeports {
		type inet_proto . inet_service : verdict
		comment "vmap to drop or reject packets to service nodeports with no endpoints"
	}
	map no-endpoint-services {
		type ipv4_addr . inet_proto . inet_service : verdict
		comment "vmap to drop or reject packets to services with no endpoints"
	}
	map service-ips {
		type ipv4_addr . inet_proto . inet_service : verdict
		comment "ClusterIP, ExternalIP and LoadBalancer IP traffic"
${elems(serviceIps)}	}
	map service-nodeports {
		type inet_proto . inet_service : verdict
		comment "NodePort traffic"
${elems(nodePorts)}	}
${BASE_CHAINS.replace('SERVICE_CIDR', o.serviceCidr ?? '10.96.0.0/12')}${chains.join('')}}
`;
  const parsed = parseNft(text);
  if (!parsed.ok)
    throw new Error(`kube-proxy nft ruleset: line ${parsed.error.line}: ${parsed.error.message}`);
  return printRuleset(parsed.ruleset);
}

/** kube-proxy's nftables ruleset for `services` ClusterIP Services (the same ones kubeRules.ts makes). */
export function generateKubeProxyNftRules(services: number, endpointsPerService = 2): string {
  return kubeProxyNftRuleset(kubeServices(services, endpointsPerService), { nodeIps: ['192.168.0.10'] });
}
