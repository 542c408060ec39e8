// The editor's model: pure functions from the work on screen (a scenario and the user's
// settings) to the next, one per thing a person edits. Each keeps the scenario's cross-references
// whole (a veth's peer, a bridge port's master, routes by device, traffic and changes by host,
// settings and variants by host), so an edit never leaves a dangling name for the validator to
// trip over. Nothing here validates addresses or rules: the engine's validator judges the result
// (check.ts), and an edit it refuses is not applied.
import type { Scenario, Settings } from '../../engine/api';
import type {
  HostSpec,
  InterfaceSpec,
  Lesson,
  RouteSpec,
  SettingSpec,
  TrafficSpec,
} from '../../engine/scenario/schema';

/** What an edit changes: the scenario, and the settings that name its hosts and interfaces. */
export interface Work {
  readonly scenario: Scenario;
  readonly settings: Settings;
}

type Iface = InterfaceSpec;

function mapHosts(s: Scenario, f: (h: HostSpec) => HostSpec): Scenario {
  return { ...s, hosts: s.hosts.map(f) };
}

function onHost(s: Scenario, host: string, f: (h: HostSpec) => HostSpec): Scenario {
  if (!s.hosts.some((h) => h.name === host)) throw new Error(`no host named ${host}`);
  return mapHosts(s, (h) => (h.name === host ? f(h) : h));
}

export function hostOf(s: Scenario, host: string): HostSpec | undefined {
  return s.hosts.find((h) => h.name === host);
}

/** A host name nobody uses yet: `host`, `host-2`, ... */
export function freeHostName(s: Scenario, base = 'host'): string {
  const taken = new Set(s.hosts.map((h) => h.name));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** A new host with only a loopback, as `ip netns add` leaves it (plus lo up with its address). */
export function addHost(w: Work, name: string): Work {
  const host: HostSpec = {
    name,
    interfaces: [{ name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'], up: true }],
    routes: [],
    sysctls: {},
  };
  return { ...w, scenario: { ...w.scenario, hosts: [...w.scenario.hosts, host] } };
}

/**
 * Puts `spec` in place of host `name`: the entry point for whatever builds a whole host at once
 * (pasting a node's `ip -j addr`, `iptables-save`, ...). A different `spec.name` renames first.
 */
export function replaceHost(w: Work, name: string, spec: HostSpec): Work {
  const renamed = spec.name === name ? w : renameHost(w, name, spec.name);
  return { ...renamed, scenario: onHost(renamed.scenario, spec.name, () => spec) };
}

function renameKeys<V>(rec: Readonly<Record<string, V>>, f: (k: string) => string | null): Record<string, V> {
  const out: Record<string, V> = {};
  for (const [k, v] of Object.entries(rec)) {
    const nk = f(k);
    if (nk !== null) out[nk] = v;
  }
  return out;
}

/** `host:key` settings of `from` renamed to `to` (`to` null: dropped). Keys of every host stay. */
function renameSettingsHost(settings: Settings, from: string, to: string | null): Settings {
  return renameKeys(settings, (k) =>
    k.startsWith(`${from}:`) ? (to === null ? null : `${to}:${k.slice(from.length + 1)}`) : k,
  );
}

function lessonHosts(l: Lesson): string[] {
  const out: string[] = [];
  for (const st of l.steps) {
    if (st.at.host !== undefined) out.push(st.at.host);
    if (st.predict?.reveal.host !== undefined) out.push(st.predict.reveal.host);
    if (st.task) out.push(st.task.host);
    if (st.highlight && 'host' in st.highlight) out.push(st.highlight.host);
  }
  return out;
}

function renameInLesson(l: Lesson, from: string, to: string): Lesson {
  const r = (h: string | undefined) => (h === from ? to : h);
  return {
    ...l,
    steps: l.steps.map((st) => ({
      ...st,
      at: { ...st.at, ...(st.at.host !== undefined ? { host: r(st.at.host)! } : {}) },
      ...(st.predict
        ? {
            predict: {
              ...st.predict,
              reveal: {
                ...st.predict.reveal,
                ...(st.predict.reveal.host !== undefined ? { host: r(st.predict.reveal.host)! } : {}),
              },
            },
          }
        : {}),
      ...(st.task ? { task: { ...st.task, host: r(st.task.host)! } } : {}),
      ...(st.highlight && 'host' in st.highlight
        ? { highlight: { ...st.highlight, host: r(st.highlight.host)! } }
        : {}),
    })),
  };
}

/** The variants with each one's per-host rulesets passed through `f` (which renames or drops hosts). */
function mapVariants(
  s: Scenario,
  f: (rec: Readonly<Record<string, string>>) => Record<string, string>,
): Scenario['variants'] {
  if (!s.variants) return undefined;
  const out: NonNullable<Scenario['variants']> = {};
  for (const [k, v] of Object.entries(s.variants))
    out[k] = {
      ...v,
      iptables_save: f(v.iptables_save),
      ...(v.nft_ruleset ? { nft_ruleset: f(v.nft_ruleset) } : {}),
    };
  return out;
}

export function renameHost(w: Work, from: string, to: string): Work {
  if (from === to) return w;
  const s = w.scenario;
  if (!hostOf(s, from)) throw new Error(`no host named ${from}`);
  const r = (h: string) => (h === from ? to : h);
  const scenario: Scenario = {
    ...s,
    hosts: s.hosts.map((h) => ({
      ...h,
      name: r(h.name),
      interfaces: h.interfaces.map((i) => (i.peer ? { ...i, peer: { ...i.peer, host: r(i.peer.host) } } : i)),
    })),
    traffic: s.traffic.map((t) => ({ ...t, host: r(t.host) })),
    changes: s.changes.map((c) => ({ ...c, host: r(c.host) })),
    settings: s.settings.map((st) => ({ ...st, host: r(st.host) })),
    variants: mapVariants(s, (rec) => renameKeys(rec, (k) => r(k))),
    lessons: s.lessons.map((l) => renameInLesson(l, from, to)),
  };
  if (!scenario.variants) delete (scenario as { variants?: unknown }).variants;
  return { scenario, settings: renameSettingsHost(w.settings, from, to) };
}

/**
 * Removes a host with everything that names it: the far ends of its veth pairs (a pair dies
 * with either namespace), its traffic and changes, its settings and its variants' rulesets,
 * and the lessons that point at it.
 */
export function removeHost(w: Work, name: string): Work {
  const s = w.scenario;
  if (!hostOf(s, name)) throw new Error(`no host named ${name}`);
  const scenario: Scenario = {
    ...s,
    hosts: s.hosts
      .filter((h) => h.name !== name)
      .map((h) => {
        const gone = h.interfaces.filter((i) => i.peer?.host === name).map((i) => i.name);
        return gone.length ? dropInterfaces(h, gone) : h;
      }),
    traffic: s.traffic.filter((t) => t.host !== name),
    changes: s.changes.filter((c) => c.host !== name),
    settings: s.settings.filter((st) => st.host !== name),
    variants: mapVariants(s, (rec) => renameKeys(rec, (k) => (k === name ? null : k))),
    lessons: s.lessons.filter((l) => !lessonHosts(l).includes(name)),
  };
  if (!scenario.variants) delete (scenario as { variants?: unknown }).variants;
  return { scenario, settings: renameSettingsHost(w.settings, name, null) };
}

/** Interfaces gone from a host, with the routes through them and the ports they were master of. */
function dropInterfaces(h: HostSpec, names: readonly string[]): HostSpec {
  const gone = new Set(names);
  return {
    ...h,
    interfaces: h.interfaces
      .filter((i) => !gone.has(i.name))
      .map((i) => {
        if (i.master === undefined || !gone.has(i.master)) return i;
        const { master: _m, hairpin: _h, ...rest } = i;
        return rest;
      }),
    routes: h.routes.filter((r) => r.dev === undefined || !gone.has(r.dev)),
  };
}

export function addInterface(s: Scenario, host: string, iface: Iface): Scenario {
  return onHost(s, host, (h) => ({ ...h, interfaces: [...h.interfaces, iface] }));
}

/** A veth pair between two hosts (or two ends in one host), each end up and without addresses. */
export function addVethPair(
  s: Scenario,
  a: { host: string; ifname: string; master?: string },
  b: { host: string; ifname: string },
): Scenario {
  const end = (me: { host: string; ifname: string }, other: { host: string; ifname: string }): Iface => ({
    name: me.ifname,
    kind: 'veth',
    addresses: [],
    up: true,
    peer: { host: other.host, ifname: other.ifname },
  });
  const first: Iface = { ...end(a, b), ...(a.master ? { master: a.master } : {}) };
  return addInterface(addInterface(s, a.host, first), b.host, end(b, a));
}

/** A brport setting key for interface `ifname`. */
const brportKey = (ifname: string) => `/sys/class/net/${ifname}/brport/hairpin_mode`;

/**
 * Changes one interface. A new name follows into its peer's `peer`, its ports' `master`, the
 * routes through it and its hairpin_mode setting, as `ip link set X name Y` would carry them.
 */
export function updateInterface(
  w: Work,
  host: string,
  ifname: string,
  change: Iface | ((cur: Iface) => Iface),
): Work {
  const s = w.scenario;
  const h = hostOf(s, host);
  const cur = h?.interfaces.find((i) => i.name === ifname);
  if (!h || !cur) throw new Error(`${host} has no interface ${ifname}`);
  const next = typeof change === 'function' ? change(cur) : change;
  const renamed = next.name !== ifname;
  let scenario = onHost(s, host, (x) => ({
    ...x,
    interfaces: x.interfaces.map((i) => {
      if (i.name === ifname) return next;
      if (renamed && i.master === ifname) return { ...i, master: next.name };
      return i;
    }),
    routes: renamed ? x.routes.map((r) => (r.dev === ifname ? { ...r, dev: next.name } : r)) : x.routes,
  }));
  let settings = w.settings;
  if (renamed) {
    if (cur.peer) {
      const p = cur.peer;
      scenario = mapHosts(scenario, (x) =>
        x.name !== p.host
          ? x
          : {
              ...x,
              interfaces: x.interfaces.map((i) =>
                i.name === p.ifname && i.peer?.host === host && i.peer.ifname === ifname
                  ? { ...i, peer: { host, ifname: next.name } }
                  : i,
              ),
            },
      );
    }
    const from = brportKey(ifname);
    const to = brportKey(next.name);
    scenario = {
      ...scenario,
      settings: scenario.settings.map((st) =>
        st.host === host && st.key === from ? { ...st, key: to } : st,
      ),
    };
    settings = renameKeys(settings, (k) => (k === `${host}:${from}` ? `${host}:${to}` : k));
  }
  return { scenario, settings };
}

/** Removes an interface; a veth takes its peer end with it, as deleting either end does. */
export function removeInterface(w: Work, host: string, ifname: string): Work {
  const s = w.scenario;
  const cur = hostOf(s, host)?.interfaces.find((i) => i.name === ifname);
  if (!cur) throw new Error(`${host} has no interface ${ifname}`);
  const peer = cur.peer;
  let scenario = onHost(s, host, (h) => dropInterfaces(h, [ifname]));
  if (peer && hostOf(scenario, peer.host))
    scenario = onHost(scenario, peer.host, (h) =>
      h.interfaces.some((i) => i.name === peer.ifname && i.peer?.host === host && i.peer.ifname === ifname)
        ? dropInterfaces(h, [peer.ifname])
        : h,
    );
  const key = brportKey(ifname);
  const keyOf = (st: SettingSpec) => !(st.host === host && st.key === key);
  scenario = { ...scenario, settings: scenario.settings.filter(keyOf) };
  return { scenario, settings: renameKeys(w.settings, (k) => (k === `${host}:${key}` ? null : k)) };
}

export function setAddresses(
  s: Scenario,
  host: string,
  ifname: string,
  addresses: readonly string[],
): Scenario {
  return onHost(s, host, (h) => ({
    ...h,
    interfaces: h.interfaces.map((i) => (i.name === ifname ? { ...i, addresses: [...addresses] } : i)),
  }));
}

export function setRoutes(s: Scenario, host: string, routes: readonly RouteSpec[]): Scenario {
  return onHost(s, host, (h) => ({ ...h, routes: [...routes] }));
}

export function setSysctl(s: Scenario, host: string, key: string, value: string | null): Scenario {
  return onHost(s, host, (h) => {
    const sysctls = { ...h.sysctls };
    if (value === null) delete sysctls[key];
    else sysctls[key] = value;
    return { ...h, sysctls };
  });
}

export function setTraffic(s: Scenario, traffic: readonly TrafficSpec[]): Scenario {
  return { ...s, traffic: [...traffic] };
}

/** Replaces item `i` of a list (i === length: appends; `next` null: removes). */
export function withItem<T>(list: readonly T[], i: number, next: T | null): T[] {
  if (next === null) return list.filter((_, k) => k !== i);
  if (i >= list.length) return [...list, next];
  return list.map((x, k) => (k === i ? next : x));
}

/** A host's two rulesets: `iptables-save` text, and native nftables as `nft list ruleset` prints it. */
export type RulesetKind = 'iptables_save' | 'nft_ruleset';

/**
 * Where the ruleset of `kind` that runs on `host` comes from under these settings: the host's
 * own, or a variant's that a setting puts in its place (the last one wins, as applySettings
 * applies them in order).
 */
export function rulesetSlot(
  s: Scenario,
  settings: Settings,
  host: string,
  kind: RulesetKind = 'iptables_save',
): { readonly kind: 'host' } | { readonly kind: 'variant'; readonly name: string } {
  let slot: { readonly kind: 'host' } | { readonly kind: 'variant'; readonly name: string } = {
    kind: 'host',
  };
  if (!s.variants) return slot;
  for (const [spec, value] of Object.entries(settings)) {
    const colon = spec.indexOf(':');
    const hostName = colon > 0 && !spec.startsWith('/') ? spec.slice(0, colon) : undefined;
    if (hostName !== undefined && hostName !== host) continue;
    const key = hostName ? spec.slice(colon + 1) : spec;
    const name = key === 'variant' ? value : `${key}=${value}`;
    const v = Object.hasOwn(s.variants, name) ? s.variants[name] : undefined;
    const rec = v?.[kind];
    if (rec && Object.hasOwn(rec, host)) slot = { kind: 'variant', name };
  }
  return slot;
}

/** The ruleset text of `kind` that runs on `host` under these settings ('' for none). */
export function rulesetText(
  s: Scenario,
  settings: Settings,
  host: string,
  kind: RulesetKind = 'iptables_save',
): string {
  const slot = rulesetSlot(s, settings, host, kind);
  if (slot.kind === 'variant') return s.variants![slot.name]![kind]?.[host] ?? '';
  return hostOf(s, host)?.[kind] ?? '';
}

/** Puts `text` where the host's running ruleset of `kind` comes from; blank text means none. */
export function setRuleset(
  w: Work,
  host: string,
  text: string,
  kind: RulesetKind = 'iptables_save',
): Scenario {
  const s = w.scenario;
  const slot = rulesetSlot(s, w.settings, host, kind);
  const blank = text.trim() === '';
  if (slot.kind === 'variant') {
    const v = s.variants![slot.name]!;
    return {
      ...s,
      variants: { ...s.variants, [slot.name]: { ...v, [kind]: { ...v[kind], [host]: text } } },
    };
  }
  return onHost(s, host, (h) => {
    const { [kind]: _old, ...rest } = h;
    return blank ? rest : { ...rest, [kind]: text };
  });
}

/** Settings that name a host the scenario no longer has are dropped (they would fail the run). */
export function fitSettings(s: Scenario, settings: Settings): Settings {
  const hosts = new Set(s.hosts.map((h) => h.name));
  const fits = (k: string) => {
    const colon = k.indexOf(':');
    return colon <= 0 || k.startsWith('/') || hosts.has(k.slice(0, colon));
  };
  if (Object.keys(settings).every(fits)) return settings;
  return renameKeys(settings, (k) => {
    const colon = k.indexOf(':');
    if (colon <= 0 || k.startsWith('/')) return k;
    return hosts.has(k.slice(0, colon)) ? k : null;
  });
}
