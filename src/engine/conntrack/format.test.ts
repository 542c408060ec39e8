import { describe, expect, it } from 'vitest';
import { ipv4 } from '../net/ipv4';
import { ctTimeoutSeconds, formatConntrackEvent, formatConntrackL, formatProcConntrack } from './format';
import { type CtEntryData, IPS_ASSURED, IPS_CONFIRMED, IPS_SEEN_REPLY, type Tuple } from './types';

// Goldens are real lines captured on Linux 6.18 / conntrack-tools 1.4.7 in namespaces
// nfb-a (10.77.0.1) and nfb-b (10.77.0.2), and the reference's samples (§5.1, §5.2).

const S = 1_000_000;

function t(src: string, dst: string, proto: number, sport: number, dport: number): Tuple {
  return { src: ipv4(src), dst: ipv4(dst), proto, sport, dport };
}

function entry(p: Partial<CtEntryData> & Pick<CtEntryData, 'orig' | 'reply'>): CtEntryData {
  return { id: 1, status: IPS_CONFIRMED, expiresAt: 0, createdAt: 0, mark: 0, zone: 0, ...p };
}

const NOW = 1000 * S;
const timeWait = entry({
  orig: t('10.77.0.1', '10.77.0.2', 6, 40001, 8080),
  reply: t('10.77.0.2', '10.77.0.1', 6, 8080, 40001),
  status: IPS_CONFIRMED | IPS_SEEN_REPLY | IPS_ASSURED,
  tcpState: 'TIME_WAIT',
  expiresAt: NOW + 119.5 * S,
});
const unreplied = entry({
  orig: t('10.77.0.1', '10.77.0.2', 17, 40003, 5353),
  reply: t('10.77.0.2', '10.77.0.1', 17, 5353, 40003),
  expiresAt: NOW + 29.9 * S,
});
const ping = entry({
  orig: t('10.77.0.1', '10.77.0.2', 1, 4242, 8 << 8),
  reply: t('10.77.0.2', '10.77.0.1', 1, 4242, 0),
  status: IPS_CONFIRMED | IPS_SEEN_REPLY,
  expiresAt: NOW + 29.2 * S,
});

describe('conntrack -L', () => {
  it('matches the kernel capture byte for byte', () => {
    expect([timeWait, unreplied, ping].map((e) => formatConntrackL(e, NOW))).toEqual([
      'tcp      6 119 TIME_WAIT src=10.77.0.1 dst=10.77.0.2 sport=40001 dport=8080 src=10.77.0.2 dst=10.77.0.1 sport=8080 dport=40001 [ASSURED] mark=0 use=1',
      'udp      17 29 src=10.77.0.1 dst=10.77.0.2 sport=40003 dport=5353 [UNREPLIED] src=10.77.0.2 dst=10.77.0.1 sport=5353 dport=40003 mark=0 use=1',
      'icmp     1 29 src=10.77.0.1 dst=10.77.0.2 type=8 code=0 id=4242 src=10.77.0.2 dst=10.77.0.1 type=0 code=0 id=4242 mark=0 use=1',
    ]);
  });

  it('prints mark always and zone only when non-zero', () => {
    const u = (dport: number, mark: number, zone: number) =>
      entry({
        orig: t('10.77.0.1', '10.77.0.2', 17, 40020, dport),
        reply: t('10.77.0.2', '10.77.0.1', 17, dport, 40020),
        expiresAt: NOW + 26.5 * S,
        mark,
        zone,
      });
    expect(formatConntrackL(u(7777, 7, 0), NOW)).toBe(
      'udp      17 26 src=10.77.0.1 dst=10.77.0.2 sport=40020 dport=7777 [UNREPLIED] src=10.77.0.2 dst=10.77.0.1 sport=7777 dport=40020 mark=7 use=1',
    );
    expect(formatConntrackL(u(7778, 0, 5), NOW)).toBe(
      'udp      17 26 src=10.77.0.1 dst=10.77.0.2 sport=40020 dport=7778 [UNREPLIED] src=10.77.0.2 dst=10.77.0.1 sport=7778 dport=40020 mark=0 zone=5 use=1',
    );
    expect(formatProcConntrack(u(7777, 7, 0), NOW)).toBe(
      'ipv4     2 udp      17 26 src=10.77.0.1 dst=10.77.0.2 sport=40020 dport=7777 [UNREPLIED] src=10.77.0.2 dst=10.77.0.1 sport=7777 dport=40020 mark=7 zone=0 use=2',
    );
    expect(formatProcConntrack(u(7778, 0, 5), NOW)).toBe(
      'ipv4     2 udp      17 26 src=10.77.0.1 dst=10.77.0.2 sport=40020 dport=7778 [UNREPLIED] src=10.77.0.2 dst=10.77.0.1 sport=7778 dport=40020 mark=0 zone=5 use=2',
    );
  });

  it('prints a generic-protocol entry with addresses only', () => {
    const gre = entry({
      orig: t('10.0.0.1', '10.0.0.2', 47, 0, 0),
      reply: t('10.0.0.2', '10.0.0.1', 47, 0, 0),
    });
    expect(formatConntrackL({ ...gre, expiresAt: 600 * S }, 0)).toBe(
      'gre      47 600 src=10.0.0.1 dst=10.0.0.2 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 mark=0 use=1',
    );
    const other = entry({
      orig: t('10.0.0.1', '10.0.0.2', 99, 0, 0),
      reply: t('10.0.0.2', '10.0.0.1', 99, 0, 0),
    });
    expect(formatProcConntrack({ ...other, expiresAt: 600 * S }, 0)).toMatch(
      /^ipv4 {5}2 unknown {2}99 600 src=/,
    );
  });
});

describe('/proc/net/nf_conntrack', () => {
  it('matches the kernel capture byte for byte', () => {
    expect([timeWait, unreplied, ping].map((e) => formatProcConntrack(e, NOW))).toEqual([
      'ipv4     2 tcp      6 119 TIME_WAIT src=10.77.0.1 dst=10.77.0.2 sport=40001 dport=8080 src=10.77.0.2 dst=10.77.0.1 sport=8080 dport=40001 [ASSURED] mark=0 zone=0 use=2',
      'ipv4     2 udp      17 29 src=10.77.0.1 dst=10.77.0.2 sport=40003 dport=5353 [UNREPLIED] src=10.77.0.2 dst=10.77.0.1 sport=5353 dport=40003 mark=0 zone=0 use=2',
      'ipv4     2 icmp     1 29 src=10.77.0.1 dst=10.77.0.2 type=8 code=0 id=4242 src=10.77.0.2 dst=10.77.0.1 type=0 code=0 id=4242 mark=0 zone=0 use=2',
    ]);
  });
});

describe('conntrack -E', () => {
  it('pads the event tag to 9 columns and omits use; mark and zone only when non-zero', () => {
    const fresh = { ...unreplied, expiresAt: NOW + 30 * S, mark: 7 };
    expect(formatConntrackEvent('NEW', fresh, NOW)).toBe(
      '    [NEW] udp      17 30 src=10.77.0.1 dst=10.77.0.2 sport=40003 dport=5353 [UNREPLIED] src=10.77.0.2 dst=10.77.0.1 sport=5353 dport=40003 mark=7',
    );
    expect(formatConntrackEvent('UPDATE', { ...ping, expiresAt: NOW + 30 * S }, NOW)).toBe(
      ' [UPDATE] icmp     1 30 src=10.77.0.1 dst=10.77.0.2 type=8 code=0 id=4242 src=10.77.0.2 dst=10.77.0.1 type=0 code=0 id=4242',
    );
    expect(formatConntrackEvent('DESTROY', { ...unreplied, zone: 5, expiresAt: NOW }, NOW)).toBe(
      '[DESTROY] udp      17 src=10.77.0.1 dst=10.77.0.2 sport=40003 dport=5353 [UNREPLIED] src=10.77.0.2 dst=10.77.0.1 sport=5353 dport=40003 zone=5',
    );
  });
});

describe('ctTimeoutSeconds', () => {
  it('counts whole jiffies at HZ=250 and truncates', () => {
    const e = { ...unreplied, expiresAt: 30 * S };
    expect(ctTimeoutSeconds(e, 0)).toBe(30);
    expect(ctTimeoutSeconds(e, 3_999)).toBe(30);
    expect(ctTimeoutSeconds(e, 4_000)).toBe(29);
    expect(ctTimeoutSeconds(e, 29.999 * S)).toBe(0);
    expect(ctTimeoutSeconds(e, 31 * S)).toBe(0);
  });
});
