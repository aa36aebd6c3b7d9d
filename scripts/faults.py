#!/usr/bin/env python3
"""Bounded fault scenarios against a demo server already running on loopback.

    faults.py slow-clients ADDR PID [--count 300] [--deadline 10]
    faults.py login-flood  ADDR PID [--total 96] [--sources 16]
    faults.py soak         ADDR PID [--seconds 60] [--workers 8]

ADDR is HOST:PORT on 127.0.0.0/8; PID is the server's process, whose VmRSS
is read from /proc. Every scenario is bounded in count and time, prints one
`NAME: key=value ...` line of figures and exits non-zero when the server
failed the scenario (thresholds below, each overridable by a flag).
scripts/faults.sh starts the servers and runs all three.
"""

import argparse
import re
import socket
import sys
import threading
import time

DEMO_AUTHORIZE = (
    "/authorize?response_type=code&client_id=demo"
    "&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback&scope=read&state=soak"
    "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    "&code_challenge_method=S256"
)


def rss_mib(pid):
    """The resident set size of process PID, in MiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def parse_addr(addr):
    host, port = addr.rsplit(":", 1)
    if not host.startswith("127."):
        raise SystemExit("only loopback addresses are targets")
    return host, int(port)


def exchange(addr, raw, source=None, timeout=30.0):
    """Sends one request on a fresh connection; (status, headers, body)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        if source:
            sock.bind((source, 0))
        sock.connect(addr)
        sock.sendall(raw)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        sock.close()
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip().lower(), value.strip()))
    return status, headers, body.decode("utf-8", "replace")


def get(path, cookies=""):
    cookie = f"Cookie: {cookies}\r\n" if cookies else ""
    return f"GET {path} HTTP/1.1\r\nHost: x\r\n{cookie}Connection: close\r\n\r\n".encode()


def post_form(path, body, cookies=""):
    cookie = f"Cookie: {cookies}\r\n" if cookies else ""
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\n{cookie}"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}"
    ).encode()


def cookies_of(headers):
    pairs = [v.split(";", 1)[0] for n, v in headers if n == "set-cookie"]
    return "; ".join(pairs)


def slow_clients(args):
    """COUNT connections send the head of a POST /revoke announcing a
    100-byte body and never send it; meanwhile a normal client asks for the
    metadata every half second. Passes when every slow connection is closed
    by the server within --max-close seconds and every normal request is
    answered 200 within --max-latency seconds."""
    addr = parse_addr(args.addr)
    head = (
        b"POST /revoke HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
    )
    started = time.monotonic()
    socks, refused = [], 0
    for _ in range(args.count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(5)
        try:
            sock.connect(addr)
            sock.sendall(head)
            socks.append(sock)
        except OSError:
            refused += 1
            sock.close()
    closed_at = [None] * len(socks)

    def watch(i, sock):
        sock.settimeout(max(0.1, started + args.max_close - time.monotonic()))
        try:
            while sock.recv(4096):
                pass
        except socket.timeout:
            sock.close()
            return  # still open: the server never closed it
        except OSError:
            pass  # reset by the server: closed too
        closed_at[i] = time.monotonic() - started
        sock.close()

    watchers = [threading.Thread(target=watch, args=(i, s), daemon=True) for i, s in enumerate(socks)]
    for thread in watchers:
        thread.start()
    latencies, failures = [], 0
    until = started + args.max_close
    while time.monotonic() < until and any(t is None for t in closed_at):
        t0 = time.monotonic()
        try:
            status, _, _ = exchange(addr, get("/.well-known/oauth-authorization-server"),
                                    timeout=args.max_latency + 5)
        except OSError:
            status = 0
        latencies.append(time.monotonic() - t0)
        failures += status != 200
        time.sleep(0.5)
    for thread in watchers:
        thread.join(timeout=0.1)
    still_open = sum(t is None for t in closed_at)
    closes = [t for t in closed_at if t is not None]
    rss = rss_mib(args.pid)
    print(
        f"slow-clients: opened={len(socks)} refused={refused} still_open={still_open} "
        f"first_close_s={min(closes, default=0):.1f} last_close_s={max(closes, default=0):.1f} "
        f"normal_requests={len(latencies)} normal_failures={failures} "
        f"normal_max_latency_s={max(latencies, default=0):.2f} rss_mib={rss:.0f}"
    )
    slow = max(latencies, default=0) > args.max_latency
    return 1 if still_open or failures or slow or not latencies else 0


def login_flood(args):
    """TOTAL failed sign-ins at once, spread over SOURCES loopback addresses
    (127.0.0.2...), each address within the default per-IP limit. Passes
    when the RSS after the flood is within --max-growth MiB of before."""
    addr = parse_addr(args.addr)
    sources = [f"127.0.0.{2 + i}" for i in range(args.sources)]
    forms = []
    for source in sources:
        status, headers, body = exchange(addr, get("/login"), source=source)
        match = re.search(r'name="csrf" value="([^"]+)"', body)
        if status != 200 or not match:
            print(f"login-flood: GET /login answered {status}")
            return 1
        forms.append((source, cookies_of(headers), match.group(1)))
    before = rss_mib(args.pid)
    peak = [before]
    statuses = {}
    lock = threading.Lock()
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mib(args.pid))
            time.sleep(0.05)

    def attempt(i):
        source, cookies, csrf = forms[i % len(forms)]
        body = f"csrf={csrf}&next=&username=alice&password=wrong-{i}"
        try:
            status, _, _ = exchange(addr, post_form("/login", body, cookies), source=source,
                                    timeout=120)
        except OSError:
            status = 0
        with lock:
            statuses[status] = statuses.get(status, 0) + 1

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(args.total)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    time.sleep(2)
    done.set()
    sampler.join()
    after = rss_mib(args.pid)
    answered = " ".join(f"status_{k}={v}" for k, v in sorted(statuses.items()))
    print(
        f"login-flood: attempts={args.total} sources={args.sources} {answered} "
        f"seconds={elapsed:.1f} rss_before_mib={before:.0f} rss_peak_mib={peak[0]:.0f} "
        f"rss_after_mib={after:.0f}"
    )
    return 1 if after - before > args.max_growth or 0 in statuses else 0


def soak(args):
    """Anonymous browser traffic for SECONDS: GET /authorize (a valid
    request, so the core stores a pending authorization and the server
    keeps it for the sign-in), /login, /device and the metadata, on fresh
    connections from WORKERS threads. The RSS is read every tenth of the
    run; passes when the second half grew it by at most --max-growth MiB
    (what is kept for pending sign-ins must level off once the first of
    them expire)."""
    addr = parse_addr(args.addr)
    paths = [DEMO_AUTHORIZE, "/login", "/device", "/.well-known/oauth-authorization-server"]
    counts = {}
    lock = threading.Lock()
    started = time.monotonic()
    stop_at = started + args.seconds

    def work(n):
        i = n
        while time.monotonic() < stop_at:
            try:
                status, _, _ = exchange(addr, get(paths[i % len(paths)]))
            except OSError:
                status = 0
            with lock:
                counts[status] = counts.get(status, 0) + 1
            i += 1

    samples = [rss_mib(args.pid)]
    threads = [threading.Thread(target=work, args=(n,)) for n in range(args.workers)]
    for thread in threads:
        thread.start()
    for tenth in range(1, 11):
        time.sleep(max(0.0, started + args.seconds * tenth / 10 - time.monotonic()))
        samples.append(rss_mib(args.pid))
    for thread in threads:
        thread.join()
    total = sum(counts.values())
    answered = " ".join(f"status_{k}={v}" for k, v in sorted(counts.items()))
    trail = ",".join(f"{rss:.0f}" for rss in samples)
    half, end = samples[5], samples[10]
    print(
        f"soak: seconds={args.seconds:.0f} requests={total} {answered} "
        f"rss_mib_every_tenth={trail} second_half_growth_mib={end - half:.1f}"
    )
    return 1 if end - half > args.max_growth or counts.get(0) else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="scenario", required=True)
    slow = sub.add_parser("slow-clients")
    slow.add_argument("--count", type=int, default=300)
    slow.add_argument("--max-close", type=float, default=35.0)
    slow.add_argument("--max-latency", type=float, default=25.0)
    flood = sub.add_parser("login-flood")
    flood.add_argument("--total", type=int, default=96)
    flood.add_argument("--sources", type=int, default=16)
    flood.add_argument("--max-growth", type=float, default=200.0)
    soaking = sub.add_parser("soak")
    soaking.add_argument("--seconds", type=float, default=60.0)
    soaking.add_argument("--workers", type=int, default=8)
    soaking.add_argument("--max-growth", type=float, default=16.0)
    for each in (slow, flood, soaking):
        each.add_argument("addr")
        each.add_argument("pid", type=int)
    args = parser.parse_args()
    run = {"slow-clients": slow_clients, "login-flood": login_flood, "soak": soak}
    sys.exit(run[args.scenario](args))


if __name__ == "__main__":
    main()
