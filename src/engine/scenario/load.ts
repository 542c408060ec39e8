import type { Settings } from '../api';
import { own } from '../dict';
import { printable } from '../printable';
import { checkSysctl } from '../stack/sysctl';
import { isChange } from '../console/change';
import { type Scenario, scenarioSchema } from './schema';

export type LoadResult = { ok: true; scenario: Scenario } | { ok: false; error: string };

/** Validates untrusted JSON (a file, a share link). The error names the source and the field. */
export function parseScenario(json: unknown, source: string): LoadResult {
  const r = parseUnsafe(json, source);
  return r.ok ? r : { ok: false, error: printable(r.error) };
}

function parseUnsafe(json: unknown, source: string): LoadResult {
  const r = scenarioSchema.safeParse(json);
  if (r.success) return checkReferences(r.data, source);
  const issue = r.error.issues[0]!;
  const path = issue.path.length
    ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')
    : '';
  return { ok: false, error: `${source}: ${path.replace(/^\./, '') || '(root)'}: ${issue.message}` };
}

export function parseScenarioText(text: string, source: string): LoadResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: printable(`${source}: not valid JSON: ${(e as Error).message}`) };
  }
  return parseScenario(json, source);
}

/** Cross-references the schema cannot express: hosts, peers and bridges that must exist. */
function checkReferences(s: Scenario, source: string): LoadResult {
  const fail = (where: string, msg: string): LoadResult => ({
    ok: false,
    error: `${source}: ${where}: ${msg}`,
  });
  const hosts = new Map(s.hosts.map((h) => [h.name, h]));
  if (hosts.size !== s.hosts.length) return fail('hosts', 'two hosts share a name');
  for (const [hi, h] of s.hosts.entries()) {
    const names = new Set<string>();
    for (const [ii, i] of h.interfaces.entries()) {
      const where = `hosts[${hi}].interfaces[${ii}]`;
      if (names.has(i.name)) return fail(where, `${h.name} has two interfaces named ${i.name}`);
      names.add(i.name);
      if (i.kind === 'veth' && !i.peer) return fail(where, `veth ${i.name} on ${h.name} has no peer`);
      if (i.peer) {
        // `ip link add va type veth peer name va`: both ends would have one name in one namespace.
        if (i.peer.host === h.name && i.peer.ifname === i.name)
          return fail(`${where}.peer`, 'RTNETLINK answers: File exists');
        const ph = hosts.get(i.peer.host);
        if (!ph) return fail(`${where}.peer.host`, `no host named ${i.peer.host}`);
        const pi = ph.interfaces.find((x) => x.name === i.peer!.ifname);
        if (!pi) return fail(`${where}.peer.ifname`, `${i.peer.host} has no interface ${i.peer.ifname}`);
        if (!pi.peer || pi.peer.host !== h.name || pi.peer.ifname !== i.name)
          return fail(
            `${where}.peer`,
            `${i.peer.host}/${i.peer.ifname} does not name ${h.name}/${i.name} as its peer`,
          );
      }
      const opts = (['stp_state', 'vlan_filtering', 'mcast_snooping', 'forward_delay'] as const).filter(
        (k) => i[k] !== undefined,
      );
      if (opts.length && i.kind !== 'bridge')
        return fail(`${where}.${opts[0]}`, `${i.name} on ${h.name} is not a bridge`);
      // Linux 6.18 as built here has no CONFIG_BRIDGE_VLAN_FILTERING: `ip link add br0 type
      // bridge vlan_filtering 1` (and even `vlan_filtering 0`) is refused, so there is no
      // kernel to check a model against.
      if (i.vlan_filtering === 1)
        return fail(
          `${where}.vlan_filtering`,
          'vlan_filtering 1 is not modelled: the reference kernel (Linux 6.18, no CONFIG_BRIDGE_VLAN_FILTERING) answers "RTNETLINK answers: Operation not supported", and the scenario format has no per-port VLANs; use 0, the default',
        );
      if (i.master) {
        const m = h.interfaces.find((x) => x.name === i.master);
        if (m?.kind !== 'bridge') return fail(`${where}.master`, `${h.name} has no bridge ${i.master}`);
        // What `ip link set <dev> master <bridge>` answers on Linux 6.18 (br_add_if).
        if (i.kind === 'bridge')
          return fail(`${where}.master`, 'Error: Can not enslave a bridge to a bridge.');
        if (i.kind === 'loopback') return fail(`${where}.master`, 'RTNETLINK answers: Invalid argument');
      }
    }
  }
  for (const [hi, h] of s.hosts.entries())
    for (const [key, value] of Object.entries(h.sysctls)) {
      const bad = checkSysctl(key, value);
      if (typeof bad === 'object') return fail(`hosts[${hi}].sysctls`, bad.error);
    }
  for (const [ti, t] of s.traffic.entries()) {
    if (!hosts.has(t.host)) return fail(`traffic[${ti}].host`, `no host named ${t.host}`);
  }
  for (const [ci, c] of s.changes.entries()) {
    if (!hosts.has(c.host)) return fail(`changes[${ci}].host`, `no host named ${c.host}`);
    if (!isChange(c.command))
      return fail(
        `changes[${ci}].command`,
        `${JSON.stringify(c.command)} changes nothing (a change is a command such as sysctl -w, iptables -A, ip link set, curl)`,
      );
  }
  for (const [si, st] of s.settings.entries()) {
    if (st.host !== '*' && !hosts.has(st.host))
      return fail(`settings[${si}].host`, `no host named ${st.host}`);
  }
  const lessonIds = new Set<string>();
  for (const [li, l] of s.lessons.entries()) {
    if (lessonIds.has(l.id)) return fail(`lessons[${li}].id`, `two lessons named ${l.id}`);
    lessonIds.add(l.id);
    for (const [pi, st] of l.steps.entries()) {
      const where = `lessons[${li}].steps[${pi}]`;
      const named: [string, string | undefined][] = [
        [`${where}.at.host`, st.at.host],
        [`${where}.predict.reveal.host`, st.predict?.reveal.host],
        [`${where}.task.host`, st.task?.host],
        [`${where}.highlight.host`, st.highlight && 'host' in st.highlight ? st.highlight.host : undefined],
      ];
      for (const [w, h] of named) if (h !== undefined && !hosts.has(h)) return fail(w, `no host named ${h}`);
    }
  }
  return { ok: true, scenario: s };
}

type Variant = NonNullable<Scenario['variants']>[string];

/** A host with a variant's rulesets put in place of its own (those the variant names). */
function withVariant<H extends { name: string; iptables_save?: string; nft_ruleset?: string }>(
  h: H,
  v: Variant,
): H {
  let out = h;
  // Host names are user text (`constructor` is a valid one): only the variant's own keys count.
  const ipt = own(v.iptables_save, h.name);
  const nft = own(v.nft_ruleset, h.name);
  if (ipt !== undefined) out = { ...out, iptables_save: ipt };
  if (nft !== undefined) out = { ...out, nft_ruleset: nft };
  return out;
}

export type SettingsResult = { ok: true; scenario: Scenario } | { ok: false; error: string };

/**
 * Applies `--set` style settings: `host:key=value` for one host, `key` alone for every host.
 * Keys are sysctl names, `/sys/class/net/<if>/brport/hairpin_mode`, or `variant` (which swaps
 * in the rulesets of `variants[value]`). The result is a new scenario; the input is untouched.
 */
export function applySettings(s: Scenario, settings: Settings): SettingsResult {
  const r = applyUnsafe(s, settings);
  return r.ok ? r : { ok: false, error: printable(r.error) };
}

function applyUnsafe(s: Scenario, settings: Settings): SettingsResult {
  let hosts = s.hosts.map((h) => ({
    ...h,
    sysctls: { ...h.sysctls },
    interfaces: h.interfaces.map((i) => ({ ...i })),
  }));
  for (const [spec, value] of Object.entries(settings)) {
    const colon = spec.indexOf(':');
    const hostName = colon > 0 && !spec.startsWith('/') ? spec.slice(0, colon) : undefined;
    const key = hostName ? spec.slice(colon + 1) : spec;
    const targets = hostName ? hosts.filter((h) => h.name === hostName) : hosts;
    if (hostName && targets.length === 0)
      return { ok: false, error: `--set ${spec}=${value}: no host named ${hostName}` };
    if (key === 'variant') {
      const v = own(s.variants, value);
      if (!v) {
        const known = Object.keys(s.variants ?? {}).join(', ') || 'none';
        return { ok: false, error: `--set ${spec}=${value}: no variant ${value} (known: ${known})` };
      }
      hosts = hosts.map((h) => withVariant(h, v));
      continue;
    }
    const mode = s.variants?.[`${key}=${value}`];
    const names = targets.map((h) => h.name);
    if (mode) {
      hosts = hosts.map((h) => (names.includes(h.name) ? withVariant(h, mode) : h));
      continue;
    }
    if (Object.keys(s.variants ?? {}).some((k) => k.startsWith(`${key}=`))) {
      const known = Object.keys(s.variants ?? {})
        .filter((k) => k.startsWith(`${key}=`))
        .map((k) => k.slice(key.length + 1));
      const def = s.settings.find((st) => st.key === key)?.values[0];
      if (value === def) continue;
      return { ok: false, error: `--set ${spec}=${value}: ${key} is ${[def, ...known].join(' or ')}` };
    }
    const brport = /^\/sys\/class\/net\/([^/]+)\/brport\/hairpin_mode$/.exec(key);
    if (brport) {
      if (value !== '0' && value !== '1')
        return { ok: false, error: `--set ${spec}=${value}: hairpin_mode is 0 or 1` };
      let found = false;
      for (const h of targets)
        for (const i of h.interfaces)
          if (i.name === brport[1] && i.master) {
            i.hairpin = value === '1';
            found = true;
          }
      if (!found) return { ok: false, error: `--set ${spec}=${value}: no bridge port ${brport[1]}` };
      continue;
    }
    if (!/^[a-z0-9_.-]+$/i.test(key) || !key.includes('.'))
      return { ok: false, error: `--set ${spec}=${value}: not a sysctl name` };
    const checked = checkSysctl(key, value);
    if (typeof checked === 'object') return { ok: false, error: `--set ${spec}=${value}: ${checked.error}` };
    for (const h of targets) h.sysctls[key] = checked;
  }
  return { ok: true, scenario: { ...s, hosts } };
}
