import { performance } from 'node:perf_hooks';
import { simulate } from '../src/engine';
import { builtinScenarios } from '../src/scenarios';

/**
 * The normal scenarios as the app runs them: every built-in scenario with its timeline, one
 * pass after another; the figure is the median time of one pass over all of them (budgets'
 * cost shows here: they are checked after every task and in every rule walk).
 */
export function benchScenarios(passes = 30): { scenarios_pass_ms: number } {
  for (let i = 0; i < 3; i++) for (const s of builtinScenarios) simulate(s);
  const times: number[] = [];
  for (let i = 0; i < passes; i++) {
    const t0 = performance.now();
    for (const s of builtinScenarios) if (!simulate(s).ok) throw new Error(`${s.id} failed`);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { scenarios_pass_ms: Math.round(times[times.length >> 1]! * 100) / 100 };
}
