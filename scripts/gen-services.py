#!/usr/bin/env python3
"""Prints src/engine/iptables/services.ts from this machine's /etc/services (tcp and udp lines)."""
import sys

src = sys.argv[1] if len(sys.argv) > 1 else "/etc/services"
head, _, tail = open("src/engine/iptables/services.ts").read().partition("const TEXT = `")
_, _, tail = tail.partition("`;")
lines = []
for l in open(src):
    l = l.split("#")[0].strip()
    if not l:
        continue
    parts = l.split()
    port, proto = parts[1].split("/")
    if proto in ("tcp", "udp"):
        lines.append(" ".join([parts[0], port, proto] + parts[2:]))
sys.stdout.write(head + "const TEXT = `" + "\n".join(lines) + "`;" + tail)
