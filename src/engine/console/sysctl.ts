import { SYSCTL_NETNS } from './sysctlNetns';
import { type CommandOutput, err, lines, out } from './output';
import type { ConsoleHost } from './state';

// procps-ng `sysctl`. `sysctl -a` prints the `net.` tree of a namespace: the keys a fresh one
// has on Linux 6.18 with their defaults (sysctlNetns.ts, captured by parity/sysctlCapture.ts),
// a device's keys for each of the host's devices, and the values the model holds (its defaults,
// the scenario's, the changes') over them. The rest of a real `sysctl -a` (kernel., vm., fs.,
// ...) is the machine's, not the namespace's, and is left out, as are the net. keys whose
// values the machine's memory sizes (hash tables, buffer limits) or its own configuration sets.

/** Values the machine decides (RAM-sized tables and buffers, global settings): not printed. */
export const MACHINE =
  /^net\.(core\.(rmem|wmem)_(default|max)|ipv4\.(tcp_ehash_entries|udp_hash_entries|tcp_max_syn_backlog|tcp_max_tw_buckets|tcp_rmem|tcp_wmem)|netfilter\.(nf_conntrack_buckets|nf_conntrack_expect_max))$/;

/** The captured namespace's devices besides `lo`: eth0's keys stand for any device's. */
const CAPTURED_DEVICES = /\.(eth0|eth1|br0)\./;

const fresh: { base: [string, string][]; device: [string, string][] } = (() => {
  const base: [string, string][] = [];
  const device: [string, string][] = [];
  for (const line of SYSCTL_NETNS.split('\n')) {
    const eq = line.indexOf(' = ');
    const kv: [string, string] =
      eq < 0 ? [line.replace(/ =$/, ''), ''] : [line.slice(0, eq), line.slice(eq + 3)];
    if (MACHINE.test(kv[0])) continue;
    if (kv[0].includes('.eth0.')) device.push(kv);
    else if (!CAPTURED_DEVICES.test(kv[0])) base.push(kv);
  }
  return { base, device };
})();

/** Every readable key and its value at that point, sorted as `sysctl -a` prints them. */
export function sysctlValues(h: ConsoleHost): Map<string, string> {
  const all = new Map<string, string>(fresh.base);
  const modelled = h.host.sysctl.entries();
  for (const dev of h.host.ifaces.keys()) {
    if (dev === 'lo') continue;
    for (const [k, v] of fresh.device) {
      const key = k.replace('.eth0.', `.${dev}.`);
      // A device's conf starts as a copy of conf.default.
      const dflt = modelled[k.replace('.eth0.', '.default.')];
      all.set(key, key.startsWith('net.ipv4.conf.') && dflt !== undefined ? dflt : v);
    }
  }
  for (const [k, v] of Object.entries(modelled)) all.set(k, v);
  // ip_forward is conf.all.forwarding: writing it sets every device's and the default's
  // forwarding, and all.accept_redirects to its opposite (devinet's inet_forward_change). A key
  // the host's configuration names itself keeps its own value.
  const fwd = modelled['net.ipv4.ip_forward'];
  if (fwd !== undefined && fwd !== '0') {
    const own = h.spec.sysctls;
    for (const k of all.keys())
      if (/^net\.ipv4\.conf\.[^.]+\.forwarding$/.test(k) && own[k] === undefined) all.set(k, '1');
    if (own['net.ipv4.conf.all.accept_redirects'] === undefined)
      all.set('net.ipv4.conf.all.accept_redirects', '0');
  }
  return new Map([...all].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `net/ipv4/ip_forward` and `net.ipv4.ip_forward` name the same key. */
export function sysctlKey(arg: string): string {
  return arg.includes('/') ? arg.replace(/^\/?(proc\/sys\/)?/, '').replaceAll('/', '.') : arg;
}

export function sysctlCommand(h: ConsoleHost, args: readonly string[]): CommandOutput {
  let valueOnly = false;
  let all = false;
  const keys: string[] = [];
  for (const a of args) {
    if (a === '-n' || a === '--values') valueOnly = true;
    else if (a === '-a' || a === '-A' || a === '-X' || a === '--all') all = true;
    else if (a === '-q' || a === '--quiet') continue;
    else if (a.startsWith('-') && a !== '-w' && a !== '--write')
      return err(`sysctl: invalid option -- '${a.replace(/^-+/, '')}'\n`, 1);
    else if (a !== '-w' && a !== '--write') keys.push(a);
  }
  const values = sysctlValues(h);
  const show = (k: string, v: string) => (valueOnly ? v : `${k} = ${v}`);
  if (all) return out(lines([...values].map(([k, v]) => show(k, v))));
  if (keys.length === 0)
    return err("sysctl: no variables specified\nTry `sysctl --help' for more information.\n", 1);
  let stdout = '';
  let stderr = '';
  let exit = 0;
  for (const raw of keys) {
    const k = sysctlKey(raw);
    const v = values.get(k);
    if (v === undefined && MACHINE.test(k)) {
      // Not sysctl's words: the key exists on a real machine, but its value is the machine's.
      stderr += `sysctl: ${k}: sized by the machine's memory or set by its own configuration; not modelled\n`;
      exit = 1;
    } else if (v === undefined) {
      stderr += `sysctl: cannot stat /proc/sys/${k.replaceAll('.', '/')}: No such file or directory\n`;
      exit = 1;
    } else stdout += `${show(k, v)}\n`;
  }
  return { stdout, stderr, exit };
}
