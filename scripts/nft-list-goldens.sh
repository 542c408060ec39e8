#!/usr/bin/env bash
# Captures what `nft list ...` prints (stdout and stderr as a terminal shows both, and the exit
# status) in a namespace holding the tables iptables-nft makes for host.save and the native
# table of host.nft, loaded in that order, for each line of commands.txt, to
# src/engine/nft/testdata/nft-list/nft-list.txt (the console's `nft` is checked against it,
# src/engine/console/nft.test.ts). Run as root; the namespace is named with NS_PREFIX.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/src/engine/nft/testdata/nft-list"
ns="${NS_PREFIX:-nfx-nftout-}list-$$"
ip netns add "$ns"
trap 'ip netns delete "$ns"' EXIT
ip netns exec "$ns" iptables-restore < "$dir/host.save"
ip netns exec "$ns" nft -f "$dir/host.nft"
: > "$dir/nft-list.txt"
while IFS= read -r cmd; do
  [ -z "$cmd" ] && continue
  rc=0
  out="$(ip netns exec "$ns" timeout 10 sh -c "$cmd 2>&1")" || rc=$?
  printf '$ %s\n%s\n[exit %s]\n' "$cmd" "$out" "$rc" >> "$dir/nft-list.txt"
done < "$dir/commands.txt"
echo "$(grep -c '^\$ ' "$dir/nft-list.txt") commands -> $dir/nft-list.txt"
