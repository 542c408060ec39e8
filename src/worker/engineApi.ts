// Binds the real engine to the dispatcher's EngineApi and turns a WorldState into the text
// the views show (`conntrack -L`, `iptables-save -c`, `iptables -L -n -v`), so the UI thread
// never loads the engine, its parsers or its schema library.
import { hostViews, isChange, parseScenario, runCommand, runScenario } from '../engine/index';
import { builtinScenarios } from '../scenarios/index';
import type { EngineApi } from './dispatch';

export const realEngine: EngineApi = {
  builtins: builtinScenarios,
  parseScenario,
  runScenario: (scenario, settings) => runScenario(scenario, { settings }),
  snapshot: (result, index) => hostViews(result, index),
  command: (result, index, host, line) => ({
    ...runCommand(result, index, host, line),
    change: isChange(line),
  }),
};
