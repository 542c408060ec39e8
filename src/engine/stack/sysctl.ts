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
  'net.netfilter.nf_conntrack_tcp_max_retrans': '3',
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

// What `sysctl -w` accepts, as Linux 6.18 answers in a child namespace (HZ=250). A value it
// refuses gets its message: `sysctl: setting key "<name>": Invalid argument`. Integers are
// read as proc_dointvec reads them: leading blanks, an optional '-', decimal, 0x hex or
// 0-octal, then a blank or the end (the rest is ignored). Names the model does not know are
// passed through unchecked.

const INT_MAX = 2_147_483_647;
/** proc_dointvec_jiffies: seconds × HZ must fit an int. */
const JIFFIES_MAX = Math.floor(INT_MAX / 250);

/** [min, max] per sysctl; absent: any int. */
const RANGES: ReadonlyMap<string, readonly [number, number]> = new Map([
  ['net.ipv4.tcp_syn_retries', [1, 127]],
  ['net.ipv4.tcp_syn_linear_timeouts', [0, 127]],
  ['net.netfilter.nf_conntrack_tcp_loose', [0, 1]],
  ['net.netfilter.nf_conntrack_tcp_be_liberal', [0, 1]],
]);

const CONF_INT =
  /^net\.ipv4\.conf\.[^.]+\.(rp_filter|forwarding|send_redirects|accept_local|route_localnet)$/;

/** A kernel int at the start of `text`, or undefined when the kernel says EINVAL. */
function kernelInt(text: string): number | undefined {
  const m = /^[ \t\n]*(-?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)(?:[ \t\n]|$)/.exec(text);
  if (!m) return undefined;
  const digits = m[2]!;
  const n = /^0[xX]/.test(digits)
    ? Number.parseInt(digits.slice(2), 16)
    : digits.length > 1 && digits[0] === '0'
      ? Number.parseInt(digits, 8)
      : Number(digits);
  const v = m[1] ? -n : n;
  return v >= -INT_MAX - 1 && v <= INT_MAX ? v : undefined;
}

/** The value as the kernel stores it (decimal), or the kernel's refusal. */
export function checkSysctl(name: string, value: string): string | { error: string } {
  const refused = { error: `sysctl: setting key "${name}": Invalid argument` };
  if (name === 'net.ipv4.ip_local_port_range') {
    // Two ints, ip_unprivileged_port_start (1024) <= low <= high <= 65535.
    const m = /^[ \t\n]*(\S+)[ \t\n]+(\S+)/.exec(value);
    const lo = m ? kernelInt(m[1]!) : undefined;
    const hi = m ? kernelInt(m[2]!) : undefined;
    if (lo === undefined || hi === undefined || lo < 1024 || hi > 65535 || lo > hi) return refused;
    return `${lo}\t${hi}`;
  }
  const known = Object.hasOwn(SYSCTL_DEFAULTS, name) || CONF_INT.test(name);
  if (!known) return value;
  const v = kernelInt(value);
  if (v === undefined) return refused;
  const range = RANGES.get(name);
  if (range && (v < range[0] || v > range[1])) return refused;
  if (/^net\.netfilter\.nf_conntrack_.*timeout/.test(name) && Math.abs(v) > JIFFIES_MAX) return refused;
  // br_netfilter stores !!value: `sysctl -w net.bridge.bridge-nf-call-iptables=5` reads back 1.
  if (name.startsWith('net.bridge.bridge-nf-call-')) return v === 0 ? '0' : '1';
  return String(v);
}

/** Per-host sysctl view: scenario values over kernel defaults; `conf.<if>` falls back to `conf.default`. */
export class Sysctls {
  private readonly values: Map<string, string>;
  constructor(overrides: Readonly<Record<string, string>>) {
    this.values = new Map(Object.entries(SYSCTL_DEFAULTS));
    for (const [k, v] of Object.entries(overrides)) {
      const c = checkSysctl(k, v);
      // Refused values never get here from a loaded scenario (load.ts checks); keep the default if one does.
      if (typeof c === 'string') this.values.set(k, c);
    }
    // ip_forward and conf.all.forwarding are one switch in the kernel.
    const fwd = Object.hasOwn(overrides, 'net.ipv4.ip_forward')
      ? this.values.get('net.ipv4.ip_forward')
      : Object.hasOwn(overrides, 'net.ipv4.conf.all.forwarding')
        ? this.values.get('net.ipv4.conf.all.forwarding')
        : undefined;
    if (fwd !== undefined) {
      this.values.set('net.ipv4.ip_forward', fwd);
      this.values.set('net.ipv4.conf.all.forwarding', fwd);
    }
    this.ipForward = this.int('net.ipv4.ip_forward');
  }
  /** int('net.ipv4.ip_forward'), read by every routed packet (kept in step by `set`). */
  ipForward: number;
  get(name: string): string | undefined {
    return this.values.get(name);
  }
  /**
   * `sysctl -w` during a run (a scenario's `changes`): the memoised numbers are dropped, and
   * ip_forward and conf.all.forwarding stay one switch as in the kernel.
   */
  set(name: string, value: string): void {
    this.values.set(name, value);
    if (name === 'net.ipv4.ip_forward' || name === 'net.ipv4.conf.all.forwarding') {
      this.values.set('net.ipv4.ip_forward', value);
      this.values.set('net.ipv4.conf.all.forwarding', value);
    }
    this.ints.clear();
    this.rp.clear();
    this.ipForward = this.int('net.ipv4.ip_forward');
  }
  /** Sysctls change only through `set`, so parsed numbers are memoised (the packet path asks often). */
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
