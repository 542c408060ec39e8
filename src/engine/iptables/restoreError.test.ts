import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from './parse';
import { restoreErrorText } from './restoreError';

// Each expected text is what `iptables-restore < file` printed for that file in a network
// namespace on Linux 6.18 with iptables 1.8.9 (nf_tables), captured 2026-12-02.
const TRY = "Try `iptables-restore -h' or 'iptables-restore --help' for more information.\n";
const filter = (rule: string) =>
  `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n${rule}\nCOMMIT\n`;

const cases: [string, string][] = [
  [
    filter('-A INPUT -p tcp --dprot 80 -j ACCEPT'),
    `iptables-restore v1.8.9 (nf_tables): unknown option "--dprot"\nError occurred at line: 5\n${TRY}`,
  ],
  [
    filter('-A INPUT -s 10.0.0.300 -j DROP'),
    `iptables-restore v1.8.9 (nf_tables): host/network \`10.0.0.300' not found\nError occurred at line: 5\n${TRY}`,
  ],
  [
    filter('-A INPUT -m conntrack --ctstate NEWW -j ACCEPT'),
    `iptables-restore v1.8.9 (nf_tables): Bad ctstate "NEWW"\nError occurred at line: 5\n${TRY}`,
  ],
  [filter('-A NOPE -j ACCEPT'), 'iptables-restore: line 5 failed: No chain/target/match by that name.\n'],
  ['*filter\n:INPUT DROPP [0:0]\nCOMMIT\n', 'iptables-restore: line 2 failed: Bad policy name.\n'],
  ['*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n', 'iptables-restore: COMMIT expected at line 4\n'],
  ['*filter\n:INPUT ACCEPT [0:0]\n*nat\nCOMMIT\n', `Bad argument \`*nat'\nError occurred at line: 3\n${TRY}`],
  [
    '*filter\n:INPUT ACCEPT [0:0]\nfoo bar\nCOMMIT\n',
    `Bad argument \`foo'\nError occurred at line: 3\n${TRY}`,
  ],
  [
    '*filtr\n:INPUT ACCEPT [0:0]\nCOMMIT\n',
    `iptables-restore v1.8.9 (nf_tables): iptables-restore: line 1 table name 'filtr' invalid\nError occurred at line: 1\n${TRY}`,
  ],
];

describe('restoreErrorText', () => {
  for (const [text, want] of cases)
    it(want.split('\n')[0]!, () => {
      const r = parseIptablesSave(text, 'x');
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(restoreErrorText(r.error, text)).toBe(want);
    });
});
