// `sysctl -a` (or its `net.` part, or `sysctl -a 2>&1` with procps' complaints) -> the host's
// sysctls. Only the keys the model reads are kept, and only where they differ from a new
// namespace's value (SYSCTL_DEFAULTS), so the scenario says what is special about this node.
// Every other key is counted, never refused: a real machine prints some 1,300 of them.
import { checkSysctl, SYSCTL_DEFAULTS } from '../stack/sysctl';
import type { Imported } from './types';

/** Per-device `net.ipv4.conf.<dev>.<key>` the model reads (stack/sysctl.ts CONF_INT). */
const CONF = /^net\.ipv4\.conf\.([^.]+)\.(rp_filter|forwarding|send_redirects|accept_local|route_localnet)$/;
/** `key = value` as sysctl prints it; `key=value` as people write it. */
const LINE = /^([A-Za-z0-9_][A-Za-z0-9_.\-/@:]*)\s*=\s?(.*)$/;

export interface PastedSysctls {
  readonly sysctls: Readonly<Record<string, string>>;
  /** Keys read from the paste that the model does not use. */
  readonly ignored: number;
}

/** The value a new namespace has for a key the model reads; undefined for keys it does not read. */
function namespaceDefault(key: string): string | undefined {
  if (Object.hasOwn(SYSCTL_DEFAULTS, key)) return SYSCTL_DEFAULTS[key];
  const m = CONF.exec(key);
  if (!m) return undefined;
  return SYSCTL_DEFAULTS[`net.ipv4.conf.all.${m[2]}`] ?? (m[2] === 'send_redirects' ? '1' : '0');
}

export function importSysctl(text: string): Imported<PastedSysctls> {
  const sysctls: Record<string, string> = {};
  let ignored = 0;
  let complaints = 0;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!.endsWith('\r') ? lines[n]!.slice(0, -1) : lines[n]!;
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    // procps on stderr: "sysctl: permission denied on key '...'", "sysctl: reading key ...".
    if (raw.startsWith('sysctl: ')) {
      complaints++;
      continue;
    }
    const m = LINE.exec(raw);
    if (!m)
      return {
        ok: false,
        error: {
          kind: 'sysctl',
          line: n + 1,
          message: `expected "key = value", got ${JSON.stringify(raw.slice(0, 80))}`,
        },
      };
    const key = m[1]!;
    const def = namespaceDefault(key);
    if (def === undefined) {
      ignored++;
      continue;
    }
    const v = checkSysctl(key, m[2]!);
    if (typeof v === 'object') return { ok: false, error: { kind: 'sysctl', line: n + 1, message: v.error } };
    if (v !== def) sysctls[key] = v;
  }
  const notes = [`${ignored} key${ignored === 1 ? '' : 's'} the model does not use left out`];
  if (complaints) notes.push(`${complaints} sysctl: message${complaints === 1 ? '' : 's'} skipped`);
  return { ok: true, value: { sysctls, ignored }, notes };
}
