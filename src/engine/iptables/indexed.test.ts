import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ruleKeys } from './indexed';
import { parseIptablesSave } from './parse';
import { makeCtx, tcpPacket, udpPacket } from './testCtx';
import type { TableVerdict, WalkStep } from './types';
import { createIptables } from './walk';

// The indexed walk must be indistinguishable from a first-match scan: same verdicts, same
// steps, same counters, same side effects. Addresses and ports come from small pools so that
// keyed runs, duplicates and real matches are common.

const ADDRS = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'];
const PORTS = [53, 80, 443];
const CHAINS = ['A', 'B', 'C'];

const cond = fc.oneof(
  fc.constantFrom(...ADDRS).map((a) => `-d ${a}/32`),
  fc.constantFrom(...ADDRS).map((a) => `-s ${a}/32`),
  fc.constantFrom(...ADDRS).map((a) => `! -d ${a}/32`),
  fc.constant('-d 10.0.0.0/30'),
  fc
    .tuple(fc.constantFrom('tcp', 'udp'), fc.constantFrom(...PORTS))
    .map(([p, port]) => `-p ${p} --dport ${port}`),
  fc.constantFrom(...PORTS).map((port) => `-p tcp ! --dport ${port}`),
  fc.constantFrom('-m mark --mark 0x1/0x1', '-m mark ! --mark 0x2/0x2', '-i eth+', '-m comment --comment x'),
  fc.constantFrom(
    '-m statistic --mode random --probability 0.5',
    '-m statistic --mode nth --every 2 --packet 1',
  ),
);

const target = (chainIdx: number) =>
  fc.oneof(
    fc.constantFrom(
      '-j ACCEPT',
      '-j DROP',
      '-j RETURN',
      '',
      '-j MARK --xor-mark 0x1',
      '-j MARK --or-mark 0x2',
    ),
    // only jump forward (to a later chain) so there are no loops
    ...(chainIdx < CHAINS.length - 1
      ? [
          fc
            .tuple(fc.constantFrom('-j', '-g'), fc.integer({ min: chainIdx + 1, max: CHAINS.length - 1 }))
            .map(([k, c]) => `${k} ${CHAINS[c]}`),
        ]
      : []),
  );

const rule = (chainIdx: number) =>
  fc
    .tuple(fc.subarray([0, 1, 2], { maxLength: 3 }), fc.array(cond, { maxLength: 3 }), target(chainIdx))
    .map(([, conds, t]) => {
      // each option at most once per rule, as iptables demands
      const seen = new Set<string>();
      const cs = conds.filter((c) => {
        const words = c.replace(/^! /, '').split(' ');
        const family = words[0] === '-m' ? `${words[0]} ${words[1]}` : words[0]!;
        if (seen.has(family)) return false;
        seen.add(family);
        return true;
      });
      return `${cs.join(' ')} ${t}`;
    });

// Runs of same-key rules are what the index needs, so rules often repeat a keyed shape.
const keyedRule = (chainIdx: number) =>
  fc
    .tuple(
      fc.constantFrom(...ADDRS),
      fc.constantFrom('tcp', 'udp'),
      fc.constantFrom(...PORTS),
      target(chainIdx),
    )
    .map(([a, p, port, t]) => `-d ${a}/32 -p ${p} -m ${p} --dport ${port} ${t}`);

const chainRules = (chainIdx: number) =>
  fc.array(fc.oneof(rule(chainIdx), keyedRule(chainIdx), keyedRule(chainIdx)), { maxLength: 14 });

const rulesetText = fc
  .tuple(chainRules(-1), ...CHAINS.map((_, i) => chainRules(i)), fc.constantFrom('ACCEPT', 'DROP'))
  .map(([base, ...rest]) => {
    const policy = rest.pop() as string;
    const lines = [`*filter`, `:INPUT ${policy} [0:0]`, ...CHAINS.map((c) => `:${c} - [0:0]`)];
    for (const r of base as string[]) lines.push(`-A INPUT ${r}`.replace(/ -g /, ' -j '));
    (rest as string[][]).forEach((rules, i) => {
      for (const r of rules) lines.push(`-A ${CHAINS[i]} ${r}`);
    });
    lines.push('COMMIT', '');
    return lines.join('\n');
  });

const packet = fc
  .tuple(
    fc.constantFrom(...ADDRS),
    fc.constantFrom(...ADDRS),
    fc.constantFrom('tcp', 'udp'),
    fc.constantFrom(...PORTS, 22),
    fc.integer({ min: 0, max: 3 }),
    fc.constantFrom('eth0', 'lo'),
  )
  .map(([s, d, p, port, mark, dev]) => ({ s, d, p, port, mark, dev }));

function run(
  text: string,
  naive: boolean,
  pkts: { s: string; d: string; p: string; port: number; mark: number; dev: string }[],
) {
  const parsed = parseIptablesSave(text, 'prop');
  if (!parsed.ok) throw new Error(`${parsed.error.line}: ${parsed.error.message}\n${text}`);
  const ipt = createIptables(parsed.ruleset, { naive });
  let seed = 1;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const results: { v: TableVerdict; steps: WalkStep[]; mark: number }[] = [];
  for (const p of pkts) {
    const ip = p.p === 'tcp' ? tcpPacket(p.s, 1000, p.d, p.port) : udpPacket(p.s, 1000, p.d, p.port);
    const ctx = makeCtx(ip, { mark: p.mark, inDev: p.dev, random });
    const steps: WalkStep[] = [];
    const v = ipt.runTable('filter', 'INPUT', ctx, (s) => steps.push(s));
    results.push({ v, steps, mark: ctx.mark });
    // and with the timeline off (the hot path) the verdict is the same
    const quiet = makeCtx(ip, { mark: p.mark, inDev: p.dev, random: () => 0.75 });
    results.push({ v: ipt.runTable('filter', 'INPUT', quiet), steps: [], mark: quiet.mark });
  }
  const counters: unknown[] = [];
  for (const t of parsed.ruleset.tables)
    for (const c of t.chains)
      for (let i = 0; i <= c.rules.length; i++) counters.push(ipt.counter(t.name, c.name, i));
  return { results, counters };
}

describe('indexed walk equals the naive scan', () => {
  it('on random rulesets and packets', () => {
    fc.assert(
      fc.property(rulesetText, fc.array(packet, { minLength: 1, maxLength: 12 }), (text, pkts) => {
        expect(run(text, false, pkts)).toEqual(run(text, true, pkts));
      }),
      { numRuns: 400 },
    );
  });

  it('actually indexes keyed runs (the property above would be vacuous otherwise)', () => {
    const rules = Array.from(
      { length: 10 },
      (_, i) => `-A INPUT -d 10.0.0.${i}/32 -p tcp -m tcp --dport 80 -j DROP`,
    );
    const parsed = parseIptablesSave(`*filter\n${rules.join('\n')}\nCOMMIT\n`, 't');
    if (!parsed.ok) throw new Error(parsed.error.message);
    const ipt = createIptables(parsed.ruleset);
    expect(ipt.runTable('filter', 'INPUT', makeCtx(tcpPacket('1.1.1.1', 1, '10.0.0.7', 80))).verdict).toBe(
      'DROP',
    );
    expect(ipt.counter('filter', 'INPUT', 8)).toEqual({ pkts: 1, bytes: 60 });
    expect(ruleKeys(parsed.ruleset.tables[0]!.chains[0]!.rules[7]!)[0]).toBe((10 << 24) | 7);
  });
});
