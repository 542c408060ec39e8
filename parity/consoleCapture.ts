// Captures the console goldens on the real kernel (as root: `npx tsx parity/consoleCapture.ts`).
// Each built scenario gets one namespace per host (`nfx-con-<host>`), its MACs set to the engine's
// derived ones so the output compares byte for byte; the commands of COMMANDS run in each and
// their stdout, stderr and exit status are written to src/engine/console/testdata/<scenario>.json.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { derivedMac } from '../src/engine/stack/host';
import { builtinScenarios } from '../src/scenarios';
import { planBuild, TRACE_TABLE } from './build';
import { inNs, sh } from './sh';

const here = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'engine', 'console', 'testdata');
const PREFIX = 'nfx-con-';

/** Per scenario, the commands to capture on each host (`*` = every host). */
const COMMANDS: Record<string, Record<string, string[]>> = {
  'same-bridge-hairpin': {
    '*': ['ip addr', 'ip link', 'ip route', 'ip neigh', 'sysctl net.ipv4.ip_forward', 'iptables -S'],
    node: [
      'bridge link',
      'bridge fdb',
      'ip route get 10.244.1.3',
      'ip route get 10.96.0.10',
      'ip route get 10.244.1.1',
      'sysctl net.bridge.bridge-nf-call-iptables',
      'sysctl net.nope.what',
      'sysctl -a | grep bridge-nf-call',
      'iptables -L',
      'iptables -L -n',
      'iptables -t nat -L -n',
      'iptables -t nat -L -n -v',
      'iptables -t nat -L -n -v -x --line-numbers',
      'iptables -t nat -L KUBE-SERVICES -n',
      'iptables -t nat -L FOO -n',
      'iptables -L FOO',
      'iptables -t nat -S',
      'iptables -t nat -S KUBE-SERVICES',
      'iptables -S FOO',
      'iptables -t bogus -L',
      'iptables-save -c -t nat',
      'conntrack -L',
      'conntrack -C',
      'cat /proc/net/nf_conntrack',
    ],
    'pod-a': ['ip route get 10.96.0.10', 'ip route get 10.244.1.3', 'iptables-save'],
  },
  'snat-gateway': {
    '*': ['ip addr', 'ip link', 'ip route', 'ip route get 10.1.1.10'],
    gateway: ['sysctl net.ipv4.ip_forward', 'iptables -t nat -S', 'iptables -t nat -L -n -v'],
  },
};

const ns = (h: string) => `${PREFIX}${h}`;

function run(host: string, cmd: string) {
  const r = sh(inNs(ns(host), ['sh', '-c', cmd]), { timeoutMs: 10_000 });
  const norm = (s: string) => s.replaceAll(PREFIX, '');
  return { cmd, stdout: norm(r.stdout), stderr: norm(r.stderr), exit: r.code };
}

for (const scenario of builtinScenarios) {
  const wanted = COMMANDS[scenario.id];
  if (!wanted) continue;
  const withMacs = {
    ...scenario,
    hosts: scenario.hosts.map((h) => ({
      ...h,
      interfaces: h.interfaces.map((i) =>
        i.kind === 'loopback' ? i : { ...i, mac: i.mac ?? derivedMac(h.name, i.name) },
      ),
    })),
  };
  const out: Record<string, ReturnType<typeof run>[]> = {};
  try {
    for (const step of planBuild(withMacs, ns)) {
      if (step.input === TRACE_TABLE) continue;
      const r = sh(step.argv, { input: step.input, timeoutMs: 15_000 });
      if (r.code !== 0 && !step.soft) throw new Error(`${r.cmd}: ${r.stderr}`);
    }
    // Carrier comes up asynchronously (linkwatch): without a pause a veth may still say NO-CARRIER.
    sh(['sleep', '1']);
    for (const h of scenario.hosts)
      out[h.name] = [...(wanted['*'] ?? []), ...(wanted[h.name] ?? [])].map((c) => run(h.name, c));
  } finally {
    for (const h of scenario.hosts) sh(['ip', 'netns', 'del', ns(h.name)]);
  }
  writeFileSync(join(here, `${scenario.id}.json`), `${JSON.stringify(out, null, 1)}\n`);
  console.log(`${scenario.id}: ${Object.values(out).flat().length} commands`);
}
