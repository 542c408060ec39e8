// Share links: everything needed to reproduce a view, in the URL hash. A link is untrusted
// input: it is size-capped, decoded without ever evaluating it, and the scenario inside is
// validated by the engine's schema (in the worker) before use. Links carry a version; a link
// of an older version is migrated step by step, so every released link keeps opening.
import { compressToEncodedURIComponent } from 'lz-string';
import { decompressUriComponent } from './links/lz';
import type { Settings } from '../engine/api';

export const LINK_VERSION = 1;
/** Longer hashes are refused before any decoding work. */
export const MAX_LINK_CHARS = 64 * 1024;
/** A decompressed scenario larger than this is refused (an lz "bomb" or a mistake). */
export const MAX_SCENARIO_CHARS = 1024 * 1024;
const MAX_SETTINGS = 64;
const SETTING_KEY = /^(?:[a-z][a-z0-9-]{0,30}:)?[A-Za-z0-9_./-]{1,200}$/;
const SETTING_VALUE = /^[A-Za-z0-9_.:/-]{0,100}$/;
const SCENARIO_ID = /^[a-z0-9][a-z0-9-]{0,80}$/;

export type LinkScenario =
  | { readonly kind: 'builtin'; readonly id: string }
  | { readonly kind: 'inline'; readonly json: unknown };

export interface ShareState {
  readonly scenario: LinkScenario;
  readonly settings: Settings;
  readonly playhead: number;
  /** null: the view follows the playhead. */
  readonly packet: number | null;
}

export type DecodeResult =
  | { readonly ok: true; readonly state: ShareState }
  | { readonly ok: false; readonly error: string }
  /** The hash is not a share link at all (empty, or someone else's anchor). */
  | { readonly ok: 'none' };

/**
 * Upgrades the parameters of link version `v` to version `v + 1`. Version 1 is the first
 * released format, so the table is empty; an entry is added with every format change and
 * never removed.
 */
export const migrations: Readonly<Record<number, (p: URLSearchParams) => URLSearchParams>> = {};

export function encodeShareHash(s: ShareState): string {
  const p = new URLSearchParams();
  p.set('v', String(LINK_VERSION));
  if (s.scenario.kind === 'builtin') p.set('s', s.scenario.id);
  else p.set('doc', compressToEncodedURIComponent(JSON.stringify(s.scenario.json)));
  for (const k of Object.keys(s.settings).sort()) p.append('set', `${k}=${s.settings[k]}`);
  p.set('at', String(s.playhead));
  if (s.packet !== null) p.set('pkt', String(s.packet));
  return `#${p.toString()}`;
}

function intParam(p: URLSearchParams, name: string, dflt: number | null): number | null | Error {
  const v = p.get(name);
  if (v === null) return dflt;
  if (!/^\d{1,9}$/.test(v)) return new Error(`${name} is not a number`);
  return Number(v);
}

export function decodeShareHash(
  hash: string,
  opts: {
    migrations?: Readonly<Record<number, (p: URLSearchParams) => URLSearchParams>>;
    /** The version this build writes; tests pretend to be a later build. */
    current?: number;
  } = {},
): DecodeResult {
  const current = opts.current ?? LINK_VERSION;
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (raw === '') return { ok: 'none' };
  if (raw.length > MAX_LINK_CHARS)
    return { ok: false, error: `link longer than ${MAX_LINK_CHARS / 1024} kB` };
  let p: URLSearchParams;
  try {
    p = new URLSearchParams(raw);
  } catch {
    return { ok: false, error: 'link is not readable' };
  }
  const vText = p.get('v');
  if (vText === null)
    return p.has('s') || p.has('doc') ? { ok: false, error: 'link has no version' } : { ok: 'none' };
  if (!/^\d{1,4}$/.test(vText)) return { ok: false, error: 'link version is not a number' };
  let v = Number(vText);
  if (v < 1) return { ok: false, error: `unknown link version ${v}` };
  if (v > current) return { ok: false, error: `link made by a newer nflab (version ${v})` };
  const steps = opts.migrations ?? migrations;
  while (v < current) {
    const m = steps[v];
    if (!m) return { ok: false, error: `no migration from link version ${v}` };
    p = m(p);
    v++;
  }

  let scenario: LinkScenario;
  const id = p.get('s');
  const doc = p.get('doc');
  if (id !== null) {
    if (!SCENARIO_ID.test(id)) return { ok: false, error: 'scenario id is malformed' };
    scenario = { kind: 'builtin', id };
  } else if (doc !== null) {
    // Decompression stops at the cap: a small link cannot make the tab build a huge string.
    const text = decompressUriComponent(doc, MAX_SCENARIO_CHARS);
    if (!text.ok)
      return {
        ok: false,
        error:
          text.why === 'too-large'
            ? `the scenario in the link is larger than ${MAX_SCENARIO_CHARS / 1024} kB`
            : 'the scenario in the link is corrupt',
      };
    try {
      scenario = { kind: 'inline', json: JSON.parse(text.text) as unknown };
    } catch {
      return { ok: false, error: 'the scenario in the link is not JSON' };
    }
  } else return { ok: false, error: 'link names no scenario' };

  const settings: Record<string, string> = {};
  const sets = p.getAll('set');
  if (sets.length > MAX_SETTINGS) return { ok: false, error: 'too many settings' };
  for (const s of sets) {
    const eq = s.lastIndexOf('=');
    const k = eq > 0 ? s.slice(0, eq) : '';
    const val = s.slice(eq + 1);
    if (!SETTING_KEY.test(k) || !SETTING_VALUE.test(val))
      return { ok: false, error: `bad setting ${s.slice(0, 80)}` };
    // A plain object keyed by user text: refuse keys that would reach the prototype.
    if (k === '__proto__' || k === 'constructor' || k === 'prototype')
      return { ok: false, error: 'bad setting key' };
    settings[k] = val;
  }
  const at = intParam(p, 'at', 0);
  if (at instanceof Error) return { ok: false, error: at.message };
  const pkt = intParam(p, 'pkt', null);
  if (pkt instanceof Error) return { ok: false, error: pkt.message };
  return { ok: true, state: { scenario, settings, playhead: at ?? 0, packet: pkt } };
}
