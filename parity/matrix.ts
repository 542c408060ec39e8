import type { Settings } from '../src/engine/api';
import type { Scenario } from '../src/engine/scenario/schema';

// Which runs a scenario gets: one per value of each setting it offers (one setting changed
// at a time, the others as the scenario has them), or a single run when it offers none.

export interface MatrixRow {
  /** `host:key=value`, `key=value` for every host, or `default`. */
  readonly label: string;
  readonly settings: Settings;
}

export function settingsMatrix(s: Scenario): MatrixRow[] {
  const rows: MatrixRow[] = [];
  for (const st of s.settings) {
    const spec = st.host === '*' ? st.key : `${st.host}:${st.key}`;
    for (const v of st.values) rows.push({ label: `${spec}=${v}`, settings: { [spec]: v } });
  }
  return rows.length ? rows : [{ label: 'default', settings: {} }];
}
