import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pcapOf } from '../engine/export/pcap';
import { runScenario } from '../engine/sim/run';
import { getBuiltinScenario } from '../scenarios';

// Wireshark reads what `--format pcap` writes: no complaint about the file, no malformed
// packet, no bad checksum (checked on every layer). Needs tshark (installed by .ci/run).

const hasTshark = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).status === 0;
const CHECKS = ['ip', 'tcp', 'udp'].flatMap((p) => ['-o', `${p}.check_checksum:TRUE`]);

const cases: [string, Record<string, string>, string, string][] = [
  ['same-bridge-hairpin', { 'node:net.bridge.bridge-nf-call-iptables': '1' }, 'pod-a', 'eth0'],
  ['same-bridge-hairpin', {}, 'node', 'veth-b'],
  ['snat-gateway', {}, 'gateway', 'eth1'],
  ['stateful-firewall', {}, 'host', 'eth0'],
  ['docker-port-publish', {}, 'host', 'docker0'],
];

describe.skipIf(!hasTshark)('tshark reads the pcap export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nflab-pcap-'));
  for (const [id, settings, host, ifname] of cases)
    it(`${id} ${host}:${ifname}`, () => {
      const r = runScenario(getBuiltinScenario(id)!, { settings });
      const file = join(dir, `${id}-${host}-${ifname}.pcap`);
      writeFileSync(file, pcapOf(r, host, ifname)!);
      const list = spawnSync('tshark', ['-r', file, ...CHECKS], { encoding: 'utf8' });
      expect(list.status).toBe(0);
      expect(list.stderr.replace(/^Running as user .*\n/m, '')).toBe('');
      expect(list.stdout.trim().split('\n').length).toBeGreaterThan(3);
      const expert = spawnSync('tshark', ['-r', file, ...CHECKS, '-q', '-z', 'expert,error'], {
        encoding: 'utf8',
      });
      expect(expert.stdout).not.toMatch(/Malformed|Bad checksum|Errors \(/);
    });
  it('cleans up', () => rmSync(dir, { recursive: true, force: true }));
});
