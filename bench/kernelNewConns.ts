import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKubeProxyRules, kubeServices } from './kubeRules';
import { generateKubeProxyNftRules } from './kubeRulesNft';

// The kernel's figures beside `npm run bench`'s nft_node_new_conns_per_s_*: the same generated
// rulesets (bench/kubeRulesNft.ts, bench/kubeRules.ts) loaded into a node namespace by
// bench/kernelNewConns.py, the same Services picked at random. Root only; run it alone:
//   flock /tmp/nflab-kernel.lock nice -n -10 npx tsx bench/kernelNewConns.ts [prefix] [packets]
// The prefix names the namespaces it makes (and deletes); it must start with `nfx-`.

const prefix = process.argv[2] ?? 'nfx-kbench-';
const packets = Number(process.argv[3] ?? 100_000);
if (!/^nfx-[a-z0-9-]+$/.test(prefix)) throw new Error(`prefix ${prefix}: must be nfx-<name>-`);
const dir = mkdtempSync(join(tmpdir(), 'nflab-kernel-'));
const script = new URL('./kernelNewConns.py', import.meta.url).pathname;
const py = (mode: string, rules: string, vips: string) =>
  JSON.parse(
    execFileSync('python3', [script, prefix, mode, rules, vips, String(packets)], {
      encoding: 'utf8',
      timeout: 600_000,
    }),
  ) as { per_s: number; cpu_per_s: number; conntrack_entries: string };
try {
  const out: Record<string, unknown> = {};
  for (const n of [100, 1_000, 10_000]) {
    const vips = join(dir, `vips-${n}`);
    writeFileSync(
      vips,
      kubeServices(n)
        .map((s) => `${s.vip} ${s.port}\n`)
        .join(''),
    );
    const nft = join(dir, `nft-${n}`);
    writeFileSync(nft, generateKubeProxyNftRules(n, 2));
    const ipt = join(dir, `ipt-${n}`);
    writeFileSync(ipt, generateKubeProxyRules(n, 2));
    if (n === 100) out.baseline = py('baseline', nft, vips);
    out[`nft_${n}`] = py('nft', nft, vips);
    out[`iptables_${n}`] = py('iptables', ipt, vips);
    process.stderr.write(`${n} done\n`);
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
