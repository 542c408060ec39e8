import { describe, expect, it } from 'vitest';
import { getBuiltinScenario } from '../../scenarios';
import { runCommand } from '../console/run';
import { runScenario } from '../sim/run';
import { frameBytes, inetChecksum, pcapOf } from './pcap';

const hairpin = runScenario(getBuiltinScenario('same-bridge-hairpin')!, {
  settings: { 'node:net.bridge.bridge-nf-call-iptables': '1' },
});

const le32 = (b: Uint8Array, i: number) =>
  (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;

describe('pcap export', () => {
  it('computes the Internet checksum (RFC 1071 example)', () => {
    // 0001 f203 f4f5 f6f7 sums to ddf2 (carry folded); the checksum is its complement.
    expect(inetChecksum(new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]))).toBe(
      ~0xddf2 & 0xffff,
    );
  });

  it('writes the classic pcap header and one record per frame tcpdump shows, at virtual times', () => {
    const p = pcapOf(hairpin, 'pod-a', 'eth0')!;
    expect(le32(p, 0)).toBe(0xa1b2c3d4);
    expect(le32(p, 20)).toBe(1); // Ethernet
    const times: number[] = [];
    let off = 24;
    while (off < p.length) {
      times.push(le32(p, off) * 1_000_000 + le32(p, off + 4));
      off += 16 + le32(p, off + 8);
    }
    expect(off).toBe(p.length);
    const dump = runCommand(hairpin, hairpin.events.length, 'pod-a', 'tcpdump -n -i eth0')
      .stdout.trimEnd()
      .split('\n');
    expect(times).toHaveLength(dump.length);
    const clock = (us: number) =>
      `00:00:${String(Math.floor(us / 1e6)).padStart(2, '0')}.${String(us % 1e6).padStart(6, '0')}`;
    expect(dump.map((l) => l.slice(0, 15))).toEqual(times.map(clock));
    expect(pcapOf(hairpin, 'pod-a', 'eth9')).toBeUndefined();
  });

  it('builds headers whose checksums verify', () => {
    const syn = hairpin.events.find(
      (e) => e.type === 'xmit' && e.frame.type === 0x0800 && e.host === 'pod-a',
    );
    if (syn?.type !== 'xmit' || syn.frame.type !== 0x0800) throw new Error('no SYN');
    const b = frameBytes(syn.frame, syn.t);
    expect(b.length).toBe(14 + syn.frame.ip.len);
    expect(inetChecksum(b.subarray(14, 34))).toBe(0); // IPv4 header
    const tcp = b.subarray(34);
    const pseudo = new Uint8Array([...b.subarray(26, 34), 0, 6, tcp.length >> 8, tcp.length & 255]);
    expect(inetChecksum(new Uint8Array([...pseudo, ...tcp]))).toBe(0);
    expect(tcp[12]! >> 4).toBe(10); // 40-byte header: MSS, SACK permitted, timestamps, window scale
  });
});
