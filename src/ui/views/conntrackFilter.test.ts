import { describe, expect, it } from 'vitest';
import { conntrackFilter } from './conntrackFilter';

const a =
  'tcp      6 117 TIME_WAIT src=10.0.0.1 dst=10.244.1.3 sport=40001 dport=80 src=10.244.1.3 dst=10.0.0.1 sport=80 dport=40001 [ASSURED] mark=0 use=1';
const b =
  'udp      17 28 src=10.0.0.12 dst=10.244.10.3 sport=40002 dport=53 [UNREPLIED] src=10.244.10.3 dst=10.0.0.12 sport=53 dport=40002 mark=0 use=1';

describe('conntrack filter', () => {
  it('matches whole addresses exactly', () => {
    const f = conntrackFilter('10.0.0.1')!;
    expect([f(a), f(b)]).toEqual([true, false]);
  });
  it('matches partial addresses on octet boundaries', () => {
    const f = conntrackFilter('10.244.1')!;
    expect([f(a), f(b)]).toEqual([true, false]);
    const g = conntrackFilter('10.244.1.')!;
    expect([g(a), g(b)]).toEqual([true, false]);
    expect(conntrackFilter('10.244.')!(b)).toBe(true);
  });
  it('never matches ports or other fields, and treats regex characters as text', () => {
    expect(conntrackFilter('40001')!(a)).toBe(false);
    expect(conntrackFilter('10.0.0.*')!(a)).toBe(false);
    expect(conntrackFilter('  ')).toBeUndefined();
  });
});
