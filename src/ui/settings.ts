// The scenario's settings as the UI shows them: which are switches, which are selects, and
// the value each has now (an override the user made, or what the scenario itself says).
import type { Scenario, Settings } from '../engine/api';
import type { SettingSpec } from '../engine/scenario/schema';
import { defaultValue as engineDefault } from '../engine/scenario/variants';

/** The `--set` key of a setting: `host:key`, or `key` alone for a setting of every host. */
export function settingKey(s: SettingSpec): string {
  return s.host === '*' ? s.key : `${s.host}:${s.key}`;
}

/** A setting whose values are exactly 0 and 1 is a switch; anything else is a select. */
export function isSwitch(s: SettingSpec): boolean {
  return s.values.length === 2 && s.values.includes('0') && s.values.includes('1');
}

/** What the setting is when the user has not touched it: the engine's answer, shared with the runner's variants. */
export function defaultValue(scenario: Scenario, s: SettingSpec): string {
  return engineDefault(scenario, s.host, s.key, s.values);
}

export function settingValue(scenario: Scenario, settings: Settings, s: SettingSpec): string {
  return settings[settingKey(s)] ?? defaultValue(scenario, s);
}

/** Settings grouped by host, in host order, for the per-host groups. */
export function settingsByHost(scenario: Scenario): { host: string; settings: SettingSpec[] }[] {
  const out: { host: string; settings: SettingSpec[] }[] = [];
  for (const s of scenario.settings) {
    let g = out.find((x) => x.host === s.host);
    if (!g) {
      g = { host: s.host, settings: [] };
      out.push(g);
    }
    g.settings.push(s);
  }
  return out;
}
