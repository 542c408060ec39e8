// kube-proxy (iptables mode) rulesets in the shape of reference §7.2, for benchmarks and tests.
// Chain names are deterministic fake hashes in kube-proxy's alphabet (base32, 16 chars).

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** 16 base32 characters derived from `s` (two seeded 53-bit hashes), standing in for sha256. */
export function fakeHash(s: string): string {
  const h = (seed: number): number => {
    let a = 0xdeadbeef ^ seed;
    let b = 0x41c6ce57 ^ seed;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 2654435761);
      b = Math.imul(b ^ c, 1597334677);
    }
    a = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
    b = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
    return 4294967296 * (2097151 & b) + (a >>> 0);
  };
  let out = '';
  for (const seed of [1, 2]) {
    let v = h(seed);
    for (let i = 0; i < 8; i++) {
      out += B32[v % 32];
      v = Math.floor(v / 32);
    }
  }
  return out;
}

export interface KubeService {
  readonly name: string;
  readonly vip: string;
  readonly port: number;
  readonly nodePort?: number;
  readonly endpoints: readonly string[];
  readonly svcChain: string;
}

const ip = (a: number, b: number, c: number, d: number) => `${a}.${b}.${c}.${d}`;

export function kubeServices(services: number, endpointsPerService = 2): KubeService[] {
  const out: KubeService[] = [];
  let ep = 0;
  for (let i = 0; i < services; i++) {
    const name = `default/svc-${i}:http`;
    const endpoints: string[] = [];
    for (let k = 0; k < endpointsPerService; k++, ep++)
      endpoints.push(ip(10, 244 + (ep >> 16), (ep >> 8) & 255, ep & 255));
    out.push({
      name,
      vip: ip(10, 96, (i >> 8) & 255, i & 255),
      port: i % 3 === 0 ? 443 : 80,
      ...(i < 2000 && { nodePort: 30000 + i }),
      endpoints,
      svcChain: `KUBE-SVC-${fakeHash(`${name}tcp`)}`,
    });
  }
  return out;
}

/** iptables-save text of a node running kube-proxy with `services` ClusterIP services. */
export function generateKubeProxyRules(services: number, endpointsPerService = 2): string {
  return kubeProxyIptablesRules(kubeServices(services, endpointsPerService));
}

/** iptables-save text kube-proxy (iptables mode) writes for `svcs`, in the order it writes it. */
export function kubeProxyIptablesRules(svcs: readonly KubeService[], podCidr = '10.244.0.0/16'): string {
  const chains: string[] = ['KUBE-MARK-MASQ', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-SERVICES'];
  const rules: string[] = [
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  ];
  const services_: string[] = [];
  for (const s of svcs) {
    const h = s.svcChain.slice('KUBE-SVC-'.length);
    chains.push(s.svcChain);
    services_.push(
      `-A KUBE-SERVICES -d ${s.vip}/32 -p tcp -m comment --comment "${s.name} cluster IP" -m tcp --dport ${s.port} -j ${s.svcChain}`,
    );
    if (s.nodePort !== undefined) {
      const ext = `KUBE-EXT-${h}`;
      chains.push(ext);
      rules.push(
        `-A KUBE-NODEPORTS -p tcp -m comment --comment "${s.name}" -m tcp --dport ${s.nodePort} -j ${ext}`,
        `-A ${ext} -m comment --comment "masquerade traffic for ${s.name} external destinations" -j KUBE-MARK-MASQ`,
        `-A ${ext} -j ${s.svcChain}`,
      );
    }
    rules.push(
      `-A ${s.svcChain} ! -s ${podCidr} -d ${s.vip}/32 -p tcp -m comment --comment "${s.name} cluster IP" -m tcp --dport ${s.port} -j KUBE-MARK-MASQ`,
    );
    const n = s.endpoints.length;
    s.endpoints.forEach((e, i) => {
      const sep = `KUBE-SEP-${fakeHash(`${s.name}tcp${e}:8080`)}`;
      chains.push(sep);
      const prob = i < n - 1 ? ` -m statistic --mode random --probability ${(1 / (n - i)).toFixed(10)}` : '';
      rules.push(
        `-A ${s.svcChain} -m comment --comment "${s.name} -> ${e}:8080"${prob} -j ${sep}`,
        `-A ${sep} -s ${e}/32 -m comment --comment "${s.name}" -j KUBE-MARK-MASQ`,
        `-A ${sep} -p tcp -m comment --comment "${s.name}" -m tcp -j DNAT --to-destination ${e}:8080`,
      );
    });
  }
  services_.push(
    '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
  );
  const filter = [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':KUBE-FORWARD - [0:0]',
    '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    'COMMIT',
  ];
  const nat = [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ...chains.map((c) => `:${c} - [0:0]`),
    ...rules,
    ...services_,
    'COMMIT',
  ];
  return `${[...filter, ...nat].join('\n')}\n`;
}

/**
 * The node of same-bridge-hairpin as a kube-proxy node with `services` Services: Service 10
 * (10.96.0.10:80) has the scenario's pod-b (10.244.1.3:8080) as its one endpoint, so the
 * scenario's traffic crosses the whole ruleset. What "paste your own node" is measured with.
 */
export function hairpinKubeNode(services: number): string {
  const svcs = kubeServices(services).map((s, i) => (i === 10 ? { ...s, endpoints: ['10.244.1.3'] } : s));
  return kubeProxyIptablesRules(svcs);
}

/** An iptables-save text of exactly `n` lines (n >= 10), mostly kube-proxy-shaped rules. */
export function generateSaveLines(n: number): string {
  const head = [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':U - [0:0]',
  ];
  const lines = [...head];
  const shapes = [
    (i: number) =>
      `-A INPUT -d 10.96.${(i >> 8) & 255}.${i & 255}/32 -p tcp -m comment --comment "default/svc-${i}:http cluster IP" -m tcp --dport 80 -j U`,
    (i: number) =>
      `-A FORWARD -s 10.244.${(i >> 8) & 255}.0/24 -i cni0 ! -o cni0 -m conntrack --ctstate NEW -j ACCEPT`,
    (i: number) =>
      `-A U -m comment --comment "default/svc-${i}:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.50000000000 -j RETURN`,
    (i: number) => `-A U -p udp -m udp --dport ${1000 + (i % 5000)} -j MARK --set-xmark 0x4000/0x4000`,
    (i: number) => `-A OUTPUT -o eth${i % 4} -p tcp -m multiport --dports 80,443 -j LOG --log-prefix "out: "`,
  ];
  for (let i = 0; lines.length < n - 1; i++) lines.push(shapes[i % shapes.length]!(i));
  lines.push('COMMIT');
  return `${lines.join('\n')}\n`;
}
