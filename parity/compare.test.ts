import { describe, expect, it } from 'vitest';
import type { RunResult } from '../src/engine/api';
import { IPS_ASSURED, IPS_CONFIRMED, IPS_SEEN_REPLY } from '../src/engine/conntrack/types';
import { type Ipv4, ipv4 } from '../src/engine/net/ipv4';
import type { Frame } from '../src/engine/packet';
import { scenarioSchema } from '../src/engine/scenario/schema';
import type { TimelineEvent } from '../src/engine/timeline/events';
import { compareSides, errnoOf, excuse, isStreamSegment } from './compare';
import { engineSide, type KernelCapture, kernelSide } from './side';

// A pod (10.244.1.2) reaches Service 10.96.0.10:80, DNATed on the node to 10.244.1.3:8080.
const scenario = scenarioSchema.parse({
  version: 1,
  id: 'mini',
  hosts: [
    { name: 'node', interfaces: [] },
    { name: 'pod-a', interfaces: [] },
  ],
  traffic: [
    { kind: 'tcp-listen', host: 'pod-a', port: 8080 },
    { kind: 'tcp-connect', host: 'pod-a', to: '10.96.0.10:80' },
  ],
  limitations: [
    {
      en: 'The model does not send ICMP redirects [parity:path node:net.bridge.bridge-nf-call-iptables=0]',
      zh: '',
    },
  ],
});

const tcp = (src: string, sport: number, dst: string, dport: number, flags: number): Frame => ({
  src: '02:00:00:00:00:01',
  dst: '02:00:00:00:00:02',
  type: 0x0800,
  ip: {
    src: ipv4(src),
    dst: ipv4(dst),
    ttl: 64,
    id: 1,
    proto: 6,
    len: 60,
    l4: { proto: 6, sport, dport, flags, seq: 0, ack: 0, window: 64240, payloadLen: 0 },
  },
});

const tuple = (src: string, dst: string, sport: number, dport: number) => ({
  src: ipv4(src) as Ipv4,
  dst: ipv4(dst) as Ipv4,
  proto: 6,
  sport,
  dport,
});

function engineRun(opts: {
  sport: number;
  state: 'TIME_WAIT' | 'SYN_SENT';
  ok: boolean;
  synPath: string[];
}): RunResult {
  const entry = {
    id: 1,
    orig: tuple('10.244.1.2', '10.96.0.10', opts.sport, 80),
    reply: tuple('10.244.1.3', '10.244.1.2', 8080, opts.sport),
    status: IPS_CONFIRMED | (opts.state === 'TIME_WAIT' ? IPS_SEEN_REPLY | IPS_ASSURED : 0),
    tcpState: opts.state,
    expiresAt: 120_000_000,
    createdAt: 0,
    mark: 0,
    zone: 0,
  };
  const events: TimelineEvent[] = [
    {
      t: 0,
      host: 'pod-a',
      type: 'packet',
      pkt: 1,
      conn: 1,
      origin: 'socket',
      frame: tcp('10.244.1.2', opts.sport, '10.96.0.10', 80, 2),
    },
    {
      t: 1,
      host: 'node',
      type: 'rcv',
      pkt: 1,
      dev: 'cni0',
      frame: tcp('10.244.1.2', opts.sport, '10.96.0.10', 80, 2),
    },
    { t: 2, host: 'node', type: 'hook', pkt: 1, family: 'ipv4', hook: 'PREROUTING', in: 'cni0' },
    ...opts.synPath.map(
      (c, i): TimelineEvent => ({
        t: 3 + i,
        host: 'node',
        type: 'chain',
        pkt: 1,
        table: c.split(':')[0] as 'nat',
        chain: c.split(':')[1]!,
        hook: 'PREROUTING',
      }),
    ),
    { t: 9, host: 'node', type: 'conntrack', pkt: 1, op: 'confirmed', entry },
    { t: 10, host: 'pod-a', type: 'outcome', conn: 1, ok: opts.ok, line: '' },
  ];
  const NO_HOOKS = { PREROUTING: [], INPUT: [], FORWARD: [], OUTPUT: [], POSTROUTING: [] };
  return {
    scenario,
    settings: {},
    hosts: [
      { name: 'node', interfaces: [], routes: [], sysctls: {}, iptablesSave: '', hooks: NO_HOOKS },
      { name: 'pod-a', interfaces: [], routes: [], sysctls: {}, iptablesSave: '', hooks: NO_HOOKS },
    ],
    events,
    endTime: 10,
    outcomes: [
      { conn: 1, from: 'pod-a', to: '10.96.0.10:80', proto: 'tcp', ok: opts.ok, reason: 'x', line: '' },
    ],
  };
}

const SYN_LINE = (sport: number) =>
  `ip saddr 10.244.1.2 ip daddr 10.96.0.10 ip id 7 ip length 60 tcp sport ${sport} tcp dport 80 tcp flags == syn tcp window 64240`;

/** conntrack -E at the node as the harness captures it (timestamp, tab); [UPDATE]s and an expiry are not compared. */
const EVENTS = (p: number, extra: string[] = []) => [
  `[1795327292.167257]\t    [NEW] tcp      6 120 TIME_WAIT src=10.244.1.2 dst=10.96.0.10 sport=${p} dport=80 src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=${p} [ASSURED]`,
  `[1795327292.167300]\t [UPDATE] tcp      6 60 CLOSE_WAIT src=10.244.1.2 dst=10.96.0.10 sport=${p} dport=80 src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=${p} [ASSURED]`,
  `[1795327412.167300]\t[DESTROY] tcp      6 TIME_WAIT src=10.244.1.2 dst=10.96.0.10 sport=${p} dport=80 src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=${p} [ASSURED]`,
  ...extra,
];

function kernel(opts: {
  sport: number;
  ctLine: string;
  ok: boolean;
  redirect?: boolean;
  events?: string[];
}): KernelCapture {
  const trace = [
    `trace id 01 ip nfp_trace pre packet: iif "cni0" ${SYN_LINE(opts.sport)}`,
    `trace id 01 ip nat PREROUTING packet: iif "cni0" ${SYN_LINE(opts.sport)}`,
    'trace id 01 ip nat KUBE-SEP-WEB1 rule meta l4proto tcp dnat to 10.244.1.3:8080 (verdict accept)',
    `trace id 01 ip nat POSTROUTING packet: oif "cni0" ${SYN_LINE(opts.sport)}`,
    'trace id 01 ip nat POSTROUTING policy accept',
  ];
  if (opts.redirect)
    trace.push(
      'trace id 02 ip nfp_trace out packet: oif "cni0" ip saddr 10.244.1.1 ip daddr 10.244.1.2 ip id 9 icmp type redirect icmp code host-unreachable',
    );
  return {
    hosts: {
      node: { conntrack: [opts.ctLine], trace, events: opts.events ?? EVENTS(opts.sport), agent: [] },
      'pod-a': {
        conntrack: [],
        trace: [],
        events: [],
        agent: [
          {
            event: 'outcome',
            idx: 1,
            ok: opts.ok,
            reason: opts.ok ? 'reply from 10.96.0.10:80' : 'ETIMEDOUT',
            sport: opts.sport,
          },
        ],
      },
    },
  };
}

const TW = (p: number) =>
  `tcp      6 114 TIME_WAIT src=10.244.1.2 dst=10.96.0.10 sport=${p} dport=80 src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=${p} [ASSURED] mark=0 use=1`;

describe('compareSides', () => {
  it('is equal on all three columns when only the ephemeral port and the timeout differ', () => {
    const cells = compareSides(
      scenario,
      'default',
      kernelSide(kernel({ sport: 52846, ctLine: TW(52846), ok: true })),
      engineSide(
        engineRun({
          sport: 40000,
          state: 'TIME_WAIT',
          ok: true,
          synPath: ['nat:PREROUTING', 'nat:POSTROUTING'],
        }),
      ),
    );
    expect(cells.map((c) => [c.column, c.equal])).toEqual([
      ['conntrack', true],
      ['outcome', true],
      ['path', true],
      ['events', true],
    ]);
  });

  it('compares [NEW] and the [DESTROY] of a killed entry, not [UPDATE]s or expiries', () => {
    const e = engineSide(
      engineRun({
        sport: 40000,
        state: 'TIME_WAIT',
        ok: true,
        synPath: ['nat:PREROUTING', 'nat:POSTROUTING'],
      }),
    );
    const killed = `[1795327292.167400]\t[DESTROY] tcp      6 119 CLOSE src=10.244.1.2 dst=10.96.0.10 sport=52846 dport=81 [UNREPLIED] src=10.244.1.3 dst=10.244.1.2 sport=81 dport=52846`;
    const k = kernelSide(
      kernel({ sport: 52846, ctLine: TW(52846), ok: true, events: EVENTS(52846, [killed]) }),
    );
    const cell = compareSides(scenario, 'default', k, e)[3]!;
    expect(cell.column).toBe('events');
    expect(cell.diff).toBe(
      'node: kernel has "[DESTROY] tcp CLOSE src=10.244.1.2 dst=10.96.0.10 sport=P1 dport=81 [UNREPLIED] src=10.244.1.3 dst=10.244.1.2 sport=81 dport=P1 mark=0", engine has "[NEW] tcp TIME_WAIT src=10.244.1.2 dst=10.96.0.10 sport=P1 dport=80 src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=P1 [ASSURED] mark=0"',
    );
    const none = kernelSide(kernel({ sport: 52846, ctLine: TW(52846), ok: true, events: [] }));
    expect(compareSides(scenario, 'default', none, e)[3]!.diff).toMatch(
      /^node: engine has "\[NEW\] tcp TIME_WAIT/,
    );
  });

  it('names the first difference in each column', () => {
    const cells = compareSides(
      scenario,
      'default',
      kernelSide(kernel({ sport: 52846, ctLine: TW(52846), ok: true })),
      engineSide(engineRun({ sport: 40000, state: 'SYN_SENT', ok: false, synPath: ['nat:PREROUTING'] })),
    );
    const [ct, out, path] = cells;
    expect(ct!.equal).toBe(false);
    expect(ct!.diff).toContain(
      'kernel has "tcp TIME_WAIT src=10.244.1.2 dst=10.96.0.10 sport=P1 dport=80 src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=P1 [ASSURED] mark=0"',
    );
    expect(ct!.diff).toContain('"tcp SYN_SENT src=10.244.1.2 dst=10.96.0.10 sport=P1 dport=80 [UNREPLIED]');
    expect(out!.diff).toBe(
      'traffic[1] tcp-connect pod-a -> 10.96.0.10:80: kernel ok (reply from 10.96.0.10:80), engine failed (x)',
    );
    expect(path!.diff).toBe(
      'node: "tcp 10.244.1.2:P1 > 10.96.0.10:80 S": kernel [nat:PREROUTING nat:POSTROUTING], engine [nat:PREROUTING]',
    );
    expect(cells.every((c) => c.excusedBy === undefined)).toBe(true);
  });

  it('catches a port the engine put in the wrong place even though both are ephemeral', () => {
    const wrongReply = compareSides(
      scenario,
      'default',
      kernelSide(kernel({ sport: 52846, ctLine: TW(52846), ok: true })),
      engineSide(
        engineRun({
          sport: 40000,
          state: 'TIME_WAIT',
          ok: true,
          synPath: ['nat:PREROUTING', 'nat:POSTROUTING'],
        }),
      ),
    );
    expect(wrongReply[0]!.equal).toBe(true);
    const k = kernel({
      sport: 52846,
      ctLine: TW(52846).replace('dport=52846 [ASSURED]', 'dport=61000 [ASSURED]'),
      ok: true,
    });
    const cells = compareSides(
      scenario,
      'default',
      kernelSide(k),
      engineSide(
        engineRun({
          sport: 40000,
          state: 'TIME_WAIT',
          ok: true,
          synPath: ['nat:PREROUTING', 'nat:POSTROUTING'],
        }),
      ),
    );
    expect(cells[0]!.diff).toContain('dport=E1 [ASSURED]');
  });

  it('reports a packet the engine never shows, excused only by a limitation tagged for that setting', () => {
    const k = kernelSide(kernel({ sport: 52846, ctLine: TW(52846), ok: true, redirect: true }));
    const e = engineSide(
      engineRun({
        sport: 40000,
        state: 'TIME_WAIT',
        ok: true,
        synPath: ['nat:PREROUTING', 'nat:POSTROUTING'],
      }),
    );
    const other = compareSides(scenario, 'node:net.bridge.bridge-nf-call-iptables=1', k, e)[2]!;
    expect(other.diff).toBe(
      'node: kernel "icmp 10.244.1.1 > 10.244.1.2 type 5 code 1" (1st of its kind) [-] has no match in the engine',
    );
    expect(other.excusedBy).toBeUndefined();
    const tagged = compareSides(scenario, 'node:net.bridge.bridge-nf-call-iptables=0', k, e)[2]!;
    expect(tagged.excusedBy).toContain('ICMP redirects');
  });
});

describe('errnoOf', () => {
  it('takes the errno either side names, Python and kernel spellings made one', () => {
    expect(errnoOf('EHOSTUNREACH')).toBe('EHOSTUNREACH');
    expect(errnoOf('host unreachable (EHOSTUNREACH) (host prohibited from 10.0.0.2)')).toBe('EHOSTUNREACH');
    expect(errnoOf('ENOTSUP')).toBe('EOPNOTSUPP');
    expect(errnoOf('no reply')).toBeUndefined();
    expect(errnoOf('timed out after 0.8 s (no SYN-ACK; 0 SYN retransmissions)')).toBeUndefined();
  });
});

describe('excuse', () => {
  it('needs the column tag; a tag without a setting covers every setting', () => {
    const s = { ...scenario, limitations: [{ en: 'No MAC learning delays [parity:conntrack]', zh: '' }] };
    expect(excuse(s, 'conntrack', 'anything')).toContain('MAC');
    expect(excuse(s, 'path', 'anything')).toBeUndefined();
    expect(
      excuse({ ...s, limitations: [{ en: 'mentions conntrack but has no tag', zh: '' }] }, 'conntrack', 'x'),
    ).toBeUndefined();
  });
});

describe('isStreamSegment', () => {
  it('is true for pure ACKs and data, false for SYN, FIN, RST and non-TCP', () => {
    expect(isStreamSegment('tcp 1.1.1.1:P1 > 2.2.2.2:80 .')).toBe(true);
    expect(isStreamSegment('tcp 1.1.1.1:P1 > 2.2.2.2:80 P.')).toBe(true);
    for (const f of ['S', 'S.', 'F.', 'R', 'R.', 'FP.'])
      expect(isStreamSegment(`tcp 1.1.1.1:P1 > 2.2.2.2:80 ${f}`)).toBe(false);
    expect(isStreamSegment('udp 1.1.1.1:P1 > 2.2.2.2:53')).toBe(false);
  });
});
