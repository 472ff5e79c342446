#!/usr/bin/env python3
"""Compares the hook cost of two memcore binaries on a busy machine.

Usage: scripts/compare-hooks.py OLD_BINARY NEW_BINARY [RUNS]     (RUNS: 100 by default)
       EVENTS=5 scripts/compare-hooks.py ...   (the new store also gets 5 conversation
                                                events per observation)

Each binary gets its own temporary store seeded with 10,000 observations (`memcore dev seed`);
then the PostToolUse, SessionStart and UserPromptSubmit hooks of both are run in turn, RUNS
times after 10 warm-up rounds, and the CPU time (user + system) of every hook process is
recorded. Interleaving (each binary first in every other round) and CPU time keep the
comparison fair when other work shares the machine, where wall times (scripts/bench-hooks.sh)
would mostly measure the load. Compare copies made with `cp` (a binary the linker just wrote
measured up to 0.5 ms more CPU per hook than a copy of it, in the page cache).
"""
import json, os, shutil, subprocess, sys, tempfile, time
bins = {"old": sys.argv[1], "new": sys.argv[2]}
if len(sys.argv) < 3:
    sys.exit(__doc__)
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 100
envs, payloads, dirs = {}, {}, []
for name, b in bins.items():
    tmp = tempfile.mkdtemp(prefix=f"cmp-{name}-")
    dirs.append(tmp)
    os.makedirs(f"{tmp}/home"); os.makedirs(f"{tmp}/bench")
    env = {k: v for k, v in os.environ.items() if k not in ("MEMCORE_PROVIDER","MEMCORE_PROJECT","ANTHROPIC_API_KEY","OPENAI_API_KEY")}
    env.update(MEMCORE_DB=f"{tmp}/data/memory.db", HOME=f"{tmp}/home", MEMCORE_NO_EXTRACT="1")
    subprocess.run([b, "--project", "bench", "dev", "seed", "10000"] + (["--events", os.environ["EVENTS"]] if name == "new" and os.environ.get("EVENTS") else []), env=env, check=True, stdout=subprocess.DEVNULL)
    cwd = f"{tmp}/bench"
    payloads[name] = {
        "PostToolUse": {"session_id":"bench-session","cwd":cwd,"hook_event_name":"PostToolUse","tool_name":"Edit",
            "tool_input":{"file_path":f"{cwd}/src/cart/coupon.rs","old_string":"total - coupon - coupon","new_string":"total - coupon"},
            "tool_response":{"filePath":f"{cwd}/src/cart/coupon.rs","success":True},"duration_ms":4},
        "SessionStart": {"session_id":"bench-session","cwd":cwd,"hook_event_name":"SessionStart","source":"startup"},
        "UserPromptSubmit": {"session_id":"bench-session","cwd":cwd,"hook_event_name":"UserPromptSubmit","prompt":"Why does the coupon checkout retry time out?"},
    }
    envs[name] = env
times = {(n, e): [] for n in bins for e in ("PostToolUse","SessionStart","UserPromptSubmit")}
for i in range(10 + runs):
    for e in ("PostToolUse","SessionStart","UserPromptSubmit"):
        # Alternate which binary goes first: the first of a pair measured ~0.4 ms more CPU.
        for n, b in (list(bins.items()) if i % 2 == 0 else list(bins.items())[::-1]):
            data = json.dumps(payloads[n][e]).encode()
            p = subprocess.Popen([b, "hook", e], stdin=subprocess.PIPE, env=envs[n], stdout=subprocess.DEVNULL)
            p.stdin.write(data); p.stdin.close()
            _, status, ru = os.wait4(p.pid, 0)
            if i >= 10: times[(n, e)].append((ru.ru_utime + ru.ru_stime) * 1000)
print("load average:", open("/proc/loadavg").read().split()[:3])
for e in ("PostToolUse","SessionStart","UserPromptSubmit"):
    for n in bins:
        ts = sorted(times[(n, e)]); p = lambda q: ts[min(len(ts)-1, int(q*len(ts)))]
        print(f"{e:<17} {n}: p50 {p(.5):6.1f} ms  p95 {p(.95):6.1f} ms  ({len(ts)} runs, interleaved, CPU time)")
for d in dirs:
    shutil.rmtree(d, ignore_errors=True)
