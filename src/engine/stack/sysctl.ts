// Defaults of a new network namespace on Linux 6.18 (reference §4.5–4.9, §9, §13).
export const SYSCTL_DEFAULTS: Readonly<Record<string, string>> = {
  'net.ipv4.ip_forward': '0',
  'net.ipv4.conf.all.forwarding': '0',
  'net.ipv4.conf.all.rp_filter': '0',
  'net.ipv4.conf.default.rp_filter': '0',
  'net.ipv4.conf.all.send_redirects': '1',
  'net.ipv4.conf.all.accept_local': '0',
  'net.ipv4.conf.all.route_localnet': '0',
  'net.ipv4.ip_local_port_range': '32768\t60999',
  'net.ipv4.tcp_syn_retries': '6',
  'net.ipv4.tcp_syn_linear_timeouts': '4',
  'net.bridge.bridge-nf-call-iptables': '1',
  'net.bridge.bridge-nf-call-arptables': '1',
  'net.netfilter.nf_conntrack_max': '262144',
  'net.netfilter.nf_conntrack_tcp_loose': '1',
  'net.netfilter.nf_conntrack_tcp_be_liberal': '0',
  'net.netfilter.nf_conntrack_tcp_timeout_syn_sent': '120',
  'net.netfilter.nf_conntrack_tcp_timeout_syn_recv': '60',
  'net.netfilter.nf_conntrack_tcp_timeout_established': '432000',
  'net.netfilter.nf_conntrack_tcp_timeout_fin_wait': '120',
  'net.netfilter.nf_conntrack_tcp_timeout_close_wait': '60',
  'net.netfilter.nf_conntrack_tcp_timeout_last_ack': '30',
  'net.netfilter.nf_conntrack_tcp_timeout_time_wait': '120',
  'net.netfilter.nf_conntrack_tcp_timeout_close': '10',
  'net.netfilter.nf_conntrack_tcp_timeout_max_retrans': '300',
  'net.netfilter.nf_conntrack_tcp_timeout_unacknowledged': '300',
  'net.netfilter.nf_conntrack_udp_timeout': '30',
  'net.netfilter.nf_conntrack_udp_timeout_stream': '120',
  'net.netfilter.nf_conntrack_icmp_timeout': '30',
  'net.netfilter.nf_conntrack_generic_timeout': '600',
};

/** Per-host sysctl view: scenario values over kernel defaults; `conf.<if>` falls back to `conf.default`. */
export class Sysctls {
  private readonly values: Map<string, string>;
  constructor(overrides: Readonly<Record<string, string>>) {
    this.values = new Map(Object.entries(SYSCTL_DEFAULTS));
    for (const [k, v] of Object.entries(overrides)) this.values.set(k, v);
    // ip_forward and conf.all.forwarding are one switch in the kernel.
    const fwd = overrides['net.ipv4.ip_forward'] ?? overrides['net.ipv4.conf.all.forwarding'];
    if (fwd !== undefined) {
      this.values.set('net.ipv4.ip_forward', fwd);
      this.values.set('net.ipv4.conf.all.forwarding', fwd);
    }
    this.ipForward = this.int('net.ipv4.ip_forward');
  }
  /** int('net.ipv4.ip_forward'), read by every routed packet: values never change after construction. */
  readonly ipForward: number;
  get(name: string): string | undefined {
    return this.values.get(name);
  }
  /** Sysctls do not change during a run, so parsed numbers are memoised (the packet path asks often). */
  private readonly ints = new Map<string, number>();
  int(name: string, fallback = 0): number {
    const hit = this.ints.get(name);
    if (hit !== undefined) return hit;
    const v = this.values.get(name);
    const parsed = v === undefined ? Number.NaN : Number.parseInt(v, 10);
    const n = Number.isNaN(parsed) ? fallback : parsed;
    this.ints.set(name, n);
    return n;
  }
  private readonly rp = new Map<string, number>();
  /** rp_filter in effect on a device: max(conf.all, conf.<dev>) (ip-sysctl.rst). */
  rpFilter(dev: string): number {
    const hit = this.rp.get(dev);
    if (hit !== undefined) return hit;
    const v = this.computeRpFilter(dev);
    this.rp.set(dev, v);
    return v;
  }
  private computeRpFilter(dev: string): number {
    const all = this.int('net.ipv4.conf.all.rp_filter');
    const d = this.values.has(`net.ipv4.conf.${dev}.rp_filter`)
      ? this.int(`net.ipv4.conf.${dev}.rp_filter`)
      : this.int('net.ipv4.conf.default.rp_filter');
    return Math.max(all, d);
  }
  entries(): Record<string, string> {
    return Object.fromEntries([...this.values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}
