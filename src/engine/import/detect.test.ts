import { describe, expect, it } from 'vitest';
import { detectPasteKind } from './detect';
import addr from './testdata/ip-addr.json?raw';
import pretty from './testdata/ip-p-addr.json?raw';
import route from './testdata/ip-route.json?raw';
import ipt from './testdata/iptables-save.txt?raw';
import sysctl from './testdata/sysctl-a.txt?raw';

describe('detectPasteKind', () => {
  it('tells the four outputs apart', () => {
    expect(detectPasteKind(addr)).toBe('ip-addr');
    expect(detectPasteKind(pretty)).toBe('ip-addr');
    expect(detectPasteKind(route)).toBe('ip-route');
    expect(detectPasteKind(ipt)).toBe('iptables-save');
    expect(detectPasteKind(ipt.split('\n').slice(1).join('\n'))).toBe('iptables-save');
    expect(detectPasteKind(sysctl)).toBe('sysctl');
    expect(
      detectPasteKind(
        sysctl
          .split('\n')
          .filter((l) => l.startsWith('net.'))
          .join('\n'),
      ),
    ).toBe('sysctl');
  });
  it('says nothing of what is none of them', () => {
    for (const t of ['', 'hello', '[]', '{"version":1}', 'ip route show'])
      expect(detectPasteKind(t)).toBeUndefined();
  });
});
