import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IPS_CONFIRMED, IPS_SEEN_REPLY } from '../src/engine/conntrack/types';
import { ipv4 } from '../src/engine/net/ipv4';
import { parseConntrackLine, rowFromEngine, rowText } from './conntrackRow';

describe('parseConntrackLine', () => {
  it('reads conntrack -L and -E lines captured on the kernel alike', () => {
    const lines = readFileSync(join(__dirname, 'testdata', 'hairpin-bnf1-node.conntrack.txt'), 'utf8').split(
      '\n',
    );
    const rows = lines.map(parseConntrackLine);
    expect(rowText(rows[0]!)).toBe(
      'tcp TIME_WAIT src=10.244.1.2 dst=10.96.0.10 sport=41664 dport=80 src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=41664 [ASSURED] mark=0',
    );
    expect(rows[1]).toMatchObject({ state: 'SYN_SENT', unreplied: true, assured: false });
    expect(rows.filter(Boolean).map((r) => r!.state)).toEqual([
      'TIME_WAIT',
      'SYN_SENT',
      'SYN_RECV',
      'ESTABLISHED',
      'FIN_WAIT',
      'LAST_ACK',
      'TIME_WAIT',
    ]);
  });

  it('reads UDP, ICMP, /proc lines, zones and marks; ignores the summary line', () => {
    expect(
      rowText(
        parseConntrackLine(
          'udp      17 28 src=10.0.1.2 dst=10.0.2.2 sport=40002 dport=53 [UNREPLIED] src=10.0.2.2 dst=10.0.2.1 sport=53 dport=40002 mark=0 use=1',
        )!,
      ),
    ).toBe(
      'udp src=10.0.1.2 dst=10.0.2.2 sport=40002 dport=53 [UNREPLIED] src=10.0.2.2 dst=10.0.2.1 sport=53 dport=40002 mark=0',
    );
    const icmp = parseConntrackLine(
      'icmp     1 29 src=10.0.1.2 dst=10.0.2.2 type=8 code=0 id=10148 src=10.0.2.2 dst=10.0.2.1 type=0 code=0 id=10148 mark=7 zone=5 use=1',
    )!;
    expect(rowText(icmp)).toBe(
      'icmp src=10.0.1.2 dst=10.0.2.2 type=8 code=0 id=10148 src=10.0.2.2 dst=10.0.2.1 type=0 code=0 id=10148 mark=7 zone=5',
    );
    expect(
      parseConntrackLine(
        'ipv4     2 tcp      6 117 TIME_WAIT src=10.0.1.2 dst=10.0.2.2 sport=40001 dport=80 src=10.0.2.2 dst=10.0.2.1 sport=80 dport=40001 [ASSURED] mark=0 zone=0 use=2',
      )?.state,
    ).toBe('TIME_WAIT');
    expect(
      parseConntrackLine('conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.'),
    ).toBeUndefined();
  });

  it('gives an engine entry the same text as the kernel line', () => {
    const row = rowFromEngine({
      id: 3,
      orig: { src: ipv4('10.0.1.2'), dst: ipv4('10.0.2.2'), proto: 1, sport: 10148, dport: 8 << 8 },
      reply: { src: ipv4('10.0.2.2'), dst: ipv4('10.0.2.1'), proto: 1, sport: 10148, dport: 0 },
      status: IPS_CONFIRMED | IPS_SEEN_REPLY,
      expiresAt: 1,
      createdAt: 0,
      mark: 7,
      zone: 5,
    });
    expect(rowText(row)).toBe(
      'icmp src=10.0.1.2 dst=10.0.2.2 type=8 code=0 id=10148 src=10.0.2.2 dst=10.0.2.1 type=0 code=0 id=10148 mark=7 zone=5',
    );
  });
});
