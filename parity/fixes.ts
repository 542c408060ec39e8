import type { Scenario } from '../src/engine/api';
import { findFixes } from '../src/engine/fix/search';
import { applySettings } from '../src/engine/scenario/load';
import { settingRuns } from '../src/engine/scenario/variants';
import type { World } from './build';
import { runOnKernel } from './kernelRun';
import { inNs, sh } from './sh';
import { kernelSide } from './side';

// Issue 11: every fix the engine's search proposes for a built-in scenario is confirmed on the
// kernel. The scenario is built in its setting, the fix's commands run in their namespaces
// (before any traffic, as the engine applies them at time 0), the traffic runs, and the
// connection the fix is for must succeed there too.

/** `sysctl -w` of a key the build emulates where the kernel refuses it in a child namespace. */
const EMULATED = /^sysctl -w (net\.netfilter\.nf_conntrack_max)=(\d+)$/;

export interface FixCheck {
  readonly tag: string;
  /** `host: command ; host: command`. */
  readonly fix: string;
  /** `ok`, `FAILED: <reason>` or `n/a: <why>` (the kernel refused a command or a setting). */
  readonly verdict: string;
  readonly failed: boolean;
}

export async function confirmFixes(
  scenarios: readonly Scenario[],
  runId: string,
  onWorld: (w: World | undefined) => void,
  log: (line: string) => void,
): Promise<FixCheck[]> {
  const checks: FixCheck[] = [];
  let n = 0;
  for (const base of scenarios)
    for (const row of settingRuns(base)) {
      const tag = `${base.id} x ${row.label}`;
      const found = findFixes(base, { settings: row.settings });
      if (!found.ok) continue;
      const applied = applySettings(base, row.settings);
      if (!applied.ok) continue;
      for (const f of found.result.fixes) {
        const fix = f.changes.map((c) => `${c.host}: ${c.command}`).join(' ; ');
        const refused: string[] = [];
        let verdict: string;
        // A sysctl the harness emulates in the build (nf_conntrack_max, build.ts) is set there,
        // as a setting of the run; every other command runs in its namespace before the traffic.
        const asSettings: Record<string, string> = {};
        const commands = f.changes.filter((c) => {
          const m = EMULATED.exec(c.command.trim());
          if (m) asSettings[`${c.host}:${m[1]}`] = m[2]!;
          return !m;
        });
        const withFix = Object.keys(asSettings).length
          ? applySettings(base, { ...row.settings, ...asSettings })
          : applied;
        if (!withFix.ok) continue;
        try {
          const kernel = await runOnKernel(withFix.scenario, `${runId}f${(n++).toString(16)}`, {
            onWorld: (w) => {
              onWorld(w);
              if (!w) return;
              for (const c of commands) {
                const r = sh(inNs(w.ns.get(c.host)!, ['sh', '-c', c.command]), { timeoutMs: 10_000 });
                if (r.code !== 0) refused.push(`${c.command}: ${r.stderr.trim().split('\n')[0]}`);
              }
            },
          });
          const skipped = kernel.notes.filter((x) => x.startsWith('not applied:'));
          const o = kernelSide(kernel).outcomes.get(f.conn);
          if (refused.length || skipped.length)
            verdict = `n/a: the kernel refused ${[...refused, ...skipped.map((s) => s.slice(13))].join('; ')}`;
          else verdict = o?.ok ? 'ok' : `FAILED: ${o?.reason ?? 'no outcome'}`;
        } catch (e) {
          verdict = `FAILED: kernel run failed: ${(e as Error).message}`;
        }
        const check = { tag, fix, verdict, failed: verdict.startsWith('FAILED') };
        log(`fix ${tag} (${f.from} -> ${f.to}): ${fix} -> kernel: ${verdict}`);
        checks.push(check);
      }
    }
  return checks;
}
