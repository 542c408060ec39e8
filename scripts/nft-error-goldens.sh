#!/usr/bin/env bash
# Captures what `nft -c -f <file>` (nft 1.0.6) says about each typical mistake in
# src/engine/nft/testdata/nft-errors/*.nft, to <name>.err beside it (stderr, as printed, with the
# file named as given). src/engine/nft/errors.test.ts checks the parser's first error against
# it. Run as root; the check runs in a scratch namespace named with NS_PREFIX.
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)/src/engine/nft/testdata/nft-errors"
ns="${NS_PREFIX:-nfx-nftout-}errors-$$"
ip netns add "$ns"
trap 'ip netns delete "$ns"' EXIT
cd "$dir"
for f in *.nft; do
  if ip netns exec "$ns" nft -c -f "$f" > /dev/null 2> "${f%.nft}.err"; then
    echo "$f: nft accepted it (not a mistake)" >&2
    exit 1
  fi
done
echo "$(ls *.err | wc -l) error goldens in $dir"
