import { type CommandOutput, err, lines, out } from './output';
import type { ConsoleHost } from './state';

// procps-ng `sysctl` (testdata/*.json). The host knows the sysctls the model reads (its
// defaults and the scenario's values); the br_netfilter switches the model does not read are
// listed with their kernel defaults so `sysctl -a | grep bridge` shows what a node shows.

const EXTRA: Readonly<Record<string, string>> = {
  'net.bridge.bridge-nf-call-ip6tables': '1',
  'net.bridge.bridge-nf-filter-pppoe-tagged': '0',
  'net.bridge.bridge-nf-filter-vlan-tagged': '0',
  'net.bridge.bridge-nf-pass-vlan-input-dev': '0',
};

/** Every readable key and its value at that point, sorted as `sysctl -a` prints them. */
export function sysctlValues(h: ConsoleHost): Map<string, string> {
  const all = new Map<string, string>(Object.entries(EXTRA));
  for (const [k, v] of Object.entries(h.host.sysctl.entries())) all.set(k, v);
  // conf.<dev>.<key> for every device, falling back to conf.default as the kernel copies it.
  for (const [k, v] of [...all]) {
    const m = /^net\.ipv4\.conf\.default\.(.+)$/.exec(k);
    if (!m) continue;
    for (const dev of h.host.ifaces.keys()) {
      const key = `net.ipv4.conf.${dev}.${m[1]}`;
      all.set(key, h.host.sysctl.get(key) ?? v);
    }
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
    if (v === undefined) {
      stderr += `sysctl: cannot stat /proc/sys/${k.replaceAll('.', '/')}: No such file or directory\n`;
      exit = 1;
    } else stdout += `${show(k, v)}\n`;
  }
  return { stdout, stderr, exit };
}
