// A hand-made engine for protocol tests: deterministic, tiny, and able to fail on demand.
import { ruleLine } from '../engine/timeline/ruleLine';
import type { RunOutcomeOf, RunResult, RunSession, Scenario, Settings } from '../engine/api';
import type { PasteInput } from '../engine/import/build';
import type { EngineApi } from './dispatch';
import type { PasteResult, Progress } from './protocol';

export const fixtureScenario = {
  version: 1,
  id: 'fixture',
  hosts: [{ name: 'a', interfaces: [], routes: [], sysctls: {} }],
  traffic: [],
  settings: [],
  changes: [],
  seed: 1,
  limitations: [],
  lessons: [],
} as unknown as Scenario;

/** A session over a fixed result: done at the first advance, or after `slices` advances. */
export function fixedSession(result: () => RunResult, slices = 1): RunSession {
  let left = slices;
  const done = (): RunOutcomeOf<RunResult> => ({ ok: true, result: result() });
  return {
    advance: () => (--left <= 0 ? done() : undefined),
    progress: () => ({ now: slices - left, horizon: slices, tasks: 0, events: slices - left, frames: 0 }),
    cancel: () => ({
      ok: true,
      result: {
        ...result(),
        stopped: { key: 'cancelled', params: { tasks: 0 }, text: 'cancelled after 0 scheduler steps' },
      },
    }),
  };
}

export function fakeEngine(): EngineApi & {
  runs: number;
  runScenario(s: Scenario, st: Settings): RunResult;
} {
  const api = {
    runs: 0,
    builtins: [fixtureScenario],
    parseScenario: (json: unknown, source: string) =>
      json && typeof json === 'object' && (json as { id?: unknown }).id === 'fixture'
        ? ({
            ok: true,
            scenario: { ...fixtureScenario, changes: (json as Partial<Scenario>).changes ?? [] },
          } as const)
        : ({ ok: false, error: `${source}: id: invalid` } as const),
    runScenario(scenario: Scenario, settings: Settings): RunResult {
      if (settings.crash === '1') throw new TypeError('engine exploded');
      api.runs++;
      return {
        scenario,
        settings,
        hosts: [],
        events: [
          { t: 0, host: 'a', type: 'app', text: 'one' },
          { t: 5, host: 'a', type: 'app', text: 'two' },
        ],
        endTime: 5,
        outcomes: [],
      };
    },
    pcap: (_r: RunResult, host: string) =>
      host === 'a' ? new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1]) : undefined,
    command: (_r: RunResult, index: number, host: string, line: string) => ({
      stdout: `${host}@${index}$ ${line}\n`,
      stderr: '',
      exit: 0,
      change: line.startsWith('sysctl -w'),
    }),
    findFixes: (scenario: Scenario, settings: Settings) => {
      if (settings.crash === '1') throw new TypeError('engine exploded');
      return {
        ok: true as const,
        result: {
          outcomes: [],
          fixes: [
            {
              conn: 0,
              from: 'a',
              to: scenario.id,
              changes: [{ host: 'a', command: 'sysctl -w x=1' }],
              why: 'because',
              reasons: [{ key: 'ct-max' as const, params: {} }],
            },
          ],
          runs: 2,
          truncated: false,
        },
      };
    },
    importPaste(scenario: Scenario, input: PasteInput, progress?: (p: Progress) => void): PasteResult {
      progress?.({ events: 0, now: 0, step: 'iptables-save', lines: 1, total: 2 });
      if (input.target.name === 'bad')
        return { ok: false, error: { kind: 'iptables-save', line: 2, message: 'Bad argument `x`' } };
      const host = { name: input.target.name, interfaces: [], routes: [], sysctls: {} };
      return {
        ok: true,
        scenario: { ...scenario, hosts: [...scenario.hosts, host] },
        host: host.name,
        notes: [],
      };
    },
    startRun(scenario: Scenario, settings: Settings): RunOutcomeOf<RunSession> {
      if (settings.bad === '1') return { ok: false, error: 'fixture: hosts[0]: bad' };
      return { ok: true, result: fixedSession(() => api.runScenario(scenario, settings)) };
    },
    snapshot: (result: RunResult, index: number) => ({
      now: index === 0 ? 0 : result.events[index - 1]!.t,
      hosts: { a: { conntrack: [{ id: 1, line: `at ${index}` }], iptablesSave: '', iptablesList: [] } },
    }),
    // A long ruleset's text at `index`: a chain line, then one rule line per rule, numbered.
    rulesLines: (_result: RunResult, index: number, host: string, view: string) => {
      const lines = [
        `*${view}`,
        `:${host} ACCEPT [0:0]`,
        ...Array.from({ length: 10_000 }, (_, i) => `[${index}:0] -A ${host} -j R${i + 1}`),
        'COMMIT',
      ];
      return {
        length: lines.length,
        line: (k: number) => lines[k]!,
        find: (r: { chain: string; rulenum: number }) => ruleLine(lines, view, r.chain, r.rulenum),
      };
    },
  };
  return api;
}
