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

// Changing commands, run one after the other in one empty namespace: each output, and the
// ruleset at the end (testdata/iptables-changes.json).
const SEQUENCE = [
  'iptables -A FOO -j ACCEPT',
  'iptables -A INPUT -j FOO',
  'iptables -A INPUT -p tcp --dport 22 -j ACCEPT',
  'iptables -D INPUT -p tcp --dport 23 -j ACCEPT',
  'iptables -D INPUT 5',
  'iptables -I INPUT 5 -j ACCEPT',
  'iptables -R INPUT 5 -j ACCEPT',
  'iptables -N INPUT',
  'iptables -N BAR',
  'iptables -N BAR',
  'iptables -A INPUT -j BAR',
  'iptables -X BAR',
  'iptables -X FOO',
  'iptables -F FOO',
  'iptables -Z FOO',
  'iptables -P BAR DROP',
  'iptables -P INPUT FOO',
  'iptables -P FORWARD DROP',
  'iptables -I INPUT -s 10.0.0.1 -j DROP',
  'iptables -A INPUT -m foo -j ACCEPT',
  'iptables -E BAR BAZ',
  'iptables -t nat -A POSTROUTING -s 10.0.0.0/8 -o eth0 -j MASQUERADE',
  'iptables -D INPUT 2',
  'iptables -R INPUT 1 -s 10.0.0.2 -j DROP',
  'iptables -C INPUT -s 10.0.0.2/32 -j DROP',
  'iptables -C INPUT -s 10.0.0.3 -j DROP',
  'iptables -D INPUT -j BAZ',
  'iptables -X',
  'iptables -D INPUT -s 10.0.0.2 -j DROP',
  'iptables -S',
  'iptables -t nat -S',
  'sysctl -w net.ipv4.ip_forward=1',
  'sysctl -w net.nope.what=1',
  'sysctl net.ipv4.ip_forward',
];
{
  const n = `${PREFIX}seq`;
  sh(['ip', 'netns', 'add', n]);
  try {
    const steps = SEQUENCE.map((cmd) => {
      const r = sh(inNs(n, ['sh', '-c', cmd]), { timeoutMs: 10_000 });
      return { cmd, stdout: r.stdout, stderr: r.stderr, exit: r.code };
    });
    const save = sh(inNs(n, ['iptables-save'])).stdout;
    writeFileSync(join(here, 'iptables-changes.json'), `${JSON.stringify({ steps, save }, null, 1)}\n`);
    console.log(`iptables-changes: ${steps.length} commands`);
  } finally {
    sh(['ip', 'netns', 'del', n]);
  }
}
