// Share links: everything needed to reproduce a view, in the URL hash. A link is untrusted
// input: it is size-capped, decoded without ever evaluating it, and the scenario inside is
// validated by the engine's schema (in the worker) before use. Links carry a version; a link
// of an older version is migrated step by step, so every released link keeps opening.
//
// Version 2 names the playhead and the selected packet by what they are (links/moment.ts), not
// by event and packet numbers, which change whenever the model records a run differently.
// Version 1 links carry numbers; they are read as such (`ix`, `pid`) and resolved against the
// timeline the link opens on. Golden links of every version are in links/v*.fixtures.json.
//
// Version 3 adds `chg`: the scenario's changes (console commands) apart from the scenario
// (links/changes.ts), so a built-in scenario with a few commands stays a short link instead of
// the whole scenario inline. A v2 link with changes inside its `doc` still opens as it did.
import { compressToEncodedURIComponent } from 'lz-string';
import type { Settings } from '../engine/api';
import { printable } from '../engine/printable';
import type { ChangeSpec } from '../engine/scenario/schema';
import type { ShapeLimits } from '../worker/limits';
import { decodeChanges, encodeChanges } from './links/changes';
import { decompressUriComponent } from './links/lz';
import type { Moment, PacketKey, Position } from './links/moment';

export const LINK_VERSION = 3;
/** Longer hashes are refused before any decoding work. */
export const MAX_LINK_CHARS = 64 * 1024;
/** A decompressed scenario larger than this is refused (an lz "bomb" or a mistake). */
export const MAX_SCENARIO_CHARS = 1024 * 1024;
const MAX_SETTINGS = 64;
const SETTING_KEY = /^(?:[a-z][a-z0-9-]{0,30}:)?[A-Za-z0-9_./-]{1,200}$/;
const SETTING_VALUE = /^[A-Za-z0-9_.:/-]{0,100}$/;
const SCENARIO_ID = /^[a-z0-9][a-z0-9-]{0,80}$/;

/**
 * `changes`, when present, take the place of the scenario's own (`chg` in the link): a built-in
 * scenario with console commands is its id and the commands.
 */
export type LinkScenario =
  | { readonly kind: 'builtin'; readonly id: string; readonly changes?: readonly ChangeSpec[] }
  | { readonly kind: 'inline'; readonly json: unknown; readonly changes?: readonly ChangeSpec[] };

/** The playhead: a position in the story (v2), or an event count (from a v1 link). */
export type LinkAt = Position | { readonly kind: 'index'; readonly index: number };
/** The selected packet: by what it is (v2), or by its number (from a v1 link). */
export type LinkPacket =
  | { readonly kind: 'key'; readonly key: PacketKey }
  | { readonly kind: 'id'; readonly id: number };

export interface ShareState {
  readonly scenario: LinkScenario;
  readonly settings: Settings;
  readonly at: LinkAt;
  /** null: the view follows the playhead. */
  readonly packet: LinkPacket | null;
  /** A lesson of the scenario and its step (0-based here, 1-based in the link: "step=4"). */
  readonly lesson?: { readonly id: string; readonly step: number };
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
export const migrations: Readonly<Record<number, (p: URLSearchParams) => URLSearchParams>> = {
  // 1 -> 2: the event count and packet number keep their meaning under names of their own.
  1: (p) => {
    const q = new URLSearchParams();
    for (const [k, v] of p) q.append(k === 'at' ? 'ix' : k === 'pkt' ? 'pid' : k, v);
    return q;
  },
  // 2 -> 3: `chg` is new; a v2 link's changes are inside its scenario, read as before.
  2: (p) => p,
};

const HOST = /^[A-Za-z0-9_.@-]{1,64}$/;
const EVENT_TYPE = /^[a-z-]{1,24}$/;
const MAX_LABEL = 300;

// A packet key as `<t> <host> <n> <label>`: the label is last because it holds spaces.
function packetText(k: PacketKey): string {
  return `${k.t} ${k.host} ${k.n} ${k.label}`;
}

function parsePacket(s: string, what: string): PacketKey | Error {
  const m = /^(\d{1,15}) (\S+) (\d{1,6}) (.+)$/.exec(s);
  if (!m || !HOST.test(m[2]!) || m[4]!.length > MAX_LABEL) return new Error(`${what} is malformed`);
  return { t: Number(m[1]), host: m[2]!, n: Number(m[3]), label: m[4]! };
}

// The compressed text of each inline scenario seen: the work is saved every time the playhead
// stops (editor/savedWork.ts), and a pasted node's scenario is megabytes to compress. Scenarios
// are never changed in place, so the object stands for its text.
const compressed = new WeakMap<object, string>();

/**
 * Scenarios with more text than this are compressed in a worker (store.ts): lz-string takes
 * about 1.5 µs a character, 20 s for a pasted 10,000-Service node, which the page must not
 * spend. encodeShareHash is called for them only once their text is here (rememberCompressed).
 */
export const COMPRESS_IN_WORKER_CHARS = 256 * 1024;

/** Characters of all strings and keys in `json`, counting no further than `stop`. */
export function textSize(json: unknown, stop = Number.POSITIVE_INFINITY): number {
  let n = 0;
  const stack: unknown[] = [json];
  while (stack.length > 0 && n <= stop) {
    const v = stack.pop();
    if (typeof v === 'string') n += v.length;
    else if (Array.isArray(v)) stack.push(...v);
    else if (v !== null && typeof v === 'object')
      for (const k of Object.keys(v)) {
        n += k.length;
        stack.push((v as Record<string, unknown>)[k]);
      }
  }
  return n;
}

/** Whether the link text of this inline scenario is known (always for small ones, computed here). */
export function compressedReady(json: unknown): boolean {
  return (
    typeof json !== 'object' ||
    json === null ||
    compressed.has(json) ||
    textSize(json, COMPRESS_IN_WORKER_CHARS) <= COMPRESS_IN_WORKER_CHARS
  );
}

/** The link text of `json`, compressed elsewhere (lz-string's compressToEncodedURIComponent of its JSON). */
export function rememberCompressed(json: object, doc: string): void {
  compressed.set(json, doc);
}

function compressScenario(json: unknown): string {
  if (typeof json !== 'object' || json === null) return compressToEncodedURIComponent(JSON.stringify(json));
  let doc = compressed.get(json);
  if (doc === undefined) {
    doc = compressToEncodedURIComponent(JSON.stringify(json));
    compressed.set(json, doc);
  }
  return doc;
}

export function encodeShareHash(s: ShareState): string {
  const p = new URLSearchParams();
  p.set('v', String(LINK_VERSION));
  if (s.scenario.kind === 'builtin') p.set('s', s.scenario.id);
  else p.set('doc', compressScenario(s.scenario.json));
  if (s.scenario.changes !== undefined) p.set('chg', encodeChanges(s.scenario.changes));
  for (const k of Object.keys(s.settings).sort()) p.append('set', `${k}=${s.settings[k]}`);
  if (s.at.kind === 'index') p.set('ix', String(s.at.index));
  else if (s.at.kind === 'moment') {
    const m = s.at.moment;
    p.set('at', String(m.t));
    p.set('ev', `${m.host} ${m.type} ${m.n}`);
    if (m.pkt) p.set('pk', packetText(m.pkt));
  }
  if (s.packet?.kind === 'id') p.set('pid', String(s.packet.id));
  else if (s.packet?.kind === 'key') p.set('sel', packetText(s.packet.key));
  if (s.lesson) {
    p.set('lesson', s.lesson.id);
    p.set('step', String(s.lesson.step + 1));
  }
  return `#${p.toString()}`;
}

function intParam(p: URLSearchParams, name: string, dflt: number | null): number | null | Error {
  const v = p.get(name);
  if (v === null) return dflt;
  if (!/^\d{1,15}$/.test(v)) return new Error(`${name} is not a number`);
  return Number(v);
}

/** Size caps for a hash and the scenario in it; the defaults are a link's. */
export interface DecodeLimits {
  readonly maxLinkChars?: number;
  readonly maxScenarioChars?: number;
  /** For the scenario's shape before it is posted to the worker (worker/limits.ts). */
  readonly shape?: ShapeLimits;
}

/**
 * The work kept in the browser is the user's own (editor/savedWork.ts), not a stranger's link:
 * it may hold a pasted node far larger than a link may, up to what the browser's storage keeps.
 */
export const WORK_LIMITS: DecodeLimits = {
  maxLinkChars: 16 * 1024 * 1024,
  maxScenarioChars: 64 * 1024 * 1024,
  shape: { maxNodes: 4_000_000, maxChars: 64 * 1024 * 1024 },
};

export function decodeShareHash(
  hash: string,
  opts: DecodeLimits & {
    migrations?: Readonly<Record<number, (p: URLSearchParams) => URLSearchParams>>;
    /** The version this build writes; tests pretend to be a later build. */
    current?: number;
  } = {},
): DecodeResult {
  const current = opts.current ?? LINK_VERSION;
  const maxLink = opts.maxLinkChars ?? MAX_LINK_CHARS;
  const maxScenario = opts.maxScenarioChars ?? MAX_SCENARIO_CHARS;
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (raw === '') return { ok: 'none' };
  if (raw.length > maxLink) return { ok: false, error: `link longer than ${maxLink / 1024} kB` };
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
    const text = decompressUriComponent(doc, maxScenario);
    if (!text.ok)
      return {
        ok: false,
        error:
          text.why === 'too-large'
            ? `the scenario in the link is larger than ${maxScenario / 1024} kB`
            : 'the scenario in the link is corrupt',
      };
    try {
      scenario = { kind: 'inline', json: JSON.parse(text.text) as unknown };
    } catch {
      return { ok: false, error: 'the scenario in the link is not JSON' };
    }
  } else return { ok: false, error: 'link names no scenario' };
  const chg = p.get('chg');
  if (chg !== null) {
    const changes = decodeChanges(chg, maxScenario);
    if (changes instanceof Error) return { ok: false, error: changes.message };
    scenario = { ...scenario, changes };
  }

  const settings: Record<string, string> = {};
  const sets = p.getAll('set');
  if (sets.length > MAX_SETTINGS) return { ok: false, error: 'too many settings' };
  for (const s of sets) {
    const eq = s.lastIndexOf('=');
    const k = eq > 0 ? s.slice(0, eq) : '';
    const val = s.slice(eq + 1);
    if (!SETTING_KEY.test(k) || !SETTING_VALUE.test(val))
      return { ok: false, error: `bad setting ${printable(s.slice(0, 80))}` };
    // A plain object keyed by user text: refuse keys that would reach the prototype.
    if (k === '__proto__' || k === 'constructor' || k === 'prototype')
      return { ok: false, error: 'bad setting key' };
    settings[k] = val;
  }
  const at = readAt(p);
  if (at instanceof Error) return { ok: false, error: at.message };
  const packet = readPacket(p);
  if (packet instanceof Error) return { ok: false, error: packet.message };
  // Lessons are an optional addition: links without them read as before.
  const lessonId = p.get('lesson');
  let lesson: ShareState['lesson'];
  if (lessonId !== null) {
    if (!SCENARIO_ID.test(lessonId)) return { ok: false, error: 'lesson id is malformed' };
    const step = intParam(p, 'step', 1);
    if (step instanceof Error) return { ok: false, error: step.message };
    if (step === null || step < 1) return { ok: false, error: 'step counts from 1' };
    lesson = { id: lessonId, step: step - 1 };
  }
  return { ok: true, state: { scenario, settings, at, packet, ...(lesson ? { lesson } : {}) } };
}

function readAt(p: URLSearchParams): LinkAt | Error {
  const ix = intParam(p, 'ix', null);
  if (ix instanceof Error) return ix;
  if (ix !== null) return { kind: 'index', index: ix };
  const t = intParam(p, 'at', null);
  if (t instanceof Error) return t;
  const ev = p.get('ev');
  if (t === null || ev === null) return { kind: 'start' };
  const m = /^(\S+) (\S+) (\d{1,6})$/.exec(ev);
  if (!m || !HOST.test(m[1]!) || !EVENT_TYPE.test(m[2]!)) return new Error('ev is malformed');
  const pkText = p.get('pk');
  const pkt = pkText === null ? null : parsePacket(pkText, 'pk');
  if (pkt instanceof Error) return pkt;
  return {
    kind: 'moment',
    moment: { t, host: m[1]!, type: m[2]! as Moment['type'], pkt, n: Number(m[3]) },
  };
}

function readPacket(p: URLSearchParams): LinkPacket | null | Error {
  const id = intParam(p, 'pid', null);
  if (id instanceof Error) return id;
  if (id !== null) return { kind: 'id', id };
  const sel = p.get('sel');
  if (sel === null) return null;
  const key = parsePacket(sel, 'sel');
  return key instanceof Error ? key : { kind: 'key', key };
}
