import { readFileSync } from 'node:fs';
import type { KernelRunResult } from './kernelRun';
import { summarize } from './packetSummary';
import { groupTrace } from './trace';

// tsx parity/show.ts /tmp/nfp-parity-last/<capture>.json [host...]
// Prints a kernel capture the way docs/kernel-observations.md quotes it: per host the
// conntrack table, the event stream, each IPv4 packet with the base chains it walked, and
// tcpdump lines when they were captured.

const [file, ...only] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx parity/show.ts CAPTURE.json [host...]');
  process.exit(2);
}
const cap = JSON.parse(readFileSync(file, 'utf8')) as KernelRunResult & { scenario: string; setting: string };
console.log(`# ${cap.scenario} x ${cap.setting}`);
for (const n of cap.notes) console.log(`# note: ${n}`);
for (const [host, h] of Object.entries(cap.hosts)) {
  if (only.length && !only.includes(host)) continue;
  console.log(`\n## ${host}`);
  for (const a of h.agent)
    if (a.event === 'outcome') console.log(`outcome [${a.idx}] ${a.ok ? 'ok' : 'failed'}: ${a.reason}`);
  console.log('conntrack -L:');
  for (const l of h.conntrack) console.log(`  ${l}`);
  console.log('conntrack -E:');
  for (const l of h.events) console.log(`  ${l}`);
  console.log('packets (nft monitor trace):');
  for (const p of groupTrace(h.trace)) {
    if (!p.fields) continue;
    const where = p.ipv4 ? p.path.join(' -> ') || '(no iptables chain)' : '(bridged, no IPv4 hook)';
    console.log(
      `  ${summarize(p.fields)}: ${where}${p.lastVerdict ? ` [last verdict ${p.lastVerdict}]` : ''}`,
    );
  }
  const td = cap.tcpdump?.[host];
  if (td?.length) {
    console.log('tcpdump:');
    for (const l of td) console.log(`  ${l}`);
  }
}
