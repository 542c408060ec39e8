import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../engine';
import { builtinScenarios } from '../scenarios';
import { render } from './sim';

const here = import.meta.dirname;
const root = join(here, '../..');

function sim(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'sim.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const hairpin = builtinScenarios.find((s) => s.id === 'same-bridge-hairpin')!;

describe('sim runner (design.md §3)', () => {
  // The content of the search is tested in engine/fix/search.test.ts; here the runner's wiring.
  it('--explain-fix prints one fix per line, or that nothing failed', { timeout: 180_000 }, () => {
    const off = sim(
      'same-bridge-hairpin',
      '--set',
      'node:net.bridge.bridge-nf-call-iptables=0',
      '--explain-fix',
    );
    expect(off.code).toBe(0);
    const lines = off.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^fix pod-a -> 10\.96\.0\.10:80: node: sysctl -w net\.bridge\.bridge-nf-call-iptables=1 {2}# \S/,
    );
    for (const l of lines) expect(l).toMatch(/^fix pod-a -> 10\.96\.0\.10:80: node: .+ {2}# .+$/);
    const on = sim(
      'same-bridge-hairpin',
      '--set',
      'node:net.bridge.bridge-nf-call-iptables=1',
      '--explain-fix',
    );
    expect(on.out).toBe('nothing failed: every connection succeeded, so there is nothing to fix\n');
  });

  it('prints the hairpin entry as conntrack -L does, under # host lines', () => {
    const off = render(
      runScenario(hairpin, { settings: { 'node:net.bridge.bridge-nf-call-iptables': '0' } }),
      'conntrack',
    );
    expect(off).toMatch(
      /^# host node\ntcp {6}6 \d+ SYN_SENT src=10\.244\.1\.2 dst=10\.96\.0\.10 sport=\d+ dport=80 \[UNREPLIED\] src=10\.244\.1\.3 dst=10\.244\.1\.2 sport=8080 dport=\d+ mark=0 use=1\n# host pod-a\n# host pod-b\n$/,
    );
    const on = render(
      runScenario(hairpin, { settings: { 'node:net.bridge.bridge-nf-call-iptables': '1' } }),
      'conntrack',
    );
    expect(on).toMatch(/TIME_WAIT src=10\.244\.1\.2 dst=10\.96\.0\.10 .* \[ASSURED\] mark=0 use=1/);
    const proc = render(runScenario(hairpin), 'proc');
    expect(proc).toMatch(/^# host node\nipv4 {5}2 tcp {6}6 \d+ SYN_SENT .* mark=0 zone=0 use=2\n/);
  });

  it("replays a file's changes at their time (issue 10): bnf turned on at 1.5 s connects", () => {
    const r = sim('src/cli/testdata/hairpin-bnf-mid-run.json', '--format', 'trace');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^\[ {4}1\.500000\] node {7}change: sysctl -w net\.bridge\.bridge-nf-call-iptables=1$/m,
    );
    expect(r.out).toMatch(/^\[ {4}2\.000\d{3}\] pod-a {6}app\[1\]: connected to 10\.96\.0\.10:80$/m);
  });

  it('shows no entry for a SYN answered only by a RST: the tracker killed it (issue 7.1)', () => {
    const r = sim(join(here, 'testdata/rst-killed-syn.json'), '--format', 'conntrack');
    expect(r.code).toBe(0);
    expect(r.out).toBe('# host host\n# host peer\n');
    const proc = sim(join(here, 'testdata/rst-killed-syn.json'), '--format', 'json');
    expect(JSON.parse(proc.out).final.conntrack).toEqual({ host: [], peer: [] });
  });

  it('--format events prints conntrack -E byte for byte as the kernel did (TCP, UDP, ping, a RST-killed SYN)', () => {
    // The golden is conntrack -E (conntrack-tools 1.4.7, Linux 6.18) in host's namespace while
    // the same four clients ran with the same ports (docs/kernel-observations.md 3.5).
    const golden = readFileSync(join(here, 'testdata/ct-events.conntrack-E.txt'), 'utf8');
    const r = sim(join(here, 'testdata/ct-events.json'), '--format', 'events');
    expect(r.code).toBe(0);
    expect(r.out).toBe(golden);
  });

  it('--at cuts every format at that virtual moment', () => {
    const fw = builtinScenarios.find((s) => s.id === 'stateful-firewall')!;
    const full = runScenario(fw);
    const at = 1_500_000;
    const cut = runScenario(fw, { until: at });
    expect(cut.endTime).toBe(at);
    // The cut run is the full run's past: the same events, up to that moment.
    const before = full.events.filter((e) => e.t <= at);
    expect(JSON.stringify(cut.events)).toBe(JSON.stringify(before));
    // conntrack -L as it would print then: the timers count from the cut, not from the end.
    expect(render(cut, 'conntrack')).toMatch(/tcp {6}6 118 TIME_WAIT .*\nudp {6}17 28 .*\nicmp {5}1 29 /);
    expect(render(cut, 'outcome')).toContain('host -> 10.0.0.2 icmp ok');
    const early = render(runScenario(fw, { until: 500_000 }), 'outcome');
    expect(early).toContain('peer -> 10.0.0.1:22 tcp failed: still running at 0.5s\n');
    expect(early).toContain('host -> 10.0.0.2 icmp failed: not started at 0.5s (starts at 0.6s)\n');
    // Long after the run, every timer has run out: the table is empty and -E told each [DESTROY].
    const late = runScenario(fw, { until: 200_000_000 });
    expect(render(late, 'conntrack')).toBe('# host host\n# host peer\n');
    expect(render(late, 'events').match(/^\[DESTROY\] /gm)).toHaveLength(3);
    const viaCli = sim('stateful-firewall', '--at', '1500ms', '--format', 'conntrack');
    expect(viaCli.out).toBe(render(cut, 'conntrack'));
  });

  it('says per connection whether it worked and why', () => {
    expect(render(runScenario(hairpin), 'outcome')).toMatch(/^pod-a -> 10\.96\.0\.10:80 tcp failed: .*RST/);
    const json = JSON.parse(render(runScenario(hairpin), 'json'));
    expect(json.scenario).toBe('same-bridge-hairpin');
    expect(json.final.conntrack.node[0]).toMatch(/SYN_SENT/);
    expect(json.events.length).toBeGreaterThan(100);
  });

  it("prints each host's rules with the run's counters as iptables-save -c and iptables -L -n -v do", () => {
    const r = runScenario(hairpin);
    const save = render(r, 'iptables-save');
    expect(save).toContain('# host node\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [4:240]\n');
    expect(save).toContain(
      '[1:60] -A KUBE-SEP-2AZ33KU3V5PGPQZH -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.1.3:8080\n',
    );
    const list = render(r, 'iptables');
    expect(list).toContain('# table nat\nChain PREROUTING (policy ACCEPT 0 packets, 0 bytes)\n');
    expect(list).toMatch(
      / {4}1 {4}60 KUBE-SERVICES {2}0 {4}-- {2}\* {6}\* {7}0\.0\.0\.0\/0 {12}0\.0\.0\.0\/0 {12}\/\* kubernetes service portals \*\//,
    );
  });

  it('lists the built-in scenarios and exits 0 on a completed run', () => {
    const list = sim('--list');
    expect(list.code).toBe(0);
    expect(
      list.out
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]),
    ).toEqual(builtinScenarios.map((s) => s.id));
    const run = sim(
      'same-bridge-hairpin',
      '--set',
      'node:net.bridge.bridge-nf-call-iptables=1',
      '--format',
      'outcome',
    );
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/tcp ok/);
  });

  it('exits 2 with one line naming file, line and field on bad input', () => {
    const json = sim(join(here, 'testdata/broken.json'));
    expect(json.code).toBe(2);
    expect(json.err).toMatch(/^sim: .*broken\.json: line 7, column 1: /);
    expect(json.err.trim().split('\n')).toHaveLength(1);
    const rule = sim(join(here, 'testdata/bad-rule.json'));
    expect(rule.code).toBe(2);
    expect(rule.err).toMatch(/bad-rule\.json:8: hosts\[0\]\.iptables_save: line 6: .*NOSUCHCHAIN/);
    const field = sim(
      join(here, 'testdata/bad-rule.json'),
      '--set',
      'a:net.ipv4.ip_forward=1',
      '--format',
      'xml',
    );
    expect(field.code).toBe(2);
    expect(field.err).toMatch(/--format/);
    expect(sim('no-such-scenario').err).toMatch(/no built-in scenario no-such-scenario/);
  });
});
