#!/usr/bin/env python3
"""Traffic agent of the nflab kernel-parity harness (python3 stdlib only).

Runs inside one network namespace (`ip netns exec NS python3 agent.py PLAN.json`) and plays
that host's part of a scenario's traffic script: servers start at once, then the agent says
`ready` and waits (bounded) for the shared start time on stdin, which the harness sends once
every agent is ready; clients run at their `at` offsets from it. Every wait is bounded; the
process exits by start + `run_ms` whatever happens. Output: one JSON object per line.

Application behaviour (the engine models the same):
- tcp-listen: accept; write `reply` (if any) at once; read until the client's FIN; close.
  With `echo` or `delay`: answer each message (with itself, or with `reply`) after `delay` ms.
  With `close_first` (HTTP/1.0): write `reply` and close at once.
- tcp-session: connect; at each action's time send its text or close (shutdown SHUT_WR, then
  read to EOF); ok = connected, never reset, and every message answered.
- tcp-inject: a raw socket sends one crafted TCP segment on the 4-tuple of this host's socket
  `sport` <-> `to`, its numbers relative to that socket's snd_nxt / rcv_nxt, which TCP_REPAIR
  reads without disturbing the connection.
- tcp-connect: connect (bounded by `timeout`); write `send` (if any); shut down the write
  side (FIN); read until the server's FIN; close. ok = the connection was established.
- udp-listen: answer each datagram with `reply` (no answer when `reply` is unset).
- udp-send: a connected UDP socket (or with `connected: false` an unconnected one, which takes
  an answer from any address) sends `send` and waits `timeout` for one answer; each `more`
  message goes at its time on the same socket and waits for its own answer.
- ping: raw ICMP echo requests, `count` of them one second apart, id = `id` or a fixed
  per-item value; ok = at least one echo reply with that id.
- command: a scenario's `changes` item: `sh -c command` (with `stdin`) in this namespace at
  its time, as a person would type it; its output is reported, it has no outcome.
- udp-flood: `flows` datagrams, each from a fresh connected socket (a fresh source port) kept
  open for its answer until 2 s after the last flow.
"""

import errno
import json
import os
import select
import socket
import struct
import sys
import threading
import time

OUT_LOCK = threading.Lock()
# Connected TCP sockets of this host by (local port, peer address, peer port), for tcp-inject.
SOCKETS = {}
# The shared start time (set by main), which every `at` counts from.
START = [0.0]


def emit(obj):
    with OUT_LOCK:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


def split_endpoint(s):
    host, _, port = s.rpartition(":")
    return host, int(port)


def remaining(deadline):
    return max(0.0, deadline - time.time())


def sleep_until(t, deadline):
    wait = min(t, deadline) - time.time()
    if wait > 0:
        time.sleep(wait)


def errname(e):
    code = getattr(e, "errno", None)
    return errno.errorcode.get(code, str(e)) if code else str(e)


# ---------------------------------------------------------------- servers


def tcp_server(item, deadline):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((item.get("address", "0.0.0.0"), item["port"]))
    s.listen(64)
    s.settimeout(0.2)
    emit({"idx": item["idx"], "event": "listening"})

    def serve(c, peer):
        try:
            SOCKETS[(c.getsockname()[1], peer[0], peer[1])] = c
            c.settimeout(max(0.05, remaining(deadline)))
            emit({"idx": item["idx"], "event": "accepted", "peer": "%s:%d" % peer})
            reply = (item.get("reply") or "").encode()
            if item.get("close_first"):
                if reply:
                    c.sendall(reply)
                emit({"idx": item["idx"], "event": "closed-first", "peer": "%s:%d" % peer})
                return
            per_message = item.get("echo") or item.get("delay")
            if reply and not per_message:
                c.sendall(reply)
            got = b""
            while remaining(deadline) > 0:
                chunk = c.recv(65536)
                if not chunk:
                    break
                got += chunk
                if per_message:
                    if item.get("delay"):
                        time.sleep(min(item["delay"] / 1000.0, remaining(deadline)))
                    answer = chunk if item.get("echo") else reply
                    if answer:
                        c.sendall(answer)
            emit({"idx": item["idx"], "event": "request", "peer": "%s:%d" % peer, "bytes": len(got)})
        except OSError as e:
            emit({"idx": item["idx"], "event": "server-error", "peer": "%s:%d" % peer, "error": errname(e)})
        finally:
            c.close()

    def loop():
        while remaining(deadline) > 0:
            try:
                c, peer = s.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            threading.Thread(target=serve, args=(c, peer), daemon=True).start()
        s.close()

    threading.Thread(target=loop, daemon=True).start()


def udp_server(item, deadline):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((item.get("address", "0.0.0.0"), item["port"]))
    s.settimeout(0.2)
    emit({"idx": item["idx"], "event": "listening"})

    def loop():
        while remaining(deadline) > 0:
            try:
                data, peer = s.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            emit({"idx": item["idx"], "event": "datagram", "peer": "%s:%d" % peer, "bytes": len(data)})
            if item.get("reply"):
                s.sendto(item["reply"].encode(), peer)
        s.close()

    threading.Thread(target=loop, daemon=True).start()


# ---------------------------------------------------------------- clients


def result(item, ok, reason, **extra):
    out = {"idx": item["idx"], "event": "outcome", "ok": ok, "reason": reason, "t": time.time()}
    out.update(extra)
    emit(out)


def tcp_client(item, deadline):
    host, port = split_endpoint(item["to"])
    end = min(deadline, time.time() + item["timeout"] / 1000.0)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sport = None
    try:
        if item.get("sport"):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", item["sport"]))
        s.setblocking(False)
        err = s.connect_ex((host, port))
        sport = s.getsockname()[1]
        emit({"idx": item["idx"], "event": "connecting", "sport": sport, "t": time.time()})
        if err not in (0, errno.EINPROGRESS):
            return result(item, False, errno.errorcode.get(err, str(err)), sport=sport)
        _, w, _ = select.select([], [s], [], remaining(end))
        if not w:
            return result(item, False, "ETIMEDOUT", sport=sport)
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            return result(item, False, errno.errorcode.get(err, str(err)), sport=sport)
        peer = "%s:%d" % s.getpeername()
        s.setblocking(True)
        s.settimeout(max(0.05, remaining(end)))
        try:
            if item.get("send"):
                s.sendall(item["send"].encode())
            s.shutdown(socket.SHUT_WR)
            got = b""
            while remaining(end) > 0:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        except OSError as e:
            return result(item, True, "connected to %s, then %s" % (peer, errname(e)), sport=sport)
        if got:
            return result(item, True, "reply from %s" % peer, sport=sport, reply=got.decode(errors="replace"))
        return result(item, True, "connected to %s" % peer, sport=sport)
    except OSError as e:
        return result(item, False, errname(e), sport=sport)
    finally:
        s.close()


def udp_client(item, deadline):
    host, port = split_endpoint(item["to"])
    connected = item.get("connected", True)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sport = None
    messages = [(item["at"], item.get("send", "query"))] + [(m["at"], m["send"]) for m in item.get("more", [])]
    answered = 0
    try:
        if item.get("sport"):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", item["sport"]))
        if connected:
            s.connect((host, port))
        for n, (at, text) in enumerate(messages):
            sleep_until(START[0] + at / 1000.0, deadline)
            if connected:
                s.send(text.encode())
            else:
                s.sendto(text.encode(), (host, port))
            if sport is None:
                sport = s.getsockname()[1]
                emit({"idx": item["idx"], "event": "sent", "sport": sport, "t": time.time()})
            end = min(deadline, time.time() + item["timeout"] / 1000.0)
            s.settimeout(max(0.05, remaining(end)))
            try:
                data, peer = s.recvfrom(65536)
            except socket.timeout:
                why = "no reply" if len(messages) == 1 else "%d of %d messages answered" % (n, len(messages))
                return result(item, False, why, sport=sport)
            answered += 1
        return result(item, True, "reply from %s:%d" % peer, sport=sport, reply=data.decode(errors="replace"), answers=answered)
    except OSError as e:
        if sport is None:
            # send() failed (EPERM from a drop on the way out): the socket is bound all the
            # same, and its port is what the trace shows.
            try:
                sport = s.getsockname()[1] or None
            except OSError:
                pass
        return result(item, False, errname(e), sport=sport)
    finally:
        s.close()


def tcp_session(item, deadline):
    """One connection kept open across the script's rounds (see the module doc)."""
    host, port = split_endpoint(item["to"])
    end = min(deadline, time.time() + item["timeout"] / 1000.0)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sport = None
    state = {"answers": 0, "error": None, "eof": False}
    try:
        if item.get("sport"):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", item["sport"]))
        s.setblocking(False)
        err = s.connect_ex((host, port))
        sport = s.getsockname()[1]
        emit({"idx": item["idx"], "event": "connecting", "sport": sport, "t": time.time()})
        if err not in (0, errno.EINPROGRESS):
            return result(item, False, errno.errorcode.get(err, str(err)), sport=sport)
        _, w, _ = select.select([], [s], [], remaining(end))
        if not w:
            return result(item, False, "ETIMEDOUT", sport=sport)
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            return result(item, False, errno.errorcode.get(err, str(err)), sport=sport)
        s.setblocking(True)
        SOCKETS[(sport, host, port)] = s

        def reader():
            while remaining(deadline) > 0:
                r, _, _ = select.select([s], [], [], min(0.2, remaining(deadline)))
                if not r:
                    continue
                try:
                    chunk = s.recv(65536)
                except OSError as e:
                    state["error"] = errname(e)
                    emit({"idx": item["idx"], "event": "session-error", "error": state["error"], "t": time.time()})
                    return
                if not chunk:
                    state["eof"] = True
                    return
                state["answers"] += 1
                emit({"idx": item["idx"], "event": "answer", "bytes": len(chunk), "t": time.time()})

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        sent = 0
        actions = sorted(item["actions"], key=lambda a: a["at"])
        closed = False
        for a in actions:
            sleep_until(START[0] + a["at"] / 1000.0, deadline)
            if state["error"]:
                break
            if a.get("close"):
                s.shutdown(socket.SHUT_WR)
                closed = True
                break
            try:
                s.sendall(a["send"].encode())
                sent += 1
            except OSError as e:
                state["error"] = errname(e)
                break
        if not closed and not state["error"]:
            last = max([item["at"]] + [a["at"] for a in actions])
            sleep_until(START[0] + (last + item["timeout"]) / 1000.0, deadline)
        else:
            time.sleep(min(0.3, remaining(deadline)))  # the answer to the last round, the peer's FIN
        if state["error"]:
            return result(item, False, "connected, then %s" % state["error"], sport=sport, answers=state["answers"])
        ok = state["answers"] >= sent
        return result(item, ok, "%d of %d messages answered" % (state["answers"], sent), sport=sport)
    except OSError as e:
        return result(item, False, errname(e), sport=sport)
    finally:
        if state["eof"] or state["error"] or remaining(deadline) <= 0:
            s.close()
        else:
            # Leave it to the kernel: close() now could send a RST for unread data.
            threading.Timer(max(0.0, remaining(deadline) - 0.2), s.close).start()


TCP_REPAIR = 19
TCP_REPAIR_QUEUE = 20
TCP_QUEUE_SEQ = 21
TCP_RECV_QUEUE = 1
TCP_SEND_QUEUE = 2
TCP_REPAIR_OFF_NO_WP = -1


def queue_seqs(s):
    """(snd_nxt, rcv_nxt) of a connected socket, read in repair mode, left without a window probe."""
    s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 1)
    try:
        s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE)
        snd = struct.unpack("I", s.getsockopt(socket.IPPROTO_TCP, TCP_QUEUE_SEQ, 4))[0]
        s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE)
        rcv = struct.unpack("I", s.getsockopt(socket.IPPROTO_TCP, TCP_QUEUE_SEQ, 4))[0]
    finally:
        s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, TCP_REPAIR_OFF_NO_WP)
    return snd, rcv


def resolve_seq(spec, snd, rcv):
    if isinstance(spec, int):
        return spec & 0xFFFFFFFF
    base = snd if spec.startswith("snd_nxt") else rcv
    rest = spec[7:]
    return (base + (int(rest) if rest else 0)) & 0xFFFFFFFF


TCP_FLAG_BITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, ".": 0x10}


def tcp_inject(item, deadline):
    host, port = split_endpoint(item["to"])
    s = SOCKETS.get((item["sport"], host, port))
    if s is None:
        emit({"idx": item["idx"], "event": "inject-error", "error": "no socket :%d <-> %s" % (item["sport"], item["to"])})
        return
    laddr = s.getsockname()[0]
    snd, rcv = queue_seqs(s)
    flags = 0
    for c in item["flags"]:
        flags |= TCP_FLAG_BITS[c]
    seq = resolve_seq(item.get("seq", "snd_nxt"), snd, rcv)
    ack = resolve_seq(item.get("ack", "rcv_nxt"), snd, rcv) if flags & 0x10 else 0
    payload = b"X" * item.get("len", 0)
    window = item.get("window", 64)
    hdr = struct.pack("!HHIIBBHHH", item["sport"], port, seq, ack, 5 << 4, flags, window, 0, 0)
    pseudo = socket.inet_aton(laddr) + socket.inet_aton(host) + struct.pack("!BBH", 0, 6, len(hdr) + len(payload))
    csum = checksum(pseudo + hdr + payload)
    hdr = hdr[:16] + struct.pack("!H", csum) + hdr[18:]
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    try:
        raw.bind((laddr, 0))
        raw.sendto(hdr + payload, (host, 0))
    finally:
        raw.close()
    emit({"idx": item["idx"], "event": "injected", "seq": seq, "ack": ack, "snd_nxt": snd, "rcv_nxt": rcv, "t": time.time()})


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def ping_client(item, deadline):
    target = item["to"]
    ident = item["echo_id"] & 0xFFFF
    end = min(deadline, time.time() + (item["count"] - 1) + item["timeout"] / 1000.0)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    replies = 0
    error = None
    try:
        next_send = time.time()
        seq = 0
        while remaining(end) > 0:
            if seq < item["count"] and time.time() >= next_send:
                seq += 1
                payload = b"nflab-parity"
                hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
                hdr = struct.pack("!BBHHH", 8, 0, checksum(hdr + payload), ident, seq)
                s.sendto(hdr + payload, (target, 0))
                next_send += 1.0
            wait = min(remaining(end), max(0.0, next_send - time.time()) if seq < item["count"] else remaining(end))
            r, _, _ = select.select([s], [], [], max(0.01, wait))
            if not r:
                continue
            pkt, addr = s.recvfrom(65536)
            ihl = (pkt[0] & 0x0F) * 4
            icmp_type, code, _, rid, _ = struct.unpack("!BBHHH", pkt[ihl : ihl + 8])
            if icmp_type == 0 and rid == ident:
                replies += 1
                if replies >= item["count"]:
                    break
            elif icmp_type in (3, 11) and len(pkt) >= ihl + 8 + 28:
                inner = pkt[ihl + 8 :]
                iihl = (inner[0] & 0x0F) * 4
                if len(inner) >= iihl + 8 and struct.unpack("!H", inner[iihl + 4 : iihl + 6])[0] == ident:
                    error = "icmp type %d code %d from %s" % (icmp_type, code, addr[0])
        if replies:
            return result(item, True, "reply from %s" % target, echo_id=ident, replies=replies)
        return result(item, False, error or "no reply", echo_id=ident)
    except OSError as e:
        return result(item, False, errname(e), echo_id=ident)
    finally:
        s.close()


def udp_flood(item, deadline):
    """One datagram per flow, each from a fresh socket kept open for its answer (as the engine's
    udp-flood: the flows end 2 s after the last one is sent, and count how many were answered)."""
    host, port = split_endpoint(item["to"])
    socks = []
    errors = 0
    t0 = time.time()
    for i in range(item["flows"]):
        if remaining(deadline) <= 0:
            break
        sleep_until(t0 + i * item["interval"] / 1000.0, deadline)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        try:
            s.connect((host, port))
            s.send(b"flow %d" % (i + 1))
        except OSError:
            errors += 1
        socks.append(s)
    answered = set()
    end = min(deadline, time.time() + 2.0)
    while len(answered) < len(socks) and remaining(end) > 0:
        ready, _, _ = select.select([x for x in socks if x not in answered], [], [], remaining(end))
        for x in ready:
            try:
                x.recv(2048)
                answered.add(x)
            except OSError:
                answered.add(x)  # an ICMP error also ends the wait for this flow, unanswered
                errors += 1
    ok_count = len(answered) - errors if errors <= len(answered) else 0
    for x in socks:
        x.close()
    return result(item, ok_count == item["flows"], "%d of %d flows answered" % (ok_count, item["flows"]), errors=errors)


def command(item, deadline):
    import subprocess

    try:
        p = subprocess.run(["sh", "-c", item["command"]], input=item.get("stdin", ""), capture_output=True, text=True, timeout=max(1.0, remaining(deadline)))
        emit({"idx": item["idx"], "event": "command", "exit": p.returncode, "stdout": p.stdout, "stderr": p.stderr, "t": time.time()})
    except subprocess.TimeoutExpired:
        emit({"idx": item["idx"], "event": "command", "exit": -1, "stdout": "", "stderr": "timed out", "t": time.time()})


CLIENTS = {
    "command": command,
    "tcp-connect": tcp_client,
    "tcp-session": tcp_session,
    "tcp-inject": tcp_inject,
    "udp-send": udp_client,
    "ping": ping_client,
    "udp-flood": udp_flood,
}
SERVERS = {"tcp-listen": tcp_server, "udp-listen": udp_server}


def main():
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    # Servers must not outlive a harness that never sends the start time.
    deadline = time.time() + plan["ready_timeout_ms"] / 1000.0 + plan["run_ms"] / 1000.0
    for item in plan["items"]:
        if item["kind"] in SERVERS:
            try:
                SERVERS[item["kind"]](item, deadline)
            except OSError as e:
                emit({"idx": item["idx"], "event": "server-error", "error": errname(e)})
    # A change at 0 comes before any traffic in the engine (scheduleChanges runs first); here it
    # runs before this agent says ready, so no host's client can start ahead of it. Racing it
    # from a thread at the start let the first SYN leave before a nat rule was in.
    early = [i for i in plan["items"] if i["kind"] == "command" and i["at"] <= 0]
    for item in early:
        command(item, deadline)
    emit({"event": "ready", "t": time.time()})
    r, _, _ = select.select([sys.stdin], [], [], plan["ready_timeout_ms"] / 1000.0)
    line = sys.stdin.readline() if r else ""
    if not line.strip():
        emit({"event": "no-start"})
        os._exit(3)
    start = float(line)
    START[0] = start
    deadline = start + plan["run_ms"] / 1000.0
    threads = []
    for item in sorted((i for i in plan["items"] if i["kind"] in CLIENTS and not any(i is e for e in early)), key=lambda i: i["at"]):

        def run(item=item):
            sleep_until(start + item["at"] / 1000.0, deadline)
            try:
                CLIENTS[item["kind"]](item, deadline)
            except Exception as e:  # a bug here must still yield an outcome line
                result(item, False, "agent error: %r" % (e,))

        t = threading.Thread(target=run, daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join(remaining(deadline))
    # Servers keep serving until the deadline so late packets still find their socket.
    sleep_until(deadline, deadline)
    emit({"event": "done", "t": time.time()})
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
