import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTraceLine, runScenario, settingRuns } from '../../engine';
import { checkFates } from '../../engine/timeline/fates';
import { builtinScenarios } from '..';

// Golden timelines (Observable Plot style): each built-in scenario in each of its settings is
// run and its `--format trace` text compared with the reviewed file beside this test. On a
// difference the new text is written to `<name>-changed.txt` for review; UPDATE_GOLDEN=1
// rewrites the goldens after a reviewed change.

const dir = import.meta.dirname;

function goldenName(id: string, label: string): string {
  return `${id}@${label.replace(/[^a-zA-Z0-9.=-]+/g, '_')}.trace.txt`;
}

describe('golden timelines', () => {
  for (const s of builtinScenarios) {
    for (const run of settingRuns(s)) {
      it(`${s.id} ${run.label}`, () => {
        const r = runScenario(s, { settings: run.settings });
        expect(checkFates(r.events)).toBeUndefined();
        const text = `${r.events.map(formatTraceLine).join('\n')}\n# outcomes\n${r.outcomes.map((o) => o.line).join('\n')}\n`;
        const file = join(dir, goldenName(s.id, run.label));
        const changed = file.replace(/\.txt$/, '-changed.txt');
        if (process.env.UPDATE_GOLDEN || (!process.env.CI && !existsSync(file))) writeFileSync(file, text);
        const want = readFileSync(file, 'utf8');
        if (want !== text) writeFileSync(changed, text);
        else if (existsSync(changed)) unlinkSync(changed);
        expect(text).toBe(want);
      });
    }
  }
});
