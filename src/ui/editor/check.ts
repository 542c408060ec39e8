// The engine's judgement of an edit, before it is run: the scenario validator (schema and
// cross-references) and then the world built from it (addresses, routes, traffic endpoints,
// settings), exactly as a run would build it, so an edit the run would refuse is refused at
// the field instead. Rulesets are left out of the build: each is checked by its own editor as
// it is typed (iptables-save text never reaches the scenario unless it parses), and parsing a
// node's 100,000 rules on every keystroke elsewhere would stall the page.
import type { Scenario } from '../../engine/api';
import { parseIptablesSave } from '../../engine/iptables/parse';
import { restoreErrorText } from '../../engine/iptables/restoreError';
import { formatNftError } from '../../engine/nft/error';
import { parseNft } from '../../engine/nft/parse';
import { parseScenario } from '../../engine/scenario/load';
import { startRun } from '../../engine/sim/run';
import type { Work } from './model';

/** What the engine said, split into the field it names (`hosts[1].routes[0].via`) and the message. */
export interface Problem {
  readonly where: string;
  readonly message: string;
}

/** The source name the editor's checks give the engine, so its prefix can be taken off again. */
const SOURCE = 'edit';

const PATH = /^((?:[A-Za-z_]\w*|\[\d+\])(?:\.[A-Za-z_]\w*|\[\d+\])*|\(root\)): ([\s\S]*)$/;

/** `source: where: message` (the engine's one-line errors) split into where and message. */
export function splitProblem(error: string, source = SOURCE): Problem {
  const rest = error.startsWith(`${source}: `) ? error.slice(source.length + 2) : error;
  const m = PATH.exec(rest);
  return m ? { where: m[1]!, message: m[2]! } : { where: '', message: rest };
}

function withoutRulesets(s: Scenario): Scenario {
  const hosts = s.hosts.map(({ iptables_save: _i, nft_ruleset: _n, ...h }) => h);
  const variants = s.variants
    ? Object.fromEntries(
        Object.entries(s.variants).map(([k, v]) => [
          k,
          { ...v, iptables_save: {}, ...(v.nft_ruleset ? { nft_ruleset: {} } : {}) },
        ]),
      )
    : undefined;
  return { ...s, hosts, ...(variants ? { variants } : {}) };
}

export type Checked =
  | { readonly ok: true; readonly work: Work }
  | { readonly ok: false; readonly problem: Problem };

/** The edit as the engine reads it (defaults filled in), or the first thing it refuses. */
export function checkWork(w: Work): Checked {
  const parsed = parseScenario(w.scenario, SOURCE);
  if (!parsed.ok) return { ok: false, problem: splitProblem(parsed.error) };
  const started = startRun(withoutRulesets(parsed.scenario), {
    settings: w.settings,
    timeline: false,
    source: SOURCE,
  });
  if (!started.ok) return { ok: false, problem: splitProblem(started.error) };
  return { ok: true, work: { scenario: parsed.scenario, settings: w.settings } };
}

/** A ruleset's first error as iptables-restore reports it: its line and the tool's text. */
export interface RulesetError {
  readonly line: number;
  readonly text: string;
}

export function checkRuleset(text: string): RulesetError | null {
  if (text.trim() === '') return null;
  const r = parseIptablesSave(text, 'iptables-restore');
  return r.ok ? null : { line: r.error.line, text: restoreErrorText(r.error, text) };
}

/**
 * A native nftables ruleset's first error as `nft -f -` prints it on the kernel (nftables 1.0.6):
 * `/dev/stdin:<line>:<col>-<endcol>: Error: <message>`, the line, and carets under the words.
 */
export function checkNftRuleset(text: string): RulesetError | null {
  if (text.trim() === '') return null;
  const r = parseNft(text);
  return r.ok ? null : { line: r.error.line, text: formatNftError('/dev/stdin', text, r.error) };
}
