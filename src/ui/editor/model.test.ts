import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../engine/sim/run';
import { getBuiltinScenario } from '../../scenarios';
import { checkNftRuleset, checkRuleset, checkWork, splitProblem } from './check';
import {
  addHost,
  addInterface,
  addVethPair,
  fitSettings,
  freeHostName,
  removeHost,
  removeInterface,
  renameHost,
  replaceHost,
  rulesetSlot,
  rulesetText,
  setAddresses,
  setRuleset,
  updateInterface,
  type Work,
  withItem,
} from './model';

const hairpin = (): Work => ({ scenario: getBuiltinScenario('same-bridge-hairpin')!, settings: {} });

function ok(w: Work): Work {
  const c = checkWork(w);
  if (!c.ok) throw new Error(`${c.problem.where}: ${c.problem.message}`);
  return c.work;
}

const outcome = (w: Work) => {
  const r = simulate(w.scenario, { settings: w.settings });
  if (!r.ok) throw new Error(r.error);
  return r.result.outcomes.map((o) => o.ok);
};

describe('editor model', () => {
  it('adds a host joined by a veth pair, with an address on each end, and the engine runs it', () => {
    let w = addHost(hairpin(), 'pod-c');
    w = {
      ...w,
      scenario: addVethPair(
        w.scenario,
        { host: 'node', ifname: 'veth-c', master: 'cni0' },
        { host: 'pod-c', ifname: 'eth0' },
      ),
    };
    w = { ...w, scenario: setAddresses(w.scenario, 'pod-c', 'eth0', ['10.244.1.4/24']) };
    w = ok(w);
    const node = w.scenario.hosts.find((h) => h.name === 'node')!;
    expect(node.interfaces.find((i) => i.name === 'veth-c')).toMatchObject({
      kind: 'veth',
      master: 'cni0',
      peer: { host: 'pod-c', ifname: 'eth0' },
    });
    expect(w.scenario.hosts.at(-1)!.interfaces.map((i) => i.name)).toEqual(['lo', 'eth0']);
    expect(simulate(w.scenario).ok).toBe(true);
  });

  it('renames a host everywhere it is named: peers, traffic, settings, variants, lessons', () => {
    const before: Work = { ...hairpin(), settings: { 'node:net.bridge.bridge-nf-call-iptables': '1' } };
    const w = ok(renameHost(before, 'node', 'worker-1'));
    const names = JSON.stringify(w.scenario);
    expect(names).not.toMatch(/"node"/);
    expect(w.settings).toEqual({ 'worker-1:net.bridge.bridge-nf-call-iptables': '1' });
    expect(w.scenario.variants!['kube-proxy-mode=nftables']!.nft_ruleset).toHaveProperty('worker-1');
    // The same story with the new name: the setting still fixes the hairpin.
    expect(outcome(w)).toEqual(outcome(before));
  });

  it('removes a host with its veth ends, traffic, settings and the lessons that point at it', () => {
    const w = ok(
      removeHost({ ...hairpin(), settings: { 'node:net.bridge.bridge-nf-call-iptables': '1' } }, 'pod-b'),
    );
    const node = w.scenario.hosts.find((h) => h.name === 'node')!;
    expect(node.interfaces.map((i) => i.name)).toEqual(['lo', 'cni0', 'veth-a']);
    expect(w.scenario.traffic.every((t) => t.host !== 'pod-b')).toBe(true);
    expect(w.settings).toEqual({ 'node:net.bridge.bridge-nf-call-iptables': '1' });
    expect(JSON.stringify(w.scenario.lessons)).not.toContain('"pod-b"');
  });

  it('renames an interface into its peer, its ports and its routes; removing a veth takes its peer', () => {
    let w = ok(updateInterface(hairpin(), 'node', 'cni0', (i) => ({ ...i, name: 'br0' })));
    const node = () => w.scenario.hosts.find((h) => h.name === 'node')!;
    expect(
      node()
        .interfaces.filter((i) => i.master === 'br0')
        .map((i) => i.name),
    ).toEqual(['veth-a', 'veth-b']);
    w = ok(updateInterface(w, 'pod-a', 'eth0', (i) => ({ ...i, name: 'net0' })));
    expect(node().interfaces.find((i) => i.name === 'veth-a')!.peer).toEqual({
      host: 'pod-a',
      ifname: 'net0',
    });
    const podA = () => w.scenario.hosts.find((h) => h.name === 'pod-a')!;
    expect(podA().routes.every((r) => r.dev !== 'eth0')).toBe(true);
    w = ok(removeInterface(w, 'node', 'veth-a'));
    expect(podA().interfaces.map((i) => i.name)).toEqual(['lo']);
    expect(podA().routes).toEqual([]);
  });

  it('edits the ruleset that runs: the host own, or the variant a setting selects', () => {
    const w = hairpin();
    expect(rulesetSlot(w.scenario, w.settings, 'node')).toEqual({ kind: 'host' });
    expect(rulesetText(w.scenario, w.settings, 'node')).toBe(w.scenario.hosts[0]!.iptables_save);
    const s = setRuleset(w, 'node', '*filter\n:INPUT DROP [0:0]\nCOMMIT\n');
    expect(s.hosts[0]!.iptables_save).toBe('*filter\n:INPUT DROP [0:0]\nCOMMIT\n');
    expect(setRuleset(w, 'node', '  \n').hosts[0]).not.toHaveProperty('iptables_save');
    // A variant that names the host's iptables_save takes the edit instead (snat-gateway: variant=snat).
    const gw: Work = {
      scenario: getBuiltinScenario('snat-gateway')!,
      settings: { 'gateway:variant': 'snat' },
    };
    expect(rulesetSlot(gw.scenario, gw.settings, 'gateway')).toEqual({ kind: 'variant', name: 'snat' });
    const edited = setRuleset(gw, 'gateway', '*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n');
    expect(edited.variants!.snat!.iptables_save.gateway).toContain(':POSTROUTING');
    expect(edited.hosts.find((h) => h.name === 'gateway')!.iptables_save).toBe(
      gw.scenario.hosts.find((h) => h.name === 'gateway')!.iptables_save,
    );
  });

  it('edits native nftables the same way: the host own, or the variant a setting selects', () => {
    const w = hairpin();
    expect(rulesetText(w.scenario, w.settings, 'node', 'nft_ruleset')).toBe('');
    const text =
      'table ip t {\n\tchain c {\n\t\ttype filter hook input priority filter; policy drop;\n\t}\n}\n';
    const s = setRuleset(w, 'node', text, 'nft_ruleset');
    expect(s.hosts[0]!.nft_ruleset).toBe(text);
    expect(s.hosts[0]!.iptables_save).toBe(w.scenario.hosts[0]!.iptables_save);
    // kube-proxy-mode=nftables puts its own nft ruleset on node: the edit goes there.
    const nft: Work = { scenario: w.scenario, settings: { 'node:kube-proxy-mode': 'nftables' } };
    expect(rulesetSlot(nft.scenario, nft.settings, 'node', 'nft_ruleset')).toEqual({
      kind: 'variant',
      name: 'kube-proxy-mode=nftables',
    });
    expect(rulesetText(nft.scenario, nft.settings, 'node', 'nft_ruleset')).toContain('table ip kube-proxy');
    const edited = setRuleset(nft, 'node', text, 'nft_ruleset');
    expect(edited.variants!['kube-proxy-mode=nftables']!.nft_ruleset!.node).toBe(text);
    expect(edited.hosts[0]).not.toHaveProperty('nft_ruleset');
    // The engine's check takes the host with its nftables.
    expect(ok({ scenario: s, settings: {} }).scenario.hosts[0]!.nft_ruleset).toBe(text);
  });

  it("marks an nftables error at its line with nft -f -'s text (captured on the kernel, nftables 1.0.6)", () => {
    expect(
      checkNftRuleset(
        'table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\ttcp dport 22 acept\n\t}\n}\n',
      ),
    ).toEqual({
      line: 4,
      text: '/dev/stdin:4:21-21: Error: syntax error, unexpected newline\n\t\ttcp dport 22 acept\n\t\t                  ^',
    });
    expect(checkNftRuleset('table ip t {\n\tchain c {\n\t\ttcp dport 70000 accept\n\t}\n}\n')).toEqual({
      line: 3,
      text: '/dev/stdin:3:13-17: Error: Service out of range\n\t\ttcp dport 70000 accept\n\t\t          ^^^^^',
    });
    expect(checkNftRuleset(' \n')).toBeNull();
  });

  it('replaceHost puts a whole host in place (the paste entry point)', () => {
    const w = hairpin();
    const spec = { ...w.scenario.hosts[1]!, sysctls: { 'net.ipv4.ip_forward': '1' } };
    const next = ok(replaceHost(w, 'pod-a', spec));
    expect(next.scenario.hosts[1]!.sysctls).toEqual({ 'net.ipv4.ip_forward': '1' });
    expect(ok(replaceHost(w, 'pod-a', { ...spec, name: 'client' })).scenario.hosts[1]!.name).toBe('client');
  });

  it('the engine refuses what it would refuse in a run, naming the field', () => {
    const w = hairpin();
    const bad = checkWork({ ...w, scenario: setAddresses(w.scenario, 'pod-a', 'eth0', ['10.244.1.300/24']) });
    expect(bad).toMatchObject({ ok: false, problem: { where: 'hosts[1].interfaces[1].addresses[0]' } });
    const dup = checkWork(addHost(w, 'pod-a'));
    expect(dup).toEqual({ ok: false, problem: { where: 'hosts', message: 'two hosts share a name' } });
    const name = checkWork(addHost(w, 'Pod C'));
    expect(name).toMatchObject({ ok: false, problem: { where: 'hosts[3].name' } });
    const veth = checkWork({
      ...w,
      scenario: addInterface(w.scenario, 'node', { name: 'v', kind: 'veth', addresses: [], up: true }),
    });
    expect(veth).toEqual({
      ok: false,
      problem: { where: 'hosts[0].interfaces[4]', message: 'veth v on node has no peer' },
    });
  });

  it('splits the engine errors into field and message', () => {
    expect(splitProblem('edit: traffic[0].to: not an address:port: x')).toEqual({
      where: 'traffic[0].to',
      message: 'not an address:port: x',
    });
    expect(splitProblem('edit: --set a:b=1: no host named a')).toEqual({
      where: '',
      message: '--set a:b=1: no host named a',
    });
  });

  it('marks a ruleset error at its line with the iptables-restore text', () => {
    expect(
      checkRuleset('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dprot 80 -j ACCEPT\nCOMMIT\n'),
    ).toEqual({
      line: 3,
      text: `iptables-restore v1.8.9 (nf_tables): unknown option "--dprot"\nError occurred at line: 3\nTry \`iptables-restore -h' or 'iptables-restore --help' for more information.\n`,
    });
    expect(checkRuleset('')).toBeNull();
  });

  it('fitSettings drops settings of hosts that are gone and keeps the object when nothing is', () => {
    const s = hairpin().scenario;
    const keep = { 'node:a.b': '1', 'c.d': '0' };
    expect(fitSettings(s, keep)).toBe(keep);
    expect(fitSettings(s, { 'gone:a.b': '1', 'c.d': '0' })).toEqual({ 'c.d': '0' });
  });

  it('freeHostName and withItem', () => {
    expect(freeHostName(hairpin().scenario, 'node')).toBe('node-2');
    expect(withItem([1, 2, 3], 1, 9)).toEqual([1, 9, 3]);
    expect(withItem([1, 2, 3], 3, 4)).toEqual([1, 2, 3, 4]);
    expect(withItem([1, 2, 3], 0, null)).toEqual([2, 3]);
  });

  it('property: any sequence of host adds, renames and removes leaves a scenario the engine accepts', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), n: fc.nat(5) }),
      fc.record({ kind: fc.constant('rename' as const), i: fc.nat(10), n: fc.nat(5) }),
      fc.record({ kind: fc.constant('remove' as const), i: fc.nat(10) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 8 }), (ops) => {
        let w = hairpin();
        for (const o of ops) {
          const hosts = w.scenario.hosts;
          if (o.kind === 'add') w = addHost(w, freeHostName(w.scenario, `h${o.n}`));
          else if (o.kind === 'rename')
            w = renameHost(w, hosts[o.i % hosts.length]!.name, freeHostName(w.scenario, `r${o.n}`));
          else if (hosts.length > 1) w = removeHost(w, hosts[o.i % hosts.length]!.name);
          w = { ...w, settings: fitSettings(w.scenario, w.settings) };
          const c = checkWork(w);
          if (!c.ok) throw new Error(`${JSON.stringify(ops)}: ${c.problem.where}: ${c.problem.message}`);
        }
      }),
      { numRuns: 60 },
    );
  });
});
