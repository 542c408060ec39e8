import { describe, expect, it } from 'vitest';
import { ruleLine } from './Rules';

const save = [
  '*filter',
  ':FORWARD ACCEPT [4:240]',
  '[4:240] -A FORWARD -j KUBE-FORWARD',
  'COMMIT',
  '*nat',
  ':PREROUTING ACCEPT [0:0]',
  ':KUBE-SEP-X - [0:0]',
  '[1:60] -A KUBE-SEP-X -s 10.244.1.3/32 -j KUBE-MARK-MASQ',
  '[1:60] -A KUBE-SEP-X -p tcp -j DNAT --to-destination 10.244.1.3:8080',
  'COMMIT',
].join('\n');

describe('ruleLine', () => {
  it('finds a rule by table, chain and position, and a policy by its chain line', () => {
    expect(ruleLine(save, 'nat', 'KUBE-SEP-X', 2)).toBe(8);
    expect(ruleLine(save, 'filter', 'FORWARD', 1)).toBe(2);
    expect(ruleLine(save, 'nat', 'PREROUTING', 0)).toBe(5);
    expect(ruleLine(save, 'filter', 'KUBE-SEP-X', 1)).toBe(-1);
  });
});
