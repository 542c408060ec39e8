import { describe, expect, it } from 'vitest';
import { runScenario } from '../index';
import { builtinScenarios } from '../../scenarios';
import { nftTraceLines, traceId } from './nftTrace';

// The engine's `nft monitor trace` against the kernel's (testdata/*.kernel.txt, captured by
// `npm run test:kernel -- --kernel-only` on Linux 6.18 / nftables 1.0.6). What differs per
// machine or per run is normalised on both sides: trace ids, MAC addresses, IP ids, ephemeral
// ports, and the IP id and checksum inside an ICMP error's quoted header.

const files = import.meta.glob<string>('./testdata/*.kernel.txt', {
  query: '?raw',
  import: 'default',
  eager: true,
});
const read = (name: string): string => files[`./testdata/${name}`]!;

function normalise(line: string): string {
  return line
    .replace(/^trace id [0-9a-f]{8} /, 'trace id ID ')
    .replace(/([0-9a-f]{2}:){5}[0-9a-f]{2}/g, 'MAC')
    .replace(/ip id \d+/, 'ip id N')
    .replace(/(sport|dport) (3[2-9]\d{3}|[4-6]\d{4})\b/g, '$1 EPH')
    .replace(/@ll,0,112 0x[0-9a-f]{24}/, '@ll,0,112 0xMACS')
    .replace(/(@th,64,96 0x4500[0-9a-f]{4})[0-9a-f]{4}(4000[0-9a-f]{4})[0-9a-f]{4}/, '$1ID$2CS')
    .replace(/icmp id \d+ icmp sequence \d+/, 'icmp id I icmp sequence S');
}

/** The kernel's lines of the first TCP SYN in the file, followed across trace id changes. */
function kernelFirstSyn(file: string): string[] {
  const lines = read(file)
    .split('\n')
    .filter((l) => l.startsWith('trace id '));
  const ids = new Set<string>();
  let ipId: string | undefined;
  const out: string[] = [];
  for (const l of lines) {
    const id = l.slice(9, 17);
    const pktIpId = / packet: .* ip id (\d+) /.exec(l)?.[1];
    if (!ipId) {
      if (!/ packet: .*tcp flags == syn /.test(l)) continue;
      ipId = pktIpId;
      ids.add(id);
    } else if (pktIpId !== undefined) {
      if (pktIpId === ipId && / tcp flags == syn /.test(l)) ids.add(id);
      else if (ids.has(id)) break; // the same skb id, another packet
    }
    if (ids.has(id)) out.push(l);
  }
  return out;
}

function engineFirstSyn(id: string, host: string, settings: Record<string, string>): string[] {
  const s = builtinScenarios.find((x) => x.id === id)!;
  const r = runScenario(s, { settings });
  const lines = nftTraceLines(r.events, r.events.keys()).filter((l) => l.host === host);
  const syn = lines.find((l) => / packet: .*tcp flags == syn /.test(l.text))!;
  return lines.filter((l) => l.pkt === syn.pkt).map((l) => l.text);
}

describe('nft monitor trace, as the kernel printed it', () => {
  const cases: [string, string, string, Record<string, string>][] = [
    [
      'hairpin-nftables-node.kernel.txt',
      'same-bridge-hairpin',
      'node',
      { 'node:kube-proxy-mode': 'nftables' },
    ],
    ['ipt-vs-nft-node-nft.kernel.txt', 'iptables-vs-nftables', 'node-nft', {}],
    ['nodeport-nftables-node-1.kernel.txt', 'node-port-snat', 'node-1', { 'kube-proxy-mode': 'nftables' }],
  ];
  for (const [file, id, host, settings] of cases)
    it(`${id} ${JSON.stringify(settings)}: the first SYN on ${host}`, () => {
      const kernel = kernelFirstSyn(file).map(normalise);
      expect(kernel.length).toBeGreaterThan(5);
      expect(engineFirstSyn(id, host, settings).map(normalise)).toEqual(kernel);
    });

  it('the whole run on the node of same-bridge-hairpin in nftables mode, line for line', () => {
    const kernel = read('hairpin-nftables-node.kernel.txt')
      .split('\n')
      .filter((l) => l.startsWith('trace id '))
      .map(normalise);
    const s = builtinScenarios.find((x) => x.id === 'same-bridge-hairpin')!;
    const r = runScenario(s, { settings: { 'node:kube-proxy-mode': 'nftables' } });
    const engine = nftTraceLines(r.events, r.events.keys())
      .filter((l) => l.host === 'node')
      .map((l) => normalise(l.text));
    expect(engine).toEqual(kernel);
  });
});

describe('traceId', () => {
  it('is 8 hex digits, the same for the same packet and namespace, else different', () => {
    expect(traceId('node', 1)).toMatch(/^[0-9a-f]{8}$/);
    expect(traceId('node', 1)).toBe(traceId('node', 1));
    expect(traceId('node', 1)).not.toBe(traceId('node', 2));
    expect(traceId('node', 1)).not.toBe(traceId('pod-a', 1));
  });
});
