import { describe, expect, it } from 'vitest';
import type { RunResult } from '../api';
import { parseScenario } from '../scenario/load';
import { simulate } from '../sim/run';
import { hostViews } from '../timeline/views';
import { NftRuntime } from './eval';
import { parseNft } from './parse';

/** client 10.0.0.1 -- server 10.0.0.2 on one link; the server carries `nft` (and maybe iptables). */
function run(nft: string, iptables?: string): RunResult {
  const r = parseScenario(
    {
      version: 1,
      id: 'nft-eval',
      hosts: [
        {
          name: 'client',
          interfaces: [
            { name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'] },
            {
              name: 'eth0',
              kind: 'ethernet',
              addresses: ['10.0.0.1/24'],
              peer: { host: 'server', ifname: 'eth0' },
            },
          ],
        },
        {
          name: 'server',
          interfaces: [
            { name: 'lo', kind: 'loopback', addresses: ['127.0.0.1/8'] },
            {
              name: 'eth0',
              kind: 'ethernet',
              addresses: ['10.0.0.2/24'],
              peer: { host: 'client', ifname: 'eth0' },
            },
          ],
          nft_ruleset: nft,
          ...(iptables && { iptables_save: iptables }),
        },
      ],
      traffic: [
        { kind: 'tcp-listen', host: 'server', port: 80 },
        { kind: 'tcp-connect', host: 'client', to: '10.0.0.2:80', at: 0, timeout: 1500 },
      ],
    },
    'nft-eval',
  );
  if (!r.ok) throw new Error(r.error);
  const s = simulate(r.scenario);
  if (!s.ok) throw new Error(s.error);
  return s.result;
}

/** The chains the first packet (the SYN) walked on the server, as `<table> <chain> <HOOK>`. */
function synChains(r: RunResult): string[] {
  const syn = r.events.find((e) => e.type === 'rcv' && e.host === 'server' && e.frame.type === 0x0800);
  if (syn?.type !== 'rcv') throw new Error('no SYN reached the server');
  return r.events.flatMap((e) =>
    e.type === 'chain' && e.host === 'server' && e.pkt === syn.pkt ? [`${e.table} ${e.chain} ${e.hook}`] : [],
  );
}

const inputChain = (table: string, body: string) =>
  `table ip ${table} {\n\tchain in {\n\t\ttype filter hook input priority 0; policy accept;\n${body}\n\t}\n}\n`;

describe('nft base chains at one hook', () => {
  it('run the last registered first at equal priority, and an accept does not skip the next (as traced on Linux 6.18)', () => {
    const r = run(
      inputChain('a', '\t\tcounter') + inputChain('b', '\t\tcounter accept') + inputChain('c', '\t\tcounter'),
    );
    expect(synChains(r)).toEqual(['c in INPUT', 'b in INPUT', 'a in INPUT']);
    expect(r.outcomes[0]!.ok).toBe(true);
  });

  it('stop at a drop: no later base chain sees the packet', () => {
    const r = run(inputChain('a', '\t\tcounter') + inputChain('b', '\t\ttcp dport 80 drop'));
    expect(synChains(r)).toEqual(['b in INPUT']);
    expect(r.outcomes[0]!.ok).toBe(false);
  });

  it('run by priority between the iptables tables', () => {
    const ipt = '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n*mangle\n:INPUT ACCEPT [0:0]\nCOMMIT\n';
    const nft =
      'table ip t {\n\tchain early {\n\t\ttype filter hook input priority mangle - 5; policy accept;\n\t}\n' +
      '\tchain late {\n\t\ttype filter hook input priority filter + 10; policy accept;\n\t}\n}\n';
    expect(synChains(run(nft, ipt)).filter((c) => c.endsWith('INPUT'))).toEqual([
      't early INPUT',
      'mangle INPUT INPUT',
      'filter INPUT INPUT',
      't late INPUT',
    ]);
  });
});

describe('nft verdicts', () => {
  const chains = `table ip t {
\tchain in {
\t\ttype filter hook input priority 0; policy drop;
\t\tjump sub
\t\ttcp dport 80 goto deep
\t}
\tchain sub {
\t\tmeta mark set 0x1
\t\treturn
\t\tdrop
\t}
\tchain deep {
\t\tmeta mark 0x1 tcp dport vmap { 22 : drop, 80 : continue }
\t\tct state new,established accept
\t}
}
`;
  it('follow jump, return, goto and a vmap continue to the accept', () => {
    const r = run(chains);
    expect(r.outcomes[0]!.ok).toBe(true);
    const rules = r.events.flatMap((e) =>
      e.type === 'rule' && e.host === 'server' ? [`${e.chain}#${e.rulenum} => ${e.verdict}`] : [],
    );
    expect(rules.slice(0, 5)).toEqual([
      'in#1 => jump sub',
      'sub#1 => continue',
      'sub#2 => return',
      'in#2 => goto deep',
      'deep#1 => continue',
    ]);
  });

  it('count in `nft list ruleset` what the rules matched', () => {
    const r = run(inputChain('a', '\t\ttcp dport 80 counter'));
    const synsAndAcks = r.events.filter((e) => e.type === 'rule' && e.host === 'server').length;
    expect(synsAndAcks).toBeGreaterThan(1);
    expect(r.hosts.find((h) => h.name === 'server')!.nftRuleset).toContain(
      'tcp dport 80 counter packets 0 bytes 0',
    );
    const bytes = r.events.reduce((n, e) => n + (e.type === 'rule' && e.host === 'server' ? e.bytes : 0), 0);
    expect(hostViews(r, r.events.length).hosts.server!.nft).toContain(
      `tcp dport 80 counter packets ${synsAndAcks} bytes ${bytes}`,
    );
  });
});

describe('numgen random mod N vmap', () => {
  it('spreads over every endpoint, seeded', () => {
    const p = parseNft(
      'table ip t {\n\tchain a {\n\t}\n\tchain b {\n\t}\n\tchain c {\n\t}\n\tchain d {\n\t\tnumgen random mod 3 vmap { 0 : goto a, 1 : goto b, 2 : goto c }\n\t}\n}\n',
    );
    if (!p.ok) throw new Error(p.error.message);
    const rt = new NftRuntime(p.ruleset);
    const t = p.ruleset.tables[0]!;
    const d = t.chains.find((c) => c.name === 'd')!;
    let x = 1;
    const seen = new Map<string, number>();
    const ctx = {
      ip: {
        src: 1,
        dst: 2,
        ttl: 64,
        id: 0,
        proto: 6,
        len: 60,
        l4: { proto: 6, sport: 1, dport: 2, flags: 2 },
      },
      random: () => {
        x = (x * 48271) % 2147483647;
        return x / 2147483647;
      },
    } as never;
    const base = {
      table: t,
      chain: { ...d, base: { type: 'filter', hook: 'input', priority: 0, policy: 'accept' } },
      hook: 'INPUT',
      prio: 0,
      type: 'filter',
    } as const;
    for (let i = 0; i < 300; i++)
      rt.run(base as never, ctx, (s) => {
        if (s.kind === 'rule') seen.set(s.verdict, (seen.get(s.verdict) ?? 0) + 1);
      });
    expect([...seen.keys()].sort()).toEqual(['goto a', 'goto b', 'goto c']);
    for (const n of seen.values()) expect(n).toBeGreaterThan(50);
  });
});

describe('the compiled walk', () => {
  /** Runs base chain `in` of table t once for a TCP packet to 10.0.0.2:`dport`; the steps and the verdict. */
  function walk(text: string, dport: number, mark = 0) {
    const p = parseNft(text);
    if (!p.ok) throw new Error(p.error.message);
    const rt = new NftRuntime(p.ruleset);
    const base = rt.bases.find((b) => b.chain.name === 'in')!;
    const ctx = {
      ip: {
        src: 0x0a000001,
        dst: 0x0a000002,
        ttl: 64,
        id: 0,
        proto: 6,
        len: 60,
        l4: { proto: 6, sport: 1, dport, flags: 2 },
      },
      mark,
      ctstate: 'NEW',
      random: () => 0.5,
    } as never;
    const steps: string[] = [];
    const v = rt.run(base, ctx, (s) => {
      if (s.kind === 'rule') steps.push(`${s.chain}#${s.rulenum} ${s.verdict}`);
    });
    return { v, steps, mark: (ctx as { mark: number }).mark };
  }
  const table = (body: string) => `table ip t {\n${body}}\n`;
  const chain = (name: string, rules: string[], base = false) =>
    `\tchain ${name} {\n${base ? '\t\ttype filter hook input priority 0; policy accept;\n' : ''}${rules.map((r) => `\t\t${r}\n`).join('')}\t}\n`;

  it('resolves gotos to chains defined further down, from inline and named vmaps', () => {
    const text = table(
      '\tmap ports {\n\t\ttype inet_service : verdict\n\t\telements = { 443 : goto later }\n\t}\n' +
        chain(
          'in',
          ['tcp dport vmap { 1-79 : drop, 80 : goto later, 81-90 : jump later }', 'tcp dport vmap @ports'],
          true,
        ) +
        chain('later', ['meta mark set 0x7', 'accept']),
    );
    expect(walk(text, 80).steps).toEqual(['in#1 goto later', 'later#1 continue', 'later#2 accept']);
    expect(walk(text, 85).steps).toEqual(['in#1 jump later', 'later#1 continue', 'later#2 accept']);
    expect(walk(text, 443).steps).toEqual(['in#2 goto later', 'later#1 continue', 'later#2 accept']);
    expect(walk(text, 22).v.verdict).toBe('DROP');
    expect(walk(text, 1000).steps).toEqual([]);
  });

  it('returns to the rule after the jump, through nested jumps and return', () => {
    const text = table(
      chain('in', ['jump a', 'meta mark set meta mark | 0x100', 'accept'], true) +
        chain('a', ['jump b', 'meta mark set meta mark | 0x10', 'return', 'drop']) +
        chain('b', ['meta mark set meta mark | 0x1']),
    );
    const r = walk(text, 80);
    expect(r.v.verdict).toBe('ACCEPT');
    expect(r.mark).toBe(0x111);
    expect(r.steps).toEqual([
      'in#1 jump a',
      'a#1 jump b',
      'b#1 continue',
      'a#2 continue',
      'a#3 return',
      'in#2 continue',
      'in#3 accept',
    ]);
  });

  it('matches small anonymous sets inline, negated too', () => {
    const text = table(
      chain('in', ['tcp dport { 22, 80-90 } meta mark set 0x1', 'tcp dport != { 22, 80-90 } drop'], true),
    );
    expect(walk(text, 85).mark).toBe(1);
    expect(walk(text, 85).v.verdict).toBe('ACCEPT');
    expect(walk(text, 23).v.verdict).toBe('DROP');
  });

  it('gives the NAT core the request the statement writes', () => {
    const nat = (stmt: string) =>
      walk(
        `table ip t {\n\tchain in {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t\t${stmt}\n\t}\n}\n`,
        80,
      ).v;
    expect(nat('meta l4proto tcp dnat to 10.244.1.3:8080')).toEqual({
      verdict: 'ACCEPT',
      nat: {
        target: 'DNAT',
        range: { minIp: 0x0af40103, maxIp: 0x0af40103, minPort: 8080, maxPort: 8080 },
        random: false,
        randomFully: false,
        persistent: false,
      },
    });
    expect(nat('masquerade fully-random')).toEqual({
      verdict: 'ACCEPT',
      nat: { target: 'MASQUERADE', range: {}, random: false, randomFully: true, persistent: false },
    });
    expect(nat('snat to 192.168.0.1-192.168.0.3 persistent').nat).toMatchObject({
      target: 'SNAT',
      range: { minIp: 0xc0a80001, maxIp: 0xc0a80003 },
      persistent: true,
    });
  });
});
