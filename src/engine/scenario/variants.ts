import type { Settings } from '../api';
import type { Scenario } from './schema';

export interface SettingRun {
  /** e.g. `default` or `node:net.bridge.bridge-nf-call-iptables=1`. */
  readonly label: string;
  readonly settings: Settings;
}

/** The value a setting has when nobody sets it: the scenario's sysctl, else the first listed value. */
export function defaultValue(s: Scenario, host: string, key: string, values: readonly string[]): string {
  const h = s.hosts.find((x) => x.name === host);
  if (key === 'variant') return values[0]!;
  const brport = /^\/sys\/class\/net\/([^/]+)\/brport\/hairpin_mode$/.exec(key);
  if (brport && h) {
    const i = h.interfaces.find((x) => x.name === brport[1]);
    return i?.hairpin ? '1' : '0';
  }
  return h?.sysctls[key] ?? values[0]!;
}

/**
 * Every setting of a scenario worth checking: the scenario as written, then each other value
 * of each setting on its own. Goldens, the parity harness and the e2e tests share this list.
 */
export function settingRuns(s: Scenario): SettingRun[] {
  const runs: SettingRun[] = [{ label: 'default', settings: {} }];
  for (const st of s.settings) {
    const def = defaultValue(s, st.host, st.key, st.values);
    for (const v of st.values) {
      if (v === def) continue;
      const k = st.host === '*' ? st.key : `${st.host}:${st.key}`;
      runs.push({ label: `${k}=${v}`, settings: { [k]: v } });
    }
  }
  return runs;
}
