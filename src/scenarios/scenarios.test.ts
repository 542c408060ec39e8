import { readdirSync, readFileSync } from 'node:fs';
import { parseNft } from '../engine/nft/parse';
import { printRuleset } from '../engine/nft/print';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applySettings, parseScenario } from '../engine/scenario/load';
import { type HostSpec, type Scenario, scenarioSchema } from '../engine/scenario/schema';
import { builtinScenarios, getBuiltinScenario } from './index';

const here = dirname(fileURLToPath(import.meta.url));

// design.md section 4: ids in this order, and the hosts and addresses that are a contract.
// `rules` lists text each host's iptables_save must contain (the Service VIPs and endpoints).
const contract: ReadonlyArray<{
  id: string;
  hosts: Record<string, string[]>;
  rules?: Record<string, string[]>;
}> = [
  { id: 'host-conntrack', hosts: { host: ['10.1.1.3'], web: [], dns: [] } },
  {
    id: 'snat-gateway',
    hosts: { client: ['192.168.1.100'], gateway: ['192.168.1.1', '10.1.1.3'], server: [] },
    rules: { gateway: ['-s 192.168.1.0/24', '-j MASQUERADE'] },
  },
  { id: 'full-nat', hosts: { client: [], gateway: [], backend: [] } },
  {
    id: 'same-bridge-hairpin',
    hosts: { node: ['10.244.1.1'], 'pod-a': ['10.244.1.2'], 'pod-b': ['10.244.1.3'] },
    rules: {
      node: [
        '-d 10.96.0.10/32 -p tcp',
        '--dport 80 -j KUBE-SVC-',
        '-j DNAT --to-destination 10.244.1.3:8080',
      ],
    },
  },
  {
    id: 'pod-to-self-hairpin',
    hosts: { node: [], 'pod-a': [] },
    rules: { node: ['-d 10.96.0.20/32 -p tcp', '-j DNAT --to-destination 10.244.1.2:8080'] },
  },
  { id: 'stateful-firewall', hosts: { host: [], peer: [] } },
  {
    id: 'docker-port-publish',
    hosts: { host: ['172.17.0.1'], container: ['172.17.0.2'], outside: [] },
    rules: {
      host: [
        '--dport 8080 -j DNAT --to-destination 172.17.0.2:80',
        '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE',
      ],
    },
  },
  {
    id: 'node-port-snat',
    hosts: { user: [], 'node-1': [], 'node-2': [], pod: [] },
    rules: { 'node-1': ['--dport 30080 -j KUBE-EXT-', 'KUBE-POSTROUTING', '-j MASQUERADE'] },
  },
  { id: 'stateless-dnat', hosts: { user: [], edge: [], vm: [] } },
  { id: 'hook-paths', hosts: { host: [], peer: [], router: [] } },
  { id: 'conntrack-table-full', hosts: { client: [], server: [] } },
  {
    id: 'invalid-out-of-window',
    hosts: { node: ['10.0.1.1', '10.0.2.1'], client: ['10.0.1.2'], backend: ['10.0.2.2'] },
    rules: { node: ['-j DNAT --to-destination 10.0.2.2:8080', '-j KUBE-FORWARD'] },
  },
  // Issue 12: the same Services on two nodes, one per kube-proxy mode.
  {
    id: 'iptables-vs-nftables',
    hosts: { 'node-ipt': ['10.0.0.1'], 'node-nft': ['10.0.0.2'], web: ['10.244.2.3'] },
  },
];

const BUILTIN_CHAINS: Record<string, string[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};
const TARGETS = new Set(
  'ACCEPT DROP RETURN REJECT DNAT SNAT MASQUERADE REDIRECT MARK CONNMARK LOG NOTRACK CT TRACE'.split(' '),
);

function addrs(h: HostSpec): string[] {
  return h.interfaces.flatMap((i) => i.addresses.map((a) => a.split('/')[0]!));
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function inPrefix(ip: string, cidr: string): boolean {
  const [net, len] = cidr.split('/');
  const size = 2 ** (32 - Number(len ?? 32));
  return Math.floor(ipToInt(ip) / size) === Math.floor(ipToInt(net!) / size);
}

/** Every `iptables_save` of a scenario: each host's and each variant's, labelled for messages. */
function rulesets(s: Scenario): Array<[string, string]> {
  const out: Array<[string, string]> = s.hosts.flatMap((h) =>
    h.iptables_save === undefined ? [] : [[h.name, h.iptables_save] as [string, string]],
  );
  for (const [v, variant] of Object.entries(s.variants ?? {}))
    for (const [h, text] of Object.entries(variant.iptables_save)) out.push([`${h} (variant ${v})`, text]);
  // An empty ruleset is a host with no iptables rules at all (e.g. kube-proxy in nftables mode).
  return out.filter(([, text]) => text !== '');
}

function nftRulesets(s: Scenario): Array<[string, string]> {
  const out: Array<[string, string]> = s.hosts.flatMap((h) =>
    h.nft_ruleset === undefined ? [] : [[h.name, h.nft_ruleset] as [string, string]],
  );
  for (const [v, variant] of Object.entries(s.variants ?? {}))
    for (const [h, text] of Object.entries(variant.nft_ruleset ?? {}))
      out.push([`${h} (variant ${v})`, text]);
  return out;
}

/**
 * The canonical `iptables-save` shape (netfilter-reference 5.3): `*table`, built-in chains in hook
 * order with a policy, user chains sorted by name with `-`, rules grouped per chain in that order,
 * `COMMIT`. Returns the problems found, so a failure names them.
 */
function saveProblems(text: string): string[] {
  const problems: string[] = [];
  if (!text.endsWith('COMMIT\n')) problems.push('does not end with COMMIT and a newline');
  const blocks = text.trimEnd().split(/\nCOMMIT(?:\n|$)/);
  for (const block of blocks) {
    if (block === '') continue;
    const lines = block.split('\n');
    const table = lines[0]!.replace(/^\*/, '');
    const builtins = BUILTIN_CHAINS[table];
    if (!lines[0]!.startsWith('*') || !builtins) {
      problems.push(`bad table line ${lines[0]}`);
      continue;
    }
    const chainLines = lines.filter((l) => l.startsWith(':'));
    const declared = chainLines.map((l) => /^:(\S+) (\S+) \[0:0\]$/.exec(l));
    if (declared.some((m) => !m)) problems.push(`${table}: malformed chain line`);
    const names = declared.map((m) => m?.[1] ?? '');
    if (names.slice(0, builtins.length).join(' ') !== builtins.join(' '))
      problems.push(`${table}: built-in chains ${names.join(' ')} should start with ${builtins.join(' ')}`);
    for (const m of declared.slice(0, builtins.length))
      if (m && m[2] !== 'ACCEPT' && m[2] !== 'DROP') problems.push(`${table}: policy ${m[2]}`);
    const user = names.slice(builtins.length);
    for (const m of declared.slice(builtins.length))
      if (m && m[2] !== '-') problems.push(`${table}: ${m[1]} policy`);
    if ([...user].sort().join(' ') !== user.join(' ')) problems.push(`${table}: user chains not sorted`);
    const order = [...builtins, ...user];
    let last = 0;
    for (const line of lines.slice(1 + chainLines.length)) {
      const m = /^-A (\S+) /.exec(line);
      if (!m) {
        problems.push(`${table}: not a rule: ${line}`);
        continue;
      }
      const at = order.indexOf(m[1]!);
      if (at < 0) problems.push(`${table}: chain ${m[1]} not declared`);
      if (at < last) problems.push(`${table}: rules of ${m[1]} out of chain order`);
      last = Math.max(last, at);
      for (const j of line.matchAll(/ -[jg] (\S+)/g))
        if (!TARGETS.has(j[1]!) && !user.includes(j[1]!))
          problems.push(`${table}: jump to undeclared ${j[1]}`);
    }
    if (lines.slice(1).some((l) => l.startsWith('#') || l.startsWith('*')))
      problems.push(`${table}: stray line`);
  }
  return problems;
}

const files = readdirSync(here).filter((f) => f.endsWith('.json'));

describe('built-in scenario files', () => {
  it('are exactly the files in src/scenarios, in the order of design.md', () => {
    expect(builtinScenarios.map((s) => s.id)).toEqual(contract.map((c) => c.id));
    expect(files.map((f) => f.replace(/\.json$/, '')).sort()).toEqual(contract.map((c) => c.id).sort());
  });

  it.each(files)('%s validates against the schema and its cross-references', (file) => {
    const json: unknown = JSON.parse(readFileSync(join(here, file), 'utf8'));
    expect(() => scenarioSchema.parse(json)).not.toThrow();
    const r = parseScenario(json, file);
    expect(r.ok ? 'ok' : r.error).toBe('ok');
    if (r.ok) expect(r.scenario.id).toBe(file.replace(/\.json$/, ''));
  });

  it('ids are unique and getBuiltinScenario finds each', () => {
    const ids = builtinScenarios.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of builtinScenarios) expect(getBuiltinScenario(s.id)).toBe(s);
    expect(getBuiltinScenario('no-such-scenario')).toBeUndefined();
  });
});

describe.each(builtinScenarios.map((s) => [s.id, s] as const))('%s', (_id, s) => {
  const hosts = new Map(s.hosts.map((h) => [h.name, h]));

  it('has title, summary and 4 to 8 teaching steps in English and Chinese', () => {
    for (const t of [s.title, s.summary]) {
      expect(t?.en.trim()).toBeTruthy();
      expect(t?.zh).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(s.teaching?.en.length).toBeGreaterThanOrEqual(4);
    expect(s.teaching?.en.length).toBeLessThanOrEqual(8);
    expect(s.teaching?.zh.length).toBe(s.teaching?.en.length);
    for (const step of s.teaching?.en ?? []) expect(step).not.toMatch(/[\u4e00-\u9fff]/);
    for (const step of s.teaching?.zh ?? []) expect(step).toMatch(/[\u4e00-\u9fff]/);
    for (const h of s.hosts) expect(h.role?.en && h.role.zh).toBeTruthy();
    for (const l of s.limitations) expect(l.en && /[\u4e00-\u9fff]/.test(l.zh)).toBe(true);
  });

  it('matches the design.md contract for hosts, addresses and rules', () => {
    const c = contract.find((x) => x.id === s.id)!;
    expect([...hosts.keys()]).toEqual(expect.arrayContaining(Object.keys(c.hosts)));
    for (const [name, want] of Object.entries(c.hosts))
      expect(addrs(hosts.get(name)!)).toEqual(expect.arrayContaining(want));
    for (const [name, texts] of Object.entries(c.rules ?? {}))
      for (const t of texts) expect(hosts.get(name)!.iptables_save).toContain(t);
  });

  it('gives every host lo 127.0.0.1/8 and declares every veth pair on both sides', () => {
    for (const h of s.hosts) {
      expect(h.interfaces.find((i) => i.name === 'lo')).toMatchObject({
        kind: 'loopback',
        addresses: ['127.0.0.1/8'],
      });
      for (const i of h.interfaces) {
        if (i.kind !== 'veth') continue;
        expect(i.peer, `${h.name}/${i.name} has a peer`).toBeDefined();
        const p = hosts.get(i.peer!.host)?.interfaces.find((x) => x.name === i.peer!.ifname);
        expect(p?.kind, `${h.name}/${i.name} peer`).toBe('veth');
        expect(p?.peer).toEqual({ host: h.name, ifname: i.name });
      }
      for (const i of h.interfaces.filter((x) => x.master)) {
        expect(h.interfaces.find((b) => b.name === i.master)?.kind).toBe('bridge');
        expect(i.addresses, `bridge port ${i.name} has no address of its own`).toEqual([]);
        expect(typeof i.hairpin).toBe('boolean');
      }
    }
  });

  it('uses each address once and has routes whose device exists and whose gateway is on-link', () => {
    const all = s.hosts.flatMap(addrs).filter((a) => !a.startsWith('127.'));
    expect(new Set(all).size).toBe(all.length);
    for (const h of s.hosts)
      for (const r of h.routes) {
        if (r.dev) expect(h.interfaces.map((i) => i.name)).toContain(r.dev);
        if (r.via) {
          const nets = h.interfaces
            .filter((i) => !r.dev || i.name === r.dev)
            .flatMap((i) => i.addresses)
            .filter((a) => !a.endsWith('/32'));
          expect(
            nets.some((n) => inPrefix(r.via!, n)),
            `${h.name}: ${r.dst} via ${r.via}`,
          ).toBe(true);
        }
      }
  });

  it('sends traffic from existing hosts to addresses that exist or that a rule translates', () => {
    const known = new Set(s.hosts.flatMap(addrs));
    const ruleText = rulesets(s)
      .map(([, t]) => t)
      .join('\n');
    for (const t of s.traffic) {
      expect(hosts.has(t.host), `traffic host ${t.host}`).toBe(true);
      if (t.kind === 'tcp-listen' || t.kind === 'udp-listen') continue;
      if (t.kind !== 'udp-flood' && t.kind !== 'tcp-inject') expect(t.timeout).toBeLessThanOrEqual(4000);
      const ip = t.to.split(':')[0]!;
      expect(known.has(ip) || ruleText.includes(`-d ${ip}/32`), `${t.host} -> ${t.to}`).toBe(true);
    }
  });

  it('has settings that name existing hosts, keys and values', () => {
    for (const st of s.settings) {
      const h = st.host === '*' ? s.hosts[0] : hosts.get(st.host);
      expect(h, `setting host ${st.host}`).toBeDefined();
      const modes = Object.keys(s.variants ?? {}).filter((k) => k.startsWith(`${st.key}=`));
      if (modes.length) {
        // A setting backed by variants named `<key>=<value>`: the first value is the scenario as written.
        expect(modes.sort()).toEqual(
          st.values
            .slice(1)
            .map((v) => `${st.key}=${v}`)
            .sort(),
        );
      } else if (st.key === 'variant') {
        for (const v of st.values) expect(s.variants?.[v], `variant ${v}`).toBeDefined();
        const dflt = Object.entries(s.variants ?? {}).filter(([, v]) =>
          Object.entries(v.iptables_save).every(([hn, text]) => hosts.get(hn)?.iptables_save === text),
        );
        expect(dflt.map(([k]) => k)).toEqual([st.values[0]]);
      } else if (st.key.startsWith('/sys/class/net/')) {
        const port = /^\/sys\/class\/net\/([^/]+)\/brport\/hairpin_mode$/.exec(st.key)?.[1];
        expect(h!.interfaces.find((i) => i.name === port)?.master).toBeTruthy();
        expect(st.values).toEqual(['0', '1']);
      } else {
        expect(st.key).toMatch(/^net\.[a-z0-9_.-]+$/);
        if (h!.sysctls[st.key] !== undefined) expect(st.values).toContain(h!.sysctls[st.key]);
      }
      for (const value of st.values) {
        const r = applySettings(s, { [st.host === '*' ? st.key : `${st.host}:${st.key}`]: value });
        expect(r.ok ? 'ok' : r.error).toBe('ok');
      }
    }
    for (const v of Object.values(s.variants ?? {}))
      for (const hn of Object.keys(v.iptables_save)) expect(hosts.has(hn), `variant host ${hn}`).toBe(true);
  });

  it('writes every ruleset in canonical iptables-save form', () => {
    for (const [where, text] of rulesets(s)) expect(saveProblems(text), where).toEqual([]);
  });

  it('writes every nft ruleset as `nft list ruleset` prints it', () => {
    for (const [where, text] of nftRulesets(s)) {
      const r = parseNft(text);
      expect(r.ok ? printRuleset(r.ruleset) : `line ${r.error.line}: ${r.error.message}`, where).toBe(text);
    }
  });
});

describe('the stories the scenarios tell', () => {
  const get = (id: string) => getBuiltinScenario(id)!;
  const host = (id: string, name: string) => get(id).hosts.find((h) => h.name === name)!;

  it('same-bridge-hairpin: node bridges pod-a and pod-b on cni0 and starts with bridge-nf-call-iptables=0', () => {
    const node = host('same-bridge-hairpin', 'node');
    expect(node.interfaces.find((i) => i.name === 'cni0')).toMatchObject({
      kind: 'bridge',
      addresses: ['10.244.1.1/24'],
    });
    for (const port of ['veth-a', 'veth-b'])
      expect(node.interfaces.find((i) => i.name === port)).toMatchObject({ master: 'cni0', hairpin: false });
    expect(node.sysctls).toMatchObject({
      'net.ipv4.ip_forward': '1',
      'net.bridge.bridge-nf-call-iptables': '0',
    });
    expect(get('same-bridge-hairpin').settings).toContainEqual(
      expect.objectContaining({
        host: 'node',
        key: 'net.bridge.bridge-nf-call-iptables',
        values: ['0', '1'],
      }),
    );
    expect(host('same-bridge-hairpin', 'pod-a').routes).toEqual([
      { dst: 'default', via: '10.244.1.1', dev: 'eth0' },
    ]);
    const traffic = get('same-bridge-hairpin').traffic;
    expect(traffic).toContainEqual(
      expect.objectContaining({ kind: 'tcp-listen', host: 'pod-b', port: 8080 }),
    );
    expect(traffic).toContainEqual(
      expect.objectContaining({ kind: 'tcp-connect', host: 'pod-a', to: '10.96.0.10:80', timeout: 4000 }),
    );
  });

  it('pod-to-self-hairpin: hairpin_mode off by default, and the KUBE-SEP masquerade rule only in the default variant', () => {
    const s = get('pod-to-self-hairpin');
    expect(host('pod-to-self-hairpin', 'node').interfaces.find((i) => i.name === 'veth-a')?.hairpin).toBe(
      false,
    );
    const masq = /-A KUBE-SEP-\S+ -s 10\.244\.1\.2\/32 .*-j KUBE-MARK-MASQ/;
    expect(s.variants?.['kube-proxy']?.iptables_save.node).toMatch(masq);
    expect(s.variants?.['no-hairpin-masq']?.iptables_save.node).not.toMatch(masq);
    const on = applySettings(s, { 'node:/sys/class/net/veth-a/brport/hairpin_mode': '1' });
    expect(on.ok && on.scenario.hosts[0]!.interfaces.find((i) => i.name === 'veth-a')?.hairpin).toBe(true);
  });

  it('snat-gateway: MASQUERADE by default, SNAT --to-source 10.1.1.3 as the snat variant', () => {
    const s = get('snat-gateway');
    const r = applySettings(s, { 'gateway:variant': 'snat' });
    expect(r.ok).toBe(true);
    const gw = r.ok ? r.scenario.hosts.find((h) => h.name === 'gateway')! : undefined;
    expect(gw?.iptables_save).toContain('-j SNAT --to-source 10.1.1.3');
    expect(gw?.iptables_save).not.toContain('MASQUERADE');
  });

  it('stateful-firewall: ESTABLISHED,RELATED accepted before NEW is dropped on INPUT of host', () => {
    const rules = host('stateful-firewall', 'host')
      .iptables_save!.split('\n')
      .filter((l) => l.startsWith('-A INPUT'));
    const est = rules.indexOf('-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
    const drop = rules.indexOf('-A INPUT -m conntrack --ctstate NEW -j DROP');
    expect(est).toBeGreaterThanOrEqual(0);
    expect(drop).toBeGreaterThan(est);
  });

  it('conntrack-table-full: more flows than nf_conntrack_max on server, the first ones assured before the rest come', () => {
    const s = get('conntrack-table-full');
    const max = Number(host('conntrack-table-full', 'server').sysctls['net.netfilter.nf_conntrack_max']);
    const flows = s.traffic.filter((t) => t.kind === 'udp-send' || t.kind === 'tcp-connect');
    expect(flows.length).toBeGreaterThan(max);
    // The first `max` flows are resolvers asking again more than 2 s after their first query
    // (the UDP stream rule: ASSURED), before the first flow that needs a new entry. Nothing
    // the kernel's garbage collector may evict is left when the table runs full, which keeps
    // the kernel run deterministic (see the scenario's limitations).
    const resolvers = flows.slice(0, max);
    const firstNew = Math.min(...flows.slice(max).map((t) => t.at));
    for (const r of resolvers) {
      if (r.kind !== 'udp-send') throw new Error('a resolver is a udp-send');
      expect(r.more[0]!.at - r.at).toBeGreaterThan(2000);
      expect(r.more[0]!.at).toBeLessThan(firstNew);
      expect(r.more.at(-1)!.at).toBeGreaterThan(firstNew);
    }
    expect(
      s.hosts.find((h) => h.name === 'server')!.sysctls['net.netfilter.nf_conntrack_buckets'],
    ).toBeUndefined();
  });

  it('stateless-dnat: the notrack variant adds raw NOTRACK and keeps the same nat rules', () => {
    const s = get('stateless-dnat');
    const tracked = s.variants?.conntrack?.iptables_save.edge ?? '';
    const untracked = s.variants?.notrack?.iptables_save.edge ?? '';
    expect(untracked).toContain('*raw\n');
    expect(untracked).toContain('-j NOTRACK');
    expect(untracked.slice(untracked.indexOf('*nat'))).toBe(tracked.slice(tracked.indexOf('*nat')));
  });

  it('the canonical-form check catches what iptables-save would never print', () => {
    expect(saveProblems('*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n')).not.toEqual([]);
    expect(
      saveProblems(
        '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:B - [0:0]\n:A - [0:0]\nCOMMIT\n',
      ),
    ).toContain('filter: user chains not sorted');
    expect(
      saveProblems(
        '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -j X\nCOMMIT\n',
      ),
    ).toContain('filter: jump to undeclared X');
  });
});
