import { describe, expect, it } from 'vitest';
import { IPS_DST_NAT, IPS_SEEN_REPLY } from '../conntrack/types';
import { ipv4 } from '../net/ipv4';
import { parseIptablesSave } from './parse';
import { icmpPacket, makeCtx, tcpPacket, udpPacket } from './testCtx';
import type { CtView, WalkStep } from './types';
import { createIptables } from './walk';

function runtime(text: string, naive = false) {
  const r = parseIptablesSave(text, 'test');
  if (!r.ok) throw new Error(`${r.error.line}: ${r.error.message}`);
  return createIptables(r.ruleset, { naive });
}

const syn = () => tcpPacket('10.0.1.2', 40000, '10.0.2.2', 80);

function ct(partial: Partial<CtView> = {}): CtView {
  const orig = { src: ipv4('10.0.1.2'), dst: ipv4('10.96.0.10'), proto: 6, sport: 40000, dport: 80 };
  const reply = { src: ipv4('10.244.1.3'), dst: ipv4('10.0.1.2'), proto: 6, sport: 8080, dport: 40000 };
  return { state: 'NEW', expires: 0, dir: 'ORIGINAL', status: 0, orig, reply, mark: 0, ...partial };
}

describe('runTable: the chain walk of reference §3.1', () => {
  it('goto does not push: a later RETURN resumes after the last jump (captured behaviour)', () => {
    const ipt = runtime(`*filter
:FORWARD DROP [0:0]
:CHA - [0:0]
:CHB - [0:0]
-A FORWARD -j CHA
-A FORWARD -j ACCEPT
-A CHA -g CHB
-A CHA -j DROP
-A CHB -j RETURN
COMMIT
`);
    const steps: WalkStep[] = [];
    const v = ipt.runTable('filter', 'FORWARD', makeCtx(syn()), (s) => steps.push(s));
    expect(v).toEqual({ verdict: 'ACCEPT' });
    expect(steps.map((s) => (s.kind === 'rule' ? `${s.chain}#${s.rulenum} ${s.verdict}` : s.kind))).toEqual([
      'FORWARD#1 jump CHA',
      'CHA#1 goto CHB',
      'CHB#1 return',
      'FORWARD#2 accept',
    ]);
    expect(ipt.counter('filter', 'CHA', 2)).toEqual({ pkts: 0, bytes: 0 });
    expect(ipt.counter('filter', 'FORWARD', 2)).toEqual({ pkts: 1, bytes: 60 });
    expect(steps[0]).toEqual({
      kind: 'rule',
      chain: 'FORWARD',
      rulenum: 1,
      text: '-A FORWARD -j CHA',
      verdict: 'jump CHA',
      bytes: 60,
    });
  });

  it('RETURN in a built-in chain, or falling off a goto target with nothing to return to, applies the policy', () => {
    const ipt = runtime(`*filter
:INPUT DROP [0:0]
:G - [0:0]
-A INPUT -p udp -j RETURN
-A INPUT -g G
-A G -s 1.1.1.1 -j ACCEPT
COMMIT
`);
    const steps: WalkStep[] = [];
    expect(
      ipt.runTable('filter', 'INPUT', makeCtx(udpPacket('10.0.0.1', 1, '10.0.0.2', 53)), (s) => steps.push(s))
        .verdict,
    ).toBe('DROP');
    expect(steps.at(-1)).toEqual({ kind: 'policy', chain: 'INPUT', policy: 'DROP', bytes: 29 });
    expect(ipt.runTable('filter', 'INPUT', makeCtx(syn())).verdict).toBe('DROP');
    expect(ipt.counter('filter', 'INPUT', 0)).toEqual({ pkts: 2, bytes: 89 });
    expect(ipt.counter('filter', 'G', 0)).toBeUndefined();
    expect(ipt.counter('filter', 'INPUT', 3)).toBeUndefined();
  });

  it('a rule without target only counts; a chain the table lacks accepts without counting', () => {
    const ipt = runtime('*filter\n-A INPUT -s 10.0.1.2\nCOMMIT\n');
    expect(ipt.runTable('filter', 'INPUT', makeCtx(syn())).verdict).toBe('ACCEPT');
    expect(ipt.counter('filter', 'INPUT', 1)).toEqual({ pkts: 1, bytes: 60 });
    expect(ipt.counter('filter', 'INPUT', 0)).toEqual({ pkts: 1, bytes: 60 });
    expect(ipt.runTable('filter', 'PREROUTING', makeCtx(syn())).verdict).toBe('ACCEPT');
    expect(ipt.runTable('nat', 'PREROUTING', makeCtx(syn())).verdict).toBe('ACCEPT');
    expect(ipt.hasTable('nat')).toBe(false);
    expect(ipt.chainExists('filter', 'INPUT')).toBe(true);
    expect(ipt.chainExists('filter', 'PREROUTING')).toBe(false);
  });

  it('kube-proxy masquerade mark: MARK or, then KUBE-POSTROUTING xor and MASQUERADE --random-fully', () => {
    const ipt = runtime(`*nat
:KUBE-MARK-MASQ - [0:0]
:KUBE-POSTROUTING - [0:0]
-A PREROUTING -j KUBE-MARK-MASQ
-A POSTROUTING -j KUBE-POSTROUTING
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
COMMIT
`);
    const ctx = makeCtx(syn(), { mark: 0x1 });
    expect(ipt.runTable('nat', 'POSTROUTING', ctx).verdict).toBe('ACCEPT');
    expect(ipt.counter('nat', 'KUBE-POSTROUTING', 1)!.pkts).toBe(1);
    ipt.runTable('nat', 'PREROUTING', ctx);
    expect(ctx.mark).toBe(0x4001);
    const steps: WalkStep[] = [];
    const v = ipt.runTable('nat', 'POSTROUTING', ctx, (s) => steps.push(s));
    expect(ctx.mark).toBe(0x1);
    expect(v).toEqual({
      verdict: 'ACCEPT',
      nat: { target: 'MASQUERADE', range: {}, random: false, randomFully: true, persistent: false },
    });
    expect(steps).toContainEqual({ kind: 'target', target: 'MARK', text: 'mark 0x4001 -> 0x1' });
  });

  it('DNAT returns the binding to set up; REJECT returns DROP with the error to send', () => {
    const ipt = runtime(`*nat
-A PREROUTING -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.244.1.3:8080
-A PREROUTING -p udp -j DNAT --to-destination 10.0.0.1-10.0.0.3:1000-2000 --persistent
COMMIT
*filter
-A INPUT -p tcp -j REJECT --reject-with tcp-reset
-A INPUT -j REJECT
COMMIT
`);
    expect(ipt.runTable('nat', 'PREROUTING', makeCtx(tcpPacket('10.0.1.2', 4, '10.96.0.10', 80)))).toEqual({
      verdict: 'ACCEPT',
      nat: {
        target: 'DNAT',
        range: { minIp: ipv4('10.244.1.3'), maxIp: ipv4('10.244.1.3'), minPort: 8080, maxPort: 8080 },
        random: false,
        randomFully: false,
        persistent: false,
      },
    });
    expect(
      ipt.runTable('nat', 'PREROUTING', makeCtx(udpPacket('1.1.1.1', 4, '2.2.2.2', 53))).nat?.range,
    ).toEqual({
      minIp: ipv4('10.0.0.1'),
      maxIp: ipv4('10.0.0.3'),
      minPort: 1000,
      maxPort: 2000,
    });
    expect(ipt.runTable('filter', 'INPUT', makeCtx(syn()))).toEqual({
      verdict: 'DROP',
      reject: { with: 'tcp-reset' },
    });
    expect(ipt.runTable('filter', 'INPUT', makeCtx(icmpPacket('1.1.1.1', '2.2.2.2', 8, 0)))).toEqual({
      verdict: 'DROP',
      reject: { with: 'icmp-port-unreachable' },
    });
  });
});

describe('matches (reference §3.2)', () => {
  const first = (text: string, chain: string, ctx: ReturnType<typeof makeCtx>, table = 'filter' as const) => {
    const ipt = runtime(text);
    const steps: WalkStep[] = [];
    ipt.runTable(table, chain as 'INPUT', ctx, (s) => steps.push(s));
    const hit = steps.find((s) => s.kind === 'rule');
    return hit?.kind === 'rule' ? hit.rulenum : 0;
  };

  it('-i/-o with + wildcard; -i sees no device in OUTPUT (a user chain called from OUTPUT)', () => {
    const t = `*filter
:U - [0:0]
-A INPUT -i veth+ -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A OUTPUT -j U
-A U -i lo -j ACCEPT
-A U ! -i lo -j ACCEPT
COMMIT
`;
    expect(first(t, 'INPUT', makeCtx(syn(), { inDev: 'veth-a' }))).toBe(1);
    expect(first(t, 'INPUT', makeCtx(syn(), { inDev: 'lo' }))).toBe(2);
    expect(first(t, 'INPUT', makeCtx(syn(), { inDev: 'eth0' }))).toBe(0);
    const ipt = runtime(t);
    const steps: WalkStep[] = [];
    ipt.runTable('filter', 'OUTPUT', makeCtx(syn(), { outDev: 'lo' }), (s) => steps.push(s));
    expect(
      steps.filter((s) => s.kind === 'rule').map((s) => (s.kind === 'rule' ? `${s.chain}#${s.rulenum}` : '')),
    ).toEqual(['OUTPUT#1', 'U#2']);
  });

  it('ctstate, virtual DNAT state, ctdir, ctorigdst, and no entry', () => {
    const t = `*filter
-A INPUT -m conntrack --ctstate DNAT --ctorigdst 10.96.0.10 --ctorigdstport 80 -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED --ctdir REPLY -j ACCEPT
-A INPUT -m state --state INVALID -j DROP
-A INPUT -m conntrack --ctstate NEW,UNTRACKED -j ACCEPT
-A INPUT -m conntrack --ctstatus SEEN_REPLY -j ACCEPT
COMMIT
`;
    expect(first(t, 'INPUT', makeCtx(syn(), { ct: ct({ status: IPS_DST_NAT }), ctstate: 'NEW' }))).toBe(1);
    expect(first(t, 'INPUT', makeCtx(syn(), { ct: ct({ dir: 'REPLY' }), ctstate: 'ESTABLISHED' }))).toBe(2);
    expect(
      first(
        t,
        'INPUT',
        makeCtx(syn(), { ct: ct({ dir: 'ORIGINAL', status: IPS_SEEN_REPLY }), ctstate: 'ESTABLISHED' }),
      ),
    ).toBe(5);
    expect(first(t, 'INPUT', makeCtx(syn(), { ctstate: 'INVALID' }))).toBe(3);
    expect(first(t, 'INPUT', makeCtx(syn(), { ctstate: 'UNTRACKED' }))).toBe(4);
  });

  it('ctproto compares the original protocol; ctexpire the seconds left, lo > hi never', () => {
    const t = `*filter
-A INPUT -m conntrack --ctproto 17 -j ACCEPT
-A INPUT -m conntrack --ctexpire 20:10 -j ACCEPT
-A INPUT -m conntrack ! --ctproto 6 -j ACCEPT
-A INPUT -m conntrack --ctexpire 100:200 -j ACCEPT
-A INPUT -m conntrack ! --ctexpire 0:99 -j DROP
-A INPUT -m conntrack --ctproto 0 -j ACCEPT
COMMIT
`;
    const est = (expires: number) => makeCtx(syn(), { ct: ct({ expires }), ctstate: 'ESTABLISHED' });
    expect(first(t, 'INPUT', est(150))).toBe(4);
    expect(first(t, 'INPUT', est(300))).toBe(5);
    expect(first(t, 'INPUT', est(15))).toBe(0);
  });

  it('tcp flags, icmp types, multiport, mark, connmark, addrtype, physdev', () => {
    const t = `*filter
-A INPUT -p tcp --syn -j ACCEPT
-A INPUT -p icmp --icmp-type port-unreachable -j ACCEPT
-A INPUT -p icmp --icmp-type echo-request -j ACCEPT
-A INPUT -p udp -m multiport --ports 50:60,99 -j ACCEPT
-A INPUT -m mark --mark 0x10/0xf0 -j ACCEPT
-A INPUT -m connmark --mark 0x7 -j ACCEPT
-A INPUT -m addrtype --dst-type LOCAL -j ACCEPT
-A INPUT -m physdev --physdev-in veth1 --physdev-is-bridged -j ACCEPT
COMMIT
`;
    expect(first(t, 'INPUT', makeCtx(syn()))).toBe(1);
    expect(first(t, 'INPUT', makeCtx(tcpPacket('1.1.1.1', 1, '2.2.2.2', 2, 0x12)))).toBe(0);
    expect(first(t, 'INPUT', makeCtx(icmpPacket('1.1.1.1', '2.2.2.2', 3, 3)))).toBe(2);
    expect(first(t, 'INPUT', makeCtx(icmpPacket('1.1.1.1', '2.2.2.2', 3, 1)))).toBe(0);
    expect(first(t, 'INPUT', makeCtx(icmpPacket('1.1.1.1', '2.2.2.2', 8, 0)))).toBe(3);
    expect(first(t, 'INPUT', makeCtx(udpPacket('1.1.1.1', 99, '2.2.2.2', 2)))).toBe(4);
    expect(first(t, 'INPUT', makeCtx(udpPacket('1.1.1.1', 1, '2.2.2.2', 55)))).toBe(4);
    expect(first(t, 'INPUT', makeCtx(udpPacket('1.1.1.1', 1, '2.2.2.2', 61)))).toBe(0);
    const ack = () => tcpPacket('1.1.1.1', 1, '2.2.2.2', 2, 0x10);
    expect(first(t, 'INPUT', makeCtx(ack(), { mark: 0x1f }))).toBe(5);
    expect(first(t, 'INPUT', makeCtx(ack(), { ct: ct({ mark: 7 }) }))).toBe(6);
    expect(first(t, 'INPUT', makeCtx(ack(), { local: ['2.2.2.2'] }))).toBe(7);
    expect(first(t, 'INPUT', makeCtx(ack(), { bridged: true, physIn: 'veth1', physOut: 'veth2' }))).toBe(8);
    expect(first(t, 'INPUT', makeCtx(ack(), { bridged: true, physIn: 'veth1' }))).toBe(0);
  });

  it('statistic nth follows the kernel counter; random draws ctx.random() only when evaluated', () => {
    const ipt = runtime('*filter\n-A INPUT -m statistic --mode nth --every 3 --packet 1 -j DROP\nCOMMIT\n');
    const seq = Array.from({ length: 6 }, () => ipt.runTable('filter', 'INPUT', makeCtx(syn())).verdict);
    expect(seq).toEqual(['ACCEPT', 'ACCEPT', 'DROP', 'ACCEPT', 'ACCEPT', 'DROP']);
    const ipt0 = runtime('*filter\n-A INPUT -m statistic --mode nth --every 2 --packet 0 -j DROP\nCOMMIT\n');
    expect([1, 2, 3].map(() => ipt0.runTable('filter', 'INPUT', makeCtx(syn())).verdict)).toEqual([
      'DROP',
      'ACCEPT',
      'DROP',
    ]);
    const r = runtime(
      '*filter\n-A INPUT -p udp -m statistic --mode random --probability 0.25 -j DROP\nCOMMIT\n',
    );
    let draws = 0;
    const rnd = (v: number) => () => {
      draws++;
      return v;
    };
    expect(r.runTable('filter', 'INPUT', makeCtx(syn(), { random: rnd(0) })).verdict).toBe('ACCEPT');
    expect(draws).toBe(0);
    expect(
      r.runTable('filter', 'INPUT', makeCtx(udpPacket('1.1.1.1', 1, '2.2.2.2', 2), { random: rnd(0.2499) }))
        .verdict,
    ).toBe('DROP');
    expect(
      r.runTable('filter', 'INPUT', makeCtx(udpPacket('1.1.1.1', 1, '2.2.2.2', 2), { random: rnd(0.25) }))
        .verdict,
    ).toBe('ACCEPT');
  });
});

describe('side effects', () => {
  it('CONNMARK save/restore with masks, CT --zone, NOTRACK, TRACE, LOG text', () => {
    const ipt = runtime(`*mangle
-A PREROUTING -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xf0
-A OUTPUT -j CONNMARK --restore-mark --mask 0xf
COMMIT
*raw
-A PREROUTING -i veth+ -j CT --zone 5
-A PREROUTING -s 10.9.0.0/16 -j NOTRACK
-A OUTPUT -j TRACE
-A OUTPUT -j LOG --log-prefix "out: "
COMMIT
`);
    const entry = ct({ mark: 0x0f });
    const ctx = makeCtx(syn(), { mark: 0x1234, ct: entry });
    ipt.runTable('mangle', 'PREROUTING', ctx);
    // ct = (ct & ~0xf0) ^ (mark & 0xff) = 0x0f ^ 0x34
    expect(entry.mark).toBe(0x3b);
    ipt.runTable('mangle', 'OUTPUT', ctx);
    // mark = (mark & ~0xf) ^ (ct & 0xf) = 0x1230 ^ 0xb
    expect(ctx.mark).toBe(0x123b);
    const rctx = makeCtx(tcpPacket('10.9.0.1', 1, '10.0.0.1', 2), { inDev: 'veth1' });
    ipt.runTable('raw', 'PREROUTING', rctx);
    expect([rctx.zone, rctx.notrack]).toEqual([5, true]);
    const steps: WalkStep[] = [];
    const octx = makeCtx(syn(), { outDev: 'eth0' });
    ipt.runTable('raw', 'OUTPUT', octx, (s) => steps.push(s));
    expect(octx.trace).toBe(true);
    expect(steps).toContainEqual({
      kind: 'target',
      target: 'LOG',
      text: 'out: IN= OUT=eth0 SRC=10.0.1.2 DST=10.0.2.2 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0',
    });
  });
});

describe('counters and conntrack needs', () => {
  it('snapshots and resets counters', () => {
    const ipt = runtime('*filter\n-A INPUT -j ACCEPT\nCOMMIT\n');
    ipt.runTable('filter', 'INPUT', makeCtx(syn()));
    const snap = ipt.counters();
    ipt.runTable('filter', 'INPUT', makeCtx(syn()));
    expect(snap('filter', 'INPUT', 1)).toEqual({ pkts: 1, bytes: 60 });
    expect(ipt.counter('filter', 'INPUT', 1)).toEqual({ pkts: 2, bytes: 120 });
    ipt.resetCounters();
    expect(ipt.counter('filter', 'INPUT', 1)).toEqual({ pkts: 0, bytes: 0 });
  });

  it.each([
    ['*filter\n-A INPUT -j ACCEPT\nCOMMIT\n', undefined],
    ['*nat\nCOMMIT\n', 'the nat table needs conntrack'],
    [
      '*filter\n-A INPUT -m state --state NEW -j ACCEPT\nCOMMIT\n',
      '-m state in filter INPUT needs conntrack',
    ],
    ['*mangle\n-A INPUT -j CONNMARK --save-mark\nCOMMIT\n', '-j CONNMARK in mangle INPUT needs conntrack'],
    ['*raw\n-A OUTPUT -j NOTRACK\nCOMMIT\n', '-j NOTRACK in raw OUTPUT needs conntrack'],
  ])('%j', (text, reason) => {
    expect(runtime(text).needsConntrack()).toBe(reason);
  });
});
