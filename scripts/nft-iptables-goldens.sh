#!/usr/bin/env bash
# Captures how `nft list ruleset` shows the tables iptables-nft writes (design.md §3: the
# iptables-nft tables as nft shows them), for every built-in scenario host with an
# iptables_save: each ruleset is loaded with iptables-restore (nf_tables backend) in a scratch
# namespace and listed to src/engine/nft/testdata/iptables-nft/<scenario>__<host>.{save,list};
# so are the hand-written rulesets of testdata/iptables-nft/tables/*.save (all five tables, chains
# declared out of order). src/engine/nft/iptablesNft.test.ts prints them all byte for byte.
# Run as root; the namespace is named with NS_PREFIX.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/src/engine/nft/testdata/iptables-nft"
mkdir -p "$dir"
ns="${NS_PREFIX:-nfx-nftout-}goldens-$$"
ip netns add "$ns"
trap 'ip netns delete "$ns"' EXIT
nft --version
iptables --version
rm -f "$dir"/*.save "$dir"/*.list
(cd "$root" && npx tsx -e "
import { writeFileSync } from 'node:fs';
import { builtinScenarios } from './src/scenarios';
for (const s of builtinScenarios)
  for (const h of s.hosts)
    if (h.iptables_save?.trim()) writeFileSync('$dir/' + s.id + '__' + h.name + '.save', h.iptables_save);
")
for f in "$dir"/*.save "$dir"/tables/*.save; do
  ip netns exec "$ns" nft flush ruleset
  ip netns exec "$ns" iptables-restore < "$f"
  ip netns exec "$ns" nft list ruleset > "${f%.save}.list"
  echo "${f##*/} -> $(basename "${f%.save}.list")"
done
