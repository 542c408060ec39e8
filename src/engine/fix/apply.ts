import type { Scenario } from '../scenario/schema';

// Kept apart from the search so the UI can apply a fix without loading the engine.

/** One command on one host, applied as a change at the start of the run. */
export interface FixChange {
  readonly host: string;
  readonly command: string;
}

/** The scenario with `changes` appended at time 0, after those it already has at 0. */
export function withFix(s: Scenario, changes: readonly FixChange[]): Scenario {
  return { ...s, changes: [...s.changes, ...changes.map((c) => ({ at: 0, ...c }))] };
}
