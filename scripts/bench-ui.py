#!/usr/bin/env python3
"""Server time of `memcore ui` on a large store (issue 18: p50 under 100 ms for the landing
page and a search on 100,000 observations).

Usage: scripts/bench-ui.py                      (from anywhere inside the repository)
       N=100000 RUNS=50 scripts/bench-ui.py
       BIN=target/x86_64-unknown-linux-gnu/dist/memcore scripts/bench-ui.py   (a given binary)
       STORE=/tmp/seeded.db scripts/bench-ui.py  (seeded there when missing, and kept: the
                                                  next run with it skips the seeding)

Builds memcore-cli in release mode unless BIN is given (default target/release/memcore),
seeds a temporary store with `memcore dev seed N` (one project, `bench`; 50 observations a
session, each with a summary, over the last 90 days), starts `memcore ui --no-open` on it,
and requests, RUNS times each after warm-up: the landing list (`/api/observations?limit=50`),
the same filtered by kind and its second page, the page itself (`/?token=`), and searches over
varied words. Requests go over one kept-alive connection with the token header, as the page's
do. Prints p50 and p95 of the server time (the `Server-Timing: app;dur=` header) and of the
round trip, and the load average: the figures depend on what else the machine runs.

A benchmark, not a test: nothing fails on a slow figure. Needs python3 (standard library).
"""

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N = int(os.environ.get("N", "100000"))
RUNS = int(os.environ.get("RUNS", "50"))
WARMUP = 5
# Words of the seeded titles and narratives (memcore-cli/src/seed.rs), alone and together,
# and one that matches nothing.
SEARCHES = [
    "coupon",
    "refund timeout",
    "webhook signature",
    "cache invalidation",
    "parser router schema",
    "Fixed checkout handling",
    "pagination cursor",
    "zeppelin",
]


def load_average():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def binary():
    given = os.environ.get("BIN")
    if given:
        return Path(given).resolve()
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    if not target.is_absolute():
        target = ROOT / target
    subprocess.run(["cargo", "build", "--release", "-p", "memcore-cli", "--quiet"], cwd=ROOT, check=True)
    return target / "release" / "memcore"


def private_env(tmp):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MEMCORE_") and k not in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY")}
    env.update(HOME=str(tmp / "home"), MEMCORE_NO_EXTRACT="1")
    (tmp / "home").mkdir(exist_ok=True)
    return env


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


SERVER_TIMING = re.compile(r"(?:^|,)\s*app;dur=([0-9.]+)")


class Client:
    """One kept-alive connection to the server, with the token header on every request."""

    def __init__(self, url):
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port = parsed.hostname, parsed.port
        self.token = urllib.parse.parse_qs(parsed.query)["token"][0]
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def get(self, path):
        start = time.perf_counter()
        self.conn.request("GET", path, headers={"X-Memcore-Token": self.token})
        response = self.conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise SystemExit(f"GET {path}: {response.status} {body[:300]!r}")
        timing = SERVER_TIMING.search(response.getheader("Server-Timing") or "")
        if not timing:
            raise SystemExit(f"GET {path}: no Server-Timing app;dur= header")
        return float(timing.group(1)), elapsed, body


def measure(client, label, paths):
    """Requests each path in turn until RUNS requests were timed, after a warm-up that asks
    every path at least once (the first request of a query reads its pages from disk)."""
    server, trip = [], []
    warmup = max(WARMUP, len(paths))
    for i in range(warmup + RUNS):
        dur, elapsed, _ = client.get(paths[i % len(paths)])
        if i >= warmup:
            server.append(dur)
            trip.append(elapsed)
    print(f"{label:<34} server p50 {percentile(server, .5):7.1f} ms  p95 {percentile(server, .95):7.1f} ms"
          f"   round trip p50 {percentile(trip, .5):7.1f} ms  p95 {percentile(trip, .95):7.1f} ms  ({RUNS} runs)")
    return percentile(server, .5)


def main():
    bin_path = binary()
    version = subprocess.run([str(bin_path), "--version"], capture_output=True, text=True, check=True).stdout.strip()
    print(f"binary: {bin_path} ({version})")
    tmp = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    server = None
    try:
        env = private_env(tmp)
        store = os.environ.get("STORE")
        db = Path(store).resolve() if store else tmp / "data" / "memory.db"
        if db.exists():
            print(f"store: {db} (seeded before; kept)")
        else:
            db.parent.mkdir(parents=True, exist_ok=True)
            print(f"seeding {N} observations...", flush=True)
            start = time.perf_counter()
            subprocess.run([str(bin_path), "--db", str(db), "--project", "bench", "dev", "seed", str(N)],
                           env=env, check=True, stdout=subprocess.DEVNULL)
            print(f"seeded in {time.perf_counter() - start:.0f} s" + (f" into {db} (kept)" if store else ""))
        stats = json.loads(subprocess.run([str(bin_path), "--db", str(db), "--all-projects", "--json", "stats"],
                                          env=env, capture_output=True, text=True, check=True).stdout)
        print(f"store: {stats['observations']} observations, {stats['sessions']} sessions, "
              f"{stats['file_size_bytes'] / 1e6:.0f} MB")

        server = subprocess.Popen([str(bin_path), "--db", str(db), "ui", "--no-open"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        url = server.stdout.readline().strip()
        if not url.startswith("http://"):
            raise SystemExit(f"memcore ui printed {url!r}; stderr: {server.stderr.read()}")
        client = Client(url)
        print(f"server: {urllib.parse.urlsplit(url)._replace(query='token=…').geturl()}")
        print(f"load average before: {load_average()}   ({os.cpu_count()} CPUs)")
        print()

        landing = "/api/observations?limit=50"
        _, _, body = client.get(landing)
        page = json.loads(body)
        cursor = page.get("next")  # the keyset cursor of the next page ("<created_at_ms>.<id>")
        results = {}
        results["landing"] = measure(client, "landing /api/observations?limit=50", [landing])
        if cursor is not None:
            measure(client, "  page 2 (after=cursor)", [f"{landing}&after={urllib.parse.quote(str(cursor))}"])
        measure(client, "  filtered kind=bugfix", [f"{landing}&kind=bugfix"])
        measure(client, "  filtered q=coupon", [f"{landing}&q=coupon"])
        # The landing view (and the search view) also ask for the projects of their filter.
        measure(client, "projects /api/projects", ["/api/projects"])
        results["page"] = measure(client, "the page /?token=", [f"/?token={urllib.parse.quote(client.token)}"])
        searches = [f"/api/search?q={urllib.parse.quote(q)}" for q in SEARCHES]
        results["search"] = measure(client, f"search ({len(SEARCHES)} queries, in turn)", searches)
        for q, path in zip(SEARCHES, searches):
            server_ms = [client.get(path)[0] for _ in range(max(5, RUNS // 5))]
            print(f"    {q!r:<28} server p50 {percentile(server_ms, .5):7.1f} ms")
        print()
        print(f"load average after: {load_average()}")
        verdict = all(results[k] < 100 for k in ("landing", "search"))
        print(f"landing and search server p50 under 100 ms: {'yes' if verdict else 'NO'}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=5)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
