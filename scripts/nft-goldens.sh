#!/usr/bin/env bash
# Captures the `nft list ruleset` goldens of src/engine/nft/testdata on this machine's nft:
# each <name>.nft is loaded with `nft -f` in a scratch namespace and listed to <name>.list.
# Run as root; the namespace is deleted afterwards.
set -euo pipefail
dir="$(cd "$(dirname "$0")/../src/engine/nft/testdata" && pwd)"
ns="nflab-nft-goldens-$$"
ip netns add "$ns"
trap 'ip netns delete "$ns"' EXIT
nft --version
for f in "$dir"/*.nft; do
  ip netns exec "$ns" nft flush ruleset
  ip netns exec "$ns" nft -f "$f"
  ip netns exec "$ns" nft list ruleset > "${f%.nft}.list"
  echo "${f##*/} -> $(basename "${f%.nft}.list")"
done
