#!/usr/bin/env python3
"""The kernel's own figure for first packets through a kube-proxy node, for the README.

Builds client -- node -- sink in network namespaces (prefix given as argv[1]), loads the
node's ruleset (`nft -f` or `iptables-restore`, the same text the engine benchmark generates,
read from argv[3]), then sends SYNs from the client's raw socket to Service VIPs picked at
random (argv[4], one per line) and times the send loop. Each SYN is forwarded by the node in
the sender's own softirq, so the loop's rate is what the node sustains for new connections
(plus the sender's cost, measured alone as `baseline`). Run as root; deletes what it makes.
`per_s` is by the wall clock; `cpu_per_s` by the sender's CPU time (user and system: with tick
accounting the node's softirq work done in the sender's context is charged to it), which says
less about the neighbours on a shared machine. bench/kernelNewConns.ts runs every size and mode.
"""
import json, random, socket, struct, subprocess, sys, time

prefix, mode, rules_file, vips_file = sys.argv[1:5]
if not prefix.startswith("nfx-"):
    sys.exit(f"prefix {prefix}: namespaces made here are named nfx-<name>-...")
packets = int(sys.argv[5]) if len(sys.argv) > 5 else 100000
C, N, S = f"{prefix}c", f"{prefix}n", f"{prefix}s"


def sh(*args, input=None):
    subprocess.run(args, input=input, check=True, text=True, capture_output=True)


def ns(name, *args, input=None):
    sh("ip", "netns", "exec", name, *args, input=input)


def build():
    for n in (C, N, S):  # left over from a run that was killed: ours by the prefix
        subprocess.run(["ip", "netns", "delete", n], capture_output=True)
    for n in (C, N, S):
        sh("ip", "netns", "add", n)
        ns(n, "ip", "link", "set", "lo", "up")
    sh("ip", "link", "add", "c0", "netns", C, "type", "veth", "peer", "name", "eth0", "netns", N)
    sh("ip", "link", "add", "eth1", "netns", N, "type", "veth", "peer", "name", "s0", "netns", S)
    ns(C, "ip", "addr", "add", "192.168.0.50/24", "dev", "c0")
    ns(N, "ip", "addr", "add", "192.168.0.10/24", "dev", "eth0")
    ns(N, "ip", "addr", "add", "10.0.0.1/24", "dev", "eth1")
    ns(S, "ip", "addr", "add", "10.0.0.2/24", "dev", "s0")
    for n, d in ((C, "c0"), (N, "eth0"), (N, "eth1"), (S, "s0")):
        ns(n, "ip", "link", "set", d, "up")
    ns(C, "ip", "route", "add", "10.96.0.0/12", "via", "192.168.0.10")
    ns(N, "ip", "route", "add", "10.244.0.0/14", "via", "10.0.0.2")
    ns(N, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    # The sink drops what reaches it, before its own conntrack: only the node's work is timed.
    ns(S, "nft", "-f", "-", input="table ip sink { chain pre { type filter hook prerouting priority -400; policy drop; }; }\n")


def load(text):
    if mode == "nft":
        ns(N, "nft", "-f", "-", input=text)
    elif mode == "iptables":
        ns(N, "iptables-restore", input=text)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def syn(src, dst, sport, dport):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0, 64, 6, 0, src, dst)
    return ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + tcp


def run():
    vips = [l.split() for l in open(vips_file) if l.strip()]
    rnd = random.Random(12345)
    frames = []
    for i in range(packets):
        vip, port = vips[rnd.randrange(len(vips))]
        src = socket.inet_aton("192.168.0.50")
        frames.append((syn(src, socket.inet_aton(vip), 1024 + i % 60000 + (i // 60000), int(port)), vip))
    code = (
        "import pickle,socket,sys,time\n"
        "frames=pickle.load(sys.stdin.buffer)\n"
        "s=socket.socket(socket.AF_INET,socket.SOCK_RAW,socket.IPPROTO_RAW)\n"
        "s.sendto(frames[0][0],(frames[0][1],0))\n"
        "t=time.perf_counter()\n"
        "c=time.process_time()\n"
        "for f,d in frames[1:]: s.sendto(f,(d,0))\n"
        "print(time.perf_counter()-t, time.process_time()-c)\n"
    )
    import pickle
    out = subprocess.run(["ip", "netns", "exec", C, "python3", "-c", code], input=pickle.dumps(frames),
                         capture_output=True, check=True)
    secs, cpu = (float(x) for x in out.stdout.split())
    count = subprocess.run(["ip", "netns", "exec", N, "conntrack", "-C"], capture_output=True, text=True).stdout.strip()
    return (packets - 1) / secs, (packets - 1) / cpu, count


try:
    build()
    if mode != "baseline":
        load(open(rules_file).read())
    rate, cpu_rate, count = run()
    print(json.dumps({"mode": mode, "packets": packets, "per_s": round(rate), "cpu_per_s": round(cpu_rate),
                      "conntrack_entries": count}))
finally:
    for n in (C, N, S):
        subprocess.run(["ip", "netns", "delete", n], capture_output=True)
