// Captures what `sysctl -a` prints in namespaces on this kernel (as root:
// `npx tsx parity/sysctlCapture.ts`):
// - src/engine/console/sysctlNetns.ts: the `net.` keys of a fresh namespace holding a veth pair
//   (eth0, eth1) and a bridge (br0): the keys and defaults a namespace and a device get, which
//   the console's `sysctl -a` starts from;
// - src/engine/console/testdata/sysctl-a.json: `sysctl -a` on same-bridge-hairpin's node and
//   pod-a, built as parity builds them, which the console must print.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getBuiltinScenario } from '../src/scenarios';
import { planBuild, TRACE_TABLE } from './build';
import { inNs, sh } from './sh';

const consoleDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'engine', 'console');
const PREFIX = 'nfx-cons-';

function sysctlA(ns: string): string {
  const r = sh(inNs(ns, ['sysctl', '-a']), { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`sysctl -a in ${ns}: ${r.stderr}`);
  return r.stdout;
}

const fresh = `${PREFIX}fresh`;
sh(['ip', 'netns', 'del', fresh]);
sh(['ip', 'netns', 'add', fresh]);
try {
  for (const argv of [
    ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1'],
    ['ip', 'link', 'add', 'br0', 'type', 'bridge'],
  ]) {
    const r = sh(inNs(fresh, argv));
    if (r.code !== 0) throw new Error(`${r.cmd}: ${r.stderr}`);
  }
  const lines = sysctlA(fresh)
    .split('\n')
    .filter((l) => l.startsWith('net.'));
  writeFileSync(
    join(consoleDir, 'sysctlNetns.ts'),
    `// Written by parity/sysctlCapture.ts: \`sysctl -a\` (its net. keys) in a fresh namespace on\n// ${sh(['uname', '-r']).stdout.trim()} holding veth eth0/eth1 and bridge br0.\nexport const SYSCTL_NETNS = \`${lines.join('\n')}\`;\n`,
  );
} finally {
  sh(['ip', 'netns', 'del', fresh]);
}

const scenario = getBuiltinScenario('same-bridge-hairpin')!;
const ns = (h: string) => `${PREFIX}sys-${h}`;
const out: Record<string, string> = {};
try {
  for (const step of planBuild(scenario, ns)) {
    if (step.input === TRACE_TABLE) continue;
    const r = sh(step.argv, { input: step.input, timeoutMs: 15_000 });
    if (r.code !== 0 && !step.soft) throw new Error(`${r.cmd}: ${r.stderr}`);
  }
  for (const h of ['node', 'pod-a']) out[h] = sysctlA(ns(h));
} finally {
  for (const h of scenario.hosts) sh(['ip', 'netns', 'del', ns(h.name)]);
}
writeFileSync(join(consoleDir, 'testdata', 'sysctl-a.json'), `${JSON.stringify(out, null, 1)}\n`);
console.log(
  `sysctl -a: ${Object.entries(out)
    .map(([h, t]) => `${h} ${t.split('\n').length - 1} keys`)
    .join(', ')}`,
);
