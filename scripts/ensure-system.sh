#!/usr/bin/env bash
# Installs the system tools the tests need (Debian packages), when missing and when we can:
# Chromium for the end-to-end tests; iptables, conntrack, nftables, iproute2, tcpdump for the
# kernel-parity tests; tshark to read the pcap export (src/cli/pcap.test.ts). Without root or apt-get it only says what is missing; the tests that
# need a tool then say they cannot run.
set -u
need=()
command -v "${CHROMIUM_PATH:-/usr/bin/chromium}" >/dev/null 2>&1 || need+=(chromium)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
command -v conntrack >/dev/null 2>&1 || need+=(conntrack)
command -v nft >/dev/null 2>&1 || need+=(nftables)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v tcpdump >/dev/null 2>&1 || need+=(tcpdump)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v tshark >/dev/null 2>&1 || need+=(tshark)
# CJK glyphs, so the Chinese text in screenshots is not boxes
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-system: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null || {
    echo "ensure-system: apt-get could not install ${need[*]}" >&2
    exit 1
  }
else
  echo "ensure-system: missing ${need[*]} (install them with your package manager)" >&2
fi
exit 0
