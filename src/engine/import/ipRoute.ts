// `ip -j route` -> the scenario's routes. Connected routes (proto kernel, scope link) are left
// out: the model derives them from the addresses, as the kernel does. Route types the model
// has no path for are left out with a note.
import type { RouteSpec } from '../scenario/schema';
import { parseIpv4 } from '../net/ipv4';
import { jsonArray, lineOfKey } from './json';
import type { Imported, PasteError } from './types';

const TYPES = new Set(['unicast', 'blackhole', 'unreachable', 'prohibit']);

export function importIpRoute(text: string): Imported<readonly RouteSpec[]> {
  const arr = jsonArray('ip-route', text);
  if (!arr.ok) return arr;
  const fail = (i: number, message: string): { ok: false; error: PasteError } => ({
    ok: false,
    error: { kind: 'ip-route', line: lineOfKey(text, 'dst', i), message: `[${i}]: ${message}` },
  });
  const out: RouteSpec[] = [];
  const skipped = new Map<string, number>();
  const skip = (why: string) => skipped.set(why, (skipped.get(why) ?? 0) + 1);
  let connected = 0;
  for (const [i, r] of arr.value.entries()) {
    if (typeof r.dst !== 'string') return fail(i, 'no "dst" (is this the output of ip -j route?)');
    const type = typeof r.type === 'string' ? r.type : 'unicast';
    if (!TYPES.has(type)) {
      skip(`${type} routes`);
      continue;
    }
    if (Array.isArray(r.nexthops)) {
      skip('multipath routes');
      continue;
    }
    // `ip` prints a host route without its /32.
    const dst = r.dst === 'default' || r.dst.includes('/') ? r.dst : `${r.dst}/32`;
    const [addr, len] = dst === 'default' ? ['0.0.0.0', '0'] : dst.split('/');
    if (parseIpv4(addr!) === undefined || !/^\d{1,2}$/.test(len!) || Number(len) > 32)
      return fail(i, `"dst": ${JSON.stringify(r.dst)} is not an IPv4 destination`);
    if (r.protocol === 'kernel' && r.scope === 'link' && r.gateway === undefined && type === 'unicast') {
      connected++;
      continue;
    }
    const route: { -readonly [K in keyof RouteSpec]: RouteSpec[K] } = { dst };
    if (type !== 'unicast') route.type = type as RouteSpec['type'];
    if (r.gateway !== undefined) {
      if (typeof r.gateway !== 'string' || parseIpv4(r.gateway) === undefined)
        return fail(i, `"gateway": ${JSON.stringify(r.gateway)} is not an IPv4 address`);
      route.via = r.gateway;
    }
    if (r.dev !== undefined) {
      if (typeof r.dev !== 'string') return fail(i, '"dev" is not a name');
      route.dev = r.dev;
    }
    if (r.metric !== undefined) {
      if (typeof r.metric !== 'number' || !Number.isInteger(r.metric) || r.metric < 0)
        return fail(i, `"metric": ${JSON.stringify(r.metric)} is not a number`);
      route.metric = r.metric;
    }
    if (typeof r.prefsrc === 'string') {
      if (parseIpv4(r.prefsrc) === undefined)
        return fail(i, `"prefsrc": ${r.prefsrc} is not an IPv4 address`);
      route.src = r.prefsrc;
    }
    out.push(route);
  }
  const notes = [...skipped].map(([why, n]) => `${n} ${why} left out (not modelled)`);
  if (connected)
    notes.push(`${connected} connected route${connected === 1 ? '' : 's'} come from the addresses`);
  return { ok: true, value: out, notes };
}
