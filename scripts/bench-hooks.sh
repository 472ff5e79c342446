#!/usr/bin/env bash
# Hook latency of the `memcore` command, as Claude Code sees it: the wall time of one
# `memcore hook <Event>` process (start, read stdin, open the store, record, answer, exit),
# on a store seeded with N observations (default 10,000).
#
# Usage: scripts/bench-hooks.sh            (from anywhere inside the repository)
#        N=10000 RUNS=200 scripts/bench-hooks.sh
#        EVENTS=5 scripts/bench-hooks.sh      (also K conversation events per observation)
#        BIN=target/x86_64-unknown-linux-gnu/dist/memcore scripts/bench-hooks.sh   (a given binary)
#
# Builds memcore-cli in release mode, seeds a temporary store with `memcore dev seed N`,
# then times RUNS invocations of each hook (after 10 warm-up runs) and prints p50 and p95
# in milliseconds. Uses hyperfine when it is installed, else a small Python loop. The
# targets (issue 7): p50 <= 15 ms for PostToolUse, <= 40 ms for SessionStart.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-10000}
RUNS=${RUNS:-200}
EVENTS=${EVENTS:-0}

# BIN=/path/to/memcore times that binary instead (the packaged one: scripts/package.sh).
if [ -z "${BIN:-}" ]; then
  cargo build --release -p memcore-cli --quiet
  BIN="$PWD/target/release/memcore"
fi
echo "binary: $BIN ($("$BIN" --version))"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A private store and home; no extractor is started by the hooks being timed.
unset MEMCORE_PROVIDER MEMCORE_DAILY_TOKEN_CAP MEMCORE_PROJECT ANTHROPIC_API_KEY OPENAI_API_KEY
export MEMCORE_DB="$tmp/data/memory.db" HOME="$tmp/home" MEMCORE_NO_EXTRACT=1
mkdir -p "$tmp/home" "$tmp/bench"

echo "seeding $N observations and $EVENTS conversation events for each..."
"$BIN" --project bench dev seed "$N" --events "$EVENTS"
"$BIN" --project bench stats | head -2

cwd="$tmp/bench"   # the resolver names this project `bench`
# PostToolUse without a tool_use_id: every call inserts a new event (no idempotent shortcut).
cat > "$tmp/PostToolUse.json" <<EOF
{"session_id":"bench-session","cwd":"$cwd","hook_event_name":"PostToolUse","tool_name":"Edit",
 "tool_input":{"file_path":"$cwd/src/cart/coupon.rs","old_string":"total - coupon - coupon","new_string":"total - coupon"},
 "tool_response":{"filePath":"$cwd/src/cart/coupon.rs","success":true},"duration_ms":4}
EOF
cat > "$tmp/SessionStart.json" <<EOF
{"session_id":"bench-session","cwd":"$cwd","hook_event_name":"SessionStart","source":"startup"}
EOF
cat > "$tmp/UserPromptSubmit.json" <<EOF
{"session_id":"bench-session","cwd":"$cwd","hook_event_name":"UserPromptSubmit","prompt":"Why does the coupon checkout retry time out?"}
EOF

# The context SessionStart answers with must be there (and not empty) for the timing to mean
# anything.
chars=$("$BIN" hook SessionStart < "$tmp/SessionStart.json" | wc -c)
echo "SessionStart answers with $chars bytes of JSON"

# Each write's commit and the checkpoint when the last connection closes wait on fsync: the
# figures depend on the disk and on what else runs, so say how busy the machine was.
if [ -r /proc/loadavg ]; then echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"; fi

events=(PostToolUse SessionStart UserPromptSubmit)
if command -v hyperfine >/dev/null 2>&1; then
  for event in "${events[@]}"; do
    hyperfine --warmup 10 --runs "$RUNS" -N --style none \
      --export-json "$tmp/$event.result.json" \
      "sh -c '$BIN hook $event < $tmp/$event.json'" >/dev/null
    python3 - "$event" "$tmp/$event.result.json" <<'EOF'
import json, sys
times = sorted(t * 1000 for t in json.load(open(sys.argv[2]))["results"][0]["times"])
p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
print(f"{sys.argv[1]:<17} p50 {p(0.50):6.1f} ms   p95 {p(0.95):6.1f} ms   ({len(times)} runs, hyperfine)")
EOF
  done
else
  python3 - "$BIN" "$tmp" "$RUNS" "${events[@]}" <<'EOF'
import subprocess, sys, time
binary, tmp, runs, events = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
for event in events:
    payload = open(f"{tmp}/{event}.json", "rb").read()
    times = []
    for i in range(10 + runs):
        start = time.perf_counter()
        subprocess.run([binary, "hook", event], input=payload, stdout=subprocess.DEVNULL, check=True)
        if i >= 10:
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"{event:<17} p50 {p(0.50):6.1f} ms   p95 {p(0.95):6.1f} ms   ({runs} runs)")
EOF
fi
