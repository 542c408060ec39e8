// "Paste your own node": a host built from what a real machine prints, as a new host of the
// scenario or over an existing one. Pure: the scenario in, a new scenario out (or the first
// error, naming the paste and its line); the scenario given is never changed.
import { parseIptablesSave } from '../iptables';
import { buildHost } from '../stack/host';
import { parseScenario } from '../scenario/load';
import type { HostSpec, InterfaceSpec, Scenario } from '../scenario/schema';
import { importIpAddr } from './ipAddr';
import { importIpRoute } from './ipRoute';
import { importSysctl } from './sysctl';
import { type Imported, PASTE_COMMAND, type PasteError, type PasteKind } from './types';

export type PasteTarget =
  | { readonly kind: 'new'; readonly name: string }
  | { readonly kind: 'host'; readonly name: string };

export interface PasteInput {
  readonly target: PasteTarget;
  /** The texts pasted, by kind; empty or missing ones leave that part of the host as it was. */
  readonly pieces: Partial<Readonly<Record<PasteKind, string>>>;
}

export interface PasteDone {
  readonly scenario: Scenario;
  readonly host: string;
  /** What was left out or kept, one line each, prefixed with the command it concerns. */
  readonly notes: readonly string[];
}

/** Reported between the steps of an import, the iptables-save parse being the long one. */
export type PasteStep = 'ip-addr' | 'ip-route' | 'sysctl' | 'iptables-save' | 'check';

const HOST_NAME = /^[a-z][a-z0-9-]{0,30}$/;
const LOOPBACK: InterfaceSpec = { name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'], up: true };

const fail = (kind: PasteError['kind'], line: number, message: string): { ok: false; error: PasteError } => ({
  ok: false,
  error: { kind, line, message },
});

export function importPaste(
  scenario: Scenario,
  input: PasteInput,
  /** Each step as it starts; while iptables-save is read, also the lines read of all. */
  onStep: (step: PasteStep, lines?: number, total?: number) => void = () => {},
): Imported<PasteDone> {
  const { target } = input;
  const text = (k: PasteKind): string | undefined => {
    const t = input.pieces[k];
    return t !== undefined && t.trim() !== '' ? t : undefined;
  };
  const kinds = (['ip-addr', 'ip-route', 'sysctl', 'iptables-save'] as const).filter((k) => text(k));
  if (kinds.length === 0) return fail('target', 0, 'nothing pasted');
  const hi = scenario.hosts.findIndex((h) => h.name === target.name);
  if (target.kind === 'new') {
    if (!HOST_NAME.test(target.name))
      return fail('target', 0, `"${target.name}" is not a host name (lower-case letters, digits and dashes)`);
    if (hi >= 0) return fail('target', 0, `a host named ${target.name} exists already`);
  } else if (hi < 0) return fail('target', 0, `no host named ${target.name}`);
  const old: HostSpec | undefined = hi >= 0 ? scenario.hosts[hi] : undefined;
  let host: HostSpec = old ?? {
    name: target.name,
    interfaces: [LOOPBACK],
    routes: [],
    sysctls: {},
  };
  const notes: string[] = [];
  const note = (k: PasteKind, list: readonly string[]) => {
    for (const n of list) notes.push(`${PASTE_COMMAND[k]}: ${n}`);
  };

  const addrText = text('ip-addr');
  if (addrText !== undefined) {
    onStep('ip-addr');
    const r = importIpAddr(addrText);
    if (!r.ok) return r;
    note('ip-addr', r.notes);
    const kept: string[] = [];
    const interfaces: InterfaceSpec[] = r.value.map(({ spec, pairedWith }) => {
      const before = old?.interfaces.find((i) => i.name === spec.name);
      // A link to another host is the scenario's, not the machine's: keep it where the paste
      // cannot say where the other end is.
      if (pairedWith !== undefined) return { ...spec, peer: { host: target.name, ifname: pairedWith } };
      if (before?.peer && (spec.kind === 'ethernet' || spec.kind === 'veth'))
        return { ...spec, kind: before.kind, peer: before.peer };
      return spec;
    });
    for (const i of old?.interfaces ?? [])
      if (!interfaces.some((x) => x.name === i.name)) {
        interfaces.push(i);
        kept.push(i.name);
      }
    if (!interfaces.some((i) => i.kind === 'loopback')) interfaces.unshift(LOOPBACK);
    if (kept.length) note('ip-addr', [`kept ${kept.join(', ')} (not in the paste)`]);
    host = { ...host, interfaces };
  }

  const routeText = text('ip-route');
  if (routeText !== undefined) {
    onStep('ip-route');
    const r = importIpRoute(routeText);
    if (!r.ok) return r;
    note('ip-route', r.notes);
    for (const [i, route] of r.value.entries())
      if (route.dev !== undefined && !host.interfaces.some((x) => x.name === route.dev))
        return fail('ip-route', 0, `[${i}] ${route.dst}: ${target.name} has no device ${route.dev}`);
    host = { ...host, routes: [...r.value] };
  }

  const sysctlText = text('sysctl');
  if (sysctlText !== undefined) {
    onStep('sysctl');
    const r = importSysctl(sysctlText);
    if (!r.ok) return r;
    note('sysctl', [...r.notes, `${Object.keys(r.value.sysctls).length} keys differ from a new namespace`]);
    host = { ...host, sysctls: { ...r.value.sysctls } };
  }

  const iptText = text('iptables-save');
  if (iptText !== undefined) {
    onStep('iptables-save');
    const r = parseIptablesSave(iptText, 'iptables-save', {
      onLines: (done, total) => onStep('iptables-save', done, total),
    });
    if (!r.ok) return fail('iptables-save', r.error.line, r.error.message);
    host = { ...host, iptables_save: iptText };
  }

  onStep('check');
  // The host's devices and routes as the run will build them: a route via an address no
  // device reaches is refused here, naming the paste, rather than when the run starts.
  const built = buildHost(host, scenario.seed, 0);
  if ('where' in built) {
    const kind: PasteKind = /routes/.test(built.where) ? 'ip-route' : 'ip-addr';
    const idx = /\[(\d+)\][^[]*$/.exec(built.where)?.[1];
    return fail(kind, 0, `${idx !== undefined ? `[${idx}]: ` : ''}${built.message}`);
  }
  const hosts = hi >= 0 ? scenario.hosts.map((h, i) => (i === hi ? host : h)) : [...scenario.hosts, host];
  // The scenario's own checks (peers, masters, sysctl values) on the result; they do not
  // read the ruleset, which was read above.
  const checked = parseScenario({ ...scenario, hosts }, 'paste');
  if (!checked.ok) return fail(kinds.includes('ip-addr') ? 'ip-addr' : kinds[0]!, 0, checked.error);
  return { ok: true, value: { scenario: checked.scenario, host: host.name, notes }, notes };
}
