#!/usr/bin/env python3
"""Latency of `memcore mcp` as a client sees it: the time from starting the process to its
`initialize` answer, then the round trip of each tool call over stdio.

Usage: scripts/bench-mcp.py                 (from anywhere inside the repository)
       N=10000 RUNS=200 scripts/bench-mcp.py

Builds memcore-cli in release mode, seeds a temporary store with `memcore dev seed N` in
project `bench`, starts `memcore mcp` in a folder of that name, and times RUNS calls of each
tool (after 10 warm-up calls): search (queries rotating over project words), timeline and
get_observations (around and of search hits), remember (a new memory each call), and hook
(what an mcp_tool PostToolUse hook sends: a new tool call with about 2 KB of output each
call). Prints p50 and p95 in milliseconds and the mean answer size, then the hook tool's
server-side time (`memcore dev time-hook-tool RUNS`: the same calls timed inside one
process, without the protocol). Standard library only.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = int(os.environ.get("N", "10000"))
RUNS = int(os.environ.get("RUNS", "200"))
WORDS = ["coupon", "checkout", "refund", "token", "cache", "retry", "timeout", "invoice",
         "migration", "router", "session", "queue", "parser", "login", "metrics"]


def percentile(values, p):
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


class Client:
    def __init__(self, binary, cwd, env):
        started = time.perf_counter()
        self.proc = subprocess.Popen([binary, "mcp"], cwd=cwd, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 1
        self.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                    "clientInfo": {"name": "bench", "version": "0"}})
        self.startup_ms = (time.perf_counter() - started) * 1000
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, message):
        self.proc.stdin.write((json.dumps(message) + "\n").encode())
        self.proc.stdin.flush()

    def request(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        while True:
            line = self.proc.stdout.readline()
            if not line:
                sys.exit(f"memcore mcp closed its output during {method}")
            answer = json.loads(line)
            if answer.get("id") == rid:
                if "error" in answer:
                    sys.exit(f"{method} failed: {answer['error']}")
                return answer["result"]

    def call(self, tool, arguments):
        result = self.request("tools/call", {"name": tool, "arguments": arguments})
        text = result["content"][0]["text"]
        if result.get("isError"):
            sys.exit(f"{tool} {arguments} failed: {text}")
        return text

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def hook_input(i, cwd):
    output = "".join(f"test store::tests::case_{k:02} ... ok (0.{k:02}s)\n" for k in range(40))
    return {
        "event": "PostToolUse", "session_id": "bench-hook", "cwd": cwd, "transcript_path": "",
        "hook_event_name": "PostToolUse", "tool_name": "Bash",
        "tool_use_id": f"toolu_bench_rt_{i}_{os.getpid()}",
        "tool_input": json.dumps({"command": f"cargo test -p memcore store::tests::case_{i}"}),
        "tool_response": json.dumps({"stdout": output, "stderr": "", "interrupted": False}),
    }


def hit_ids(index):
    ids = []
    for line in index.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 2 and cells[1].isdigit():
            ids.append(int(cells[1]))
    return ids


def main():
    subprocess.run(["cargo", "build", "--release", "-p", "memcore-cli", "--quiet"], cwd=ROOT,
                   check=True)
    binary = os.path.join(ROOT, "target", "release", "memcore")
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("MEMCORE_") and k not in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY")}
        env.update(MEMCORE_DB=os.path.join(tmp, "data", "memory.db"),
                   HOME=os.path.join(tmp, "home"))
        cwd = os.path.join(tmp, "bench")  # the resolver names this project `bench`
        os.makedirs(env["HOME"])
        os.makedirs(cwd)
        print(f"seeding {N} observations...", flush=True)
        subprocess.run([binary, "--project", "bench", "dev", "seed", str(N)], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        if os.path.exists("/proc/loadavg"):
            print("load average:", " ".join(open("/proc/loadavg").read().split()[:3]))

        startups = []
        for _ in range(20):
            client = Client(binary, cwd, env)
            startups.append(client.startup_ms)
            client.close()

        client = Client(binary, cwd, env)
        anchors = hit_ids(client.call("search", {"query": "coupon checkout", "limit": 10}))
        if not anchors:
            sys.exit("the seeded store gave no search hit")
        tools = {
            "search": lambda i: ("search", {"query": f"{WORDS[i % len(WORDS)]} {WORDS[(i * 7 + 3) % len(WORDS)]}",
                                            "limit": 10}),
            "timeline": lambda i: ("timeline", {"id": anchors[i % len(anchors)]}),
            "get_observations": lambda i: ("get_observations", {"ids": anchors[(i % 4):(i % 4) + 3]}),
            "remember": lambda i: ("remember", {"title": f"Benchmark memory number {i} about {WORDS[i % len(WORDS)]}",
                                                "text": "Recorded by scripts/bench-mcp.py."}),
            # What Claude Code's mcp_tool PostToolUse hook sends: every value a string.
            "hook (PostToolUse)": lambda i: ("hook", hook_input(i, cwd)),
        }
        rows = []
        for name, make in tools.items():
            for i in range(10):
                client.call(*make(10_000 + i))
            times, sizes = [], []
            for i in range(RUNS):
                tool, arguments = make(i)
                started = time.perf_counter()
                text = client.call(tool, arguments)
                times.append((time.perf_counter() - started) * 1000)
                sizes.append(len(text.encode()))
            rows.append((name, percentile(times, 50), percentile(times, 95), statistics.mean(sizes)))
        client.close()

    # The server-side time of the hook tool: the same calls timed inside one process.
    server_side = subprocess.run(
        [binary, "--project", "bench", "dev", "time-hook-tool", str(RUNS)], env=env, cwd=ROOT,
        check=True, capture_output=True, text=True).stdout.strip()

    print(f"\nmemcore mcp, {N} observations in the store, {RUNS} calls per tool (release build)\n")
    print("| call | p50 | p95 | answer |")
    print("|---|---|---|---|")
    print(f"| start + initialize | {percentile(startups, 50):.1f} ms | {percentile(startups, 95):.1f} ms | |")
    for name, p50, p95, size in rows:
        print(f"| {name} | {p50:.2f} ms | {p95:.2f} ms | {size:.0f} bytes |")
    print(f"\n{server_side}")


if __name__ == "__main__":
    main()
