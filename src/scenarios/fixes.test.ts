// The fix search (src/engine/fix) on the built-in scenarios and on broken copies of them; it
// lives beside the scenarios because the engine knows nothing of them.
import { describe, expect, it } from 'vitest';
import { builtinScenarios, getBuiltinScenario } from './index';
import { applySettings } from '../engine/scenario/load';
import type { Scenario } from '../engine/scenario/schema';
import { settingRuns } from '../engine/scenario/variants';
import { simulate } from '../engine/sim/run';
import { type Fix, findFixes, formatFixes, withFix } from '../engine/fix/search';

const scenario = (id: string) => getBuiltinScenario(id)!;

function fixesOf(s: Scenario, settings: Record<string, string> = {}): Fix[] {
  const r = findFixes(s, { settings });
  if (!r.ok) throw new Error(r.error);
  return [...r.result.fixes];
}

const commands = (fs: readonly Fix[], conn?: number) =>
  fs
    .filter((f) => conn === undefined || f.conn === conn)
    .map((f) => f.changes.map((c) => `${c.host}: ${c.command}`).join(' ; '));

describe('the fix search on the built-in scenarios', () => {
  it('same-bridge-hairpin with bridge-nf-call-iptables=0: br_netfilter on node, or masquerading the hairpin traffic', () => {
    const got = commands(fixesOf(scenario('same-bridge-hairpin')));
    expect(got).toContain('node: sysctl -w net.bridge.bridge-nf-call-iptables=1');
    expect(got).toContain(
      'node: iptables -t nat -A POSTROUTING -s 10.244.1.2/32 -d 10.244.1.3/32 -j MASQUERADE',
    );
  });

  it('explains the br_netfilter fix by the SYN-ACK that now meets conntrack on node', () => {
    const f = fixesOf(scenario('same-bridge-hairpin')).find((x) =>
      x.changes[0]!.command.startsWith('sysctl'),
    )!;
    expect(f.why).toMatch(/SYN-ACK 10\.244\.1\.3:8080 > 10\.244\.1\.2:\d+ now passes PREROUTING on node/);
    expect(f.why).toMatch(/un-DNAT on node/);
  });

  it('shows the br_netfilter fix on the path: the SYN-ACK went straight to pod-a, now it passes node', () => {
    const s = scenario('same-bridge-hairpin');
    const f = fixesOf(s).find((x) => x.changes[0]!.command.startsWith('sysctl'))!;
    const p = f.path!;
    expect(p.packet).toMatch(/^the SYN-ACK 10\.244\.1\.3:8080 > 10\.244\.1\.2:\d+$/);
    // The shared head: pod-b sends it; then the ways part.
    expect(p.without.slice(0, p.common)).toEqual(p.with.slice(0, p.common));
    expect(p.common).toBeGreaterThan(0);
    expect(p.without[p.common]!.host).toBe('pod-a');
    expect(p.without.at(-1)!.kind).toBe('drop');
    expect(p.with[p.common]).toEqual({
      host: 'node',
      hook: 'PREROUTING',
      kind: 'hook',
      text: 'passes PREROUTING on node',
      say: { step: 'hook', hook: 'PREROUTING' },
    });
    expect(p.with.some((x) => x.kind === 'rewrite' && x.text.includes('un-DNAT'))).toBe(true);
    // The failed run's playhead there shows that very packet.
    const r = simulate(s);
    if (!r.ok) throw new Error(r.error);
    const e = r.result.events[p.failedAt - 1]!;
    expect('pkt' in e && e.pkt).toBe(p.failedPkt);
    expect(e.host).toBe('pod-a');
  });

  it('shows the deleted DROP on the path: rule 3 drops the SYN without the fix, the policy accepts it with', () => {
    const f = fixesOf(scenario('stateful-firewall')).find(
      (x) => x.changes[0]!.command === 'iptables -D INPUT 3',
    )!;
    const p = f.path!;
    expect(p.without[p.common]!.text).toBe('meets rule 3 of filter INPUT on host (drop)');
    expect(p.with[p.common]!.text).toBe('meets the ACCEPT policy of filter INPUT on host');
    expect([p.host, p.hook]).toEqual(['host', 'INPUT']);
  });

  it("pod-to-self-hairpin without hairpin_mode: hairpin on the pod's bridge port", () => {
    expect(commands(fixesOf(scenario('pod-to-self-hairpin')))).toEqual([
      'node: bridge link set dev veth-a hairpin on',
    ]);
  });

  it('pod-to-self-hairpin without hairpin_mode and masquerade: no single change works, the pair does', () => {
    const got = fixesOf(scenario('pod-to-self-hairpin'), { 'node:variant': 'no-hairpin-masq' });
    expect(got.length).toBeGreaterThan(0);
    for (const f of got) expect(f.changes).toHaveLength(2);
    expect(commands(got)).toContain(
      'node: bridge link set dev veth-a hairpin on ; node: iptables -t nat -A POSTROUTING -s 10.244.1.2/32 -d 10.244.1.2/32 -j MASQUERADE',
    );
  });

  it('stateful-firewall: the rule that drops the incoming NEW; nothing for a port nobody listens on', () => {
    const r = findFixes(scenario('stateful-firewall'));
    if (!r.ok) throw new Error(r.error);
    const ssh = r.result.outcomes.find((o) => o.to === '10.0.0.1:22')!;
    expect(commands(r.result.fixes, ssh.conn)).toContain('host: iptables -D INPUT 3');
    const text = formatFixes(r.result);
    expect(text).toContain(
      'fix peer -> 10.0.0.1:22: host: iptables -D INPUT 3  # without rule 3 of filter INPUT',
    );
    expect(text).toContain('no fix found for host -> 10.0.0.2:33434 udp');
  });

  it('full-nat without its SNAT: a route back on backend, or masquerading on gateway', () => {
    const got = commands(fixesOf(scenario('full-nat'), { 'gateway:variant': 'dnat-only' }));
    expect(got).toContain('backend: ip route add 10.1.1.0/24 via 10.2.2.1 dev eth0');
    expect(got).toContain('gateway: iptables -t nat -A POSTROUTING -s 10.1.1.0/24 -o eth1 -j MASQUERADE');
  });

  it('invalid-out-of-window: be_liberal, or dropping INVALID in FORWARD (the two cures of its text)', () => {
    const got = commands(fixesOf(scenario('invalid-out-of-window')));
    expect(got).toContain('node: sysctl -w net.netfilter.nf_conntrack_tcp_be_liberal=1');
    expect(got).toContain('node: iptables -I FORWARD 1 -m conntrack --ctstate INVALID -j DROP');
  });

  it('a run where nothing failed says so', () => {
    const r = findFixes(scenario('host-conntrack'));
    if (!r.ok) throw new Error(r.error);
    expect(r.result.fixes).toEqual([]);
    expect(r.result.runs).toBe(1);
    expect(formatFixes(r.result)).toBe(
      'nothing failed: every connection succeeded, so there is nothing to fix\n',
    );
  });

  // Every fix the search reports, on every built-in setting, does what it says when applied
  // on its own: the connection succeeds and every connection that worked still works.
  for (const s of builtinScenarios)
    for (const run of settingRuns(s))
      it(`${s.id} [${run.label}]: each fix found works when applied at the start`, () => {
        const r = findFixes(s, { settings: run.settings });
        if (!r.ok) throw new Error(r.error);
        for (const f of r.result.fixes) {
          const again = simulate(withFix(s, f.changes), { settings: run.settings });
          if (!again.ok) throw new Error(again.error);
          for (const o of again.result.outcomes) {
            const before = r.result.outcomes.find((x) => x.conn === o.conn)!;
            if (o.conn === f.conn || before.ok) expect(o.ok, `${commands([f])}: ${o.line}`).toBe(true);
          }
          expect(f.why.length).toBeGreaterThan(20);
        }
      });
});

// Broken on purpose: take a working scenario, remove one thing it needs (a sysctl, a bridge
// port flag, a route, a NAT or ACCEPT rule), and the search must find that thing again among
// its fixes (the same command, or for rules and routes the same kind of thing on the same host).

interface Breakage {
  readonly label: string;
  readonly scenario: Scenario;
  /** Whether a fix puts back what was removed. */
  readonly restores: (f: Fix) => boolean;
}

function breakages(s: Scenario): Breakage[] {
  const out: Breakage[] = [];
  const withHost = (hi: number, h: Scenario['hosts'][number]): Scenario => ({
    ...s,
    hosts: s.hosts.map((x, i) => (i === hi ? h : x)),
  });
  s.hosts.forEach((h, hi) => {
    for (const key of [
      'net.ipv4.ip_forward',
      'net.bridge.bridge-nf-call-iptables',
      'net.netfilter.nf_conntrack_tcp_be_liberal',
    ])
      if (h.sysctls[key] === '1')
        out.push({
          label: `${h.name}: ${key}=0`,
          scenario: withHost(hi, { ...h, sysctls: { ...h.sysctls, [key]: '0' } }),
          restores: (f) => f.changes.some((c) => c.host === h.name && c.command === `sysctl -w ${key}=1`),
        });
    for (const i of h.interfaces)
      if (i.hairpin)
        out.push({
          label: `${h.name}: ${i.name} hairpin off`,
          scenario: withHost(hi, {
            ...h,
            interfaces: h.interfaces.map((x) => (x === i ? { ...x, hairpin: false } : x)),
          }),
          restores: (f) =>
            f.changes.some(
              (c) => c.host === h.name && c.command === `bridge link set dev ${i.name} hairpin on`,
            ),
        });
    h.routes.forEach((r, ri) => {
      out.push({
        label: `${h.name}: route ${r.dst} via ${r.via ?? '-'} removed`,
        scenario: withHost(hi, { ...h, routes: h.routes.filter((_, j) => j !== ri) }),
        restores: (f) =>
          f.changes.some(
            (c) =>
              c.host === h.name &&
              c.command.startsWith('ip route add ') &&
              (r.via === undefined || c.command.includes(` via ${r.via} `)),
          ),
      });
    });
    const lines = (h.iptables_save ?? '').split('\n');
    let table = '';
    lines.forEach((line, li) => {
      if (line.startsWith('*')) table = line.slice(1);
      const m = /^-A (\S+) .*-j (MASQUERADE|SNAT|DNAT|ACCEPT|DROP)\b/.exec(line);
      if (!m) return;
      const target = m[2]!;
      const prefix = `iptables ${table === 'filter' ? '' : `-t ${table} `}-`;
      // Source NAT either way: MASQUERADE and SNAT --to-source put back the same thing.
      const targets = target === 'SNAT' || target === 'MASQUERADE' ? ['SNAT', 'MASQUERADE'] : [target];
      out.push({
        label: `${h.name}: ${table} ${line} removed`,
        scenario: withHost(hi, { ...h, iptables_save: lines.filter((_, j) => j !== li).join('\n') }),
        restores: (f) =>
          f.changes.some(
            (c) =>
              c.host === h.name &&
              c.command.startsWith(prefix) &&
              (targets.some((t) => c.command.endsWith(`-j ${t}`) || c.command.includes(`-j ${t} `)) ||
                // An ACCEPT removed before a DROP policy: the policy may go instead.
                (target === 'ACCEPT' && / -P \S+ ACCEPT$/.test(c.command))),
          ),
      });
    });
  });
  return out;
}

describe('the fix search on broken scenarios', () => {
  for (const base of builtinScenarios)
    for (const run of settingRuns(base)) {
      const applied = applySettings(base, run.settings);
      if (!applied.ok) continue;
      const s = applied.scenario;
      const ok = simulate(s);
      if (!ok.ok || ok.result.outcomes.some((o) => !o.ok)) continue;
      it(`${base.id} [${run.label}]: what was removed is among the fixes`, { timeout: 120_000 }, () => {
        let broken = 0;
        for (const b of breakages(s)) {
          const r = findFixes(b.scenario);
          if (!r.ok) continue; // the removal made the scenario unbuildable: nothing to run
          const failed = r.result.outcomes.filter((o) => !o.ok);
          if (failed.length === 0) continue; // not needed after all
          broken++;
          for (const o of failed)
            expect(
              r.result.fixes.some((f) => f.conn === o.conn && b.restores(f)),
              `${b.label}: ${o.line}\n${formatFixes(r.result)}`,
            ).toBe(true);
        }
        expect(broken).toBeGreaterThan(0);
      });
    }
});
