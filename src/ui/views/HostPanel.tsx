// One card per host: its settings (sysctl switches, variant selects), its conntrack table and
// its rules, all at the playhead.
import { memo, useId } from 'react';
import type { HostSummary, Scenario, Settings } from '../../engine/api';
import type { SettingSpec } from '../../engine/scenario/schema';
import type { HostSnapshot } from '../../worker/protocol';
import type { Dict, Lang } from '../i18n';
import { isSwitch, settingKey, settingValue } from '../settings';
import { ConntrackTable } from './ConntrackTable';
import { HostExport } from './ExportButtons';
import { Rules } from './Rules';

function SettingControl(props: {
  spec: SettingSpec;
  value: string;
  lang: Lang;
  onChange: (key: string, value: string) => void;
}) {
  const { spec, value, onChange } = props;
  const id = useId();
  const key = settingKey(spec);
  const hint = spec.label?.[props.lang];
  if (isSwitch(spec)) {
    const on = value === '1';
    return (
      <div className="setting">
        <button
          type="button"
          role="switch"
          aria-checked={on}
          aria-label={spec.key}
          className={on ? 'switch on' : 'switch'}
          onClick={() => onChange(key, on ? '0' : '1')}
        >
          <span className="knob" aria-hidden="true" />
        </button>
        <span className="mono setting-key" title={hint}>
          {spec.key} = {value}
        </span>
      </div>
    );
  }
  return (
    <div className="setting">
      <label htmlFor={id} className="mono setting-key" title={hint}>
        {spec.key}
      </label>
      <select id={id} value={value} onChange={(e) => onChange(key, e.target.value)}>
        {spec.values.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    </div>
  );
}

function HostPanelView(props: {
  host: HostSummary;
  scenario: Scenario;
  settings: Settings;
  snap: HostSnapshot | undefined;
  highlight: number | undefined;
  current: boolean;
  /** A lesson step points at this host's conntrack table. */
  lessonConntrack?: boolean;
  t: Dict;
  lang: Lang;
  onSetting: (key: string, value: string) => void;
}) {
  const { host, scenario, t } = props;
  const specs = scenario.settings.filter((s) => s.host === host.name);
  const role = scenario.hosts.find((h) => h.name === host.name)?.role?.[props.lang];
  return (
    <article className={props.current ? 'host-card current' : 'host-card'} aria-label={`host ${host.name}`}>
      <h3>
        <span className="mono">{host.name}</span>
        {role ? <span className="dim"> — {role}</span> : null}
      </h3>
      {specs.length ? (
        <fieldset className="settings">
          <legend className="sr-only">{host.name}</legend>
          {specs.map((s) => (
            <SettingControl
              key={settingKey(s)}
              spec={s}
              value={settingValue(scenario, props.settings, s)}
              lang={props.lang}
              onChange={props.onSetting}
            />
          ))}
        </fieldset>
      ) : null}
      <ConntrackTable
        host={host.name}
        rows={props.snap?.conntrack ?? []}
        tracking={host.conntrackReason !== undefined || (props.snap?.conntrack.length ?? 0) > 0}
        t={t}
        lesson={props.lessonConntrack ?? false}
        {...(props.highlight !== undefined ? { highlight: props.highlight } : {})}
      />
      <Rules host={host.name} snap={props.snap} t={t} />
      <HostExport host={host.name} t={t} />
    </article>
  );
}

type HostPanelProps = Parameters<typeof HostPanelView>[0];

/** Two snapshots of a host that print the same: each arrives as a new object from the worker. */
export function sameHostSnapshot(a: HostSnapshot | undefined, b: HostSnapshot | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  if (a.iptablesSave !== b.iptablesSave || a.nft !== b.nft) return false;
  if (a.conntrack.length !== b.conntrack.length || a.iptablesList.length !== b.iptablesList.length)
    return false;
  for (let k = 0; k < a.conntrack.length; k++) {
    const x = a.conntrack[k]!;
    const y = b.conntrack[k]!;
    if (x.id !== y.id || x.line !== y.line) return false;
  }
  for (let k = 0; k < a.iptablesList.length; k++) {
    const x = a.iptablesList[k]!;
    const y = b.iptablesList[k]!;
    if (x.table !== y.table || x.text !== y.text) return false;
  }
  return true;
}

/**
 * Re-rendered only when something it shows changed: a step, or a snapshot that prints the same
 * for this host, leaves the card (its tables and rules) alone.
 */
export const HostPanel = memo(HostPanelView, (a: HostPanelProps, b: HostPanelProps) => {
  for (const k of Object.keys(b) as (keyof HostPanelProps)[]) if (k !== 'snap' && a[k] !== b[k]) return false;
  return Object.keys(a).length === Object.keys(b).length && sameHostSnapshot(a.snap, b.snap);
});
