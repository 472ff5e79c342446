#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for a bounded time and prints, per target, the
# executions run and whether it crashed.
#
# Usage: scripts/fuzz.sh [target...]      (every target when none is named)
#   FUZZ_SECONDS=60   seconds per target (default 60)
#   FUZZ_JOBS=1       parallel fuzzing processes per target (default 1)
#   FUZZ_STABLE=1     use the stable toolchain even when a nightly one is installed
#
# cargo-fuzz needs a nightly compiler (for the sanitizer flags). With a nightly toolchain
# installed (`rustup toolchain install nightly`), targets run under AddressSanitizer; with
# only a stable one, RUSTC_BOOTSTRAP=1 lets stable build them without a sanitizer.
# Install cargo-fuzz with `cargo install cargo-fuzz --locked`. Corpora grow in
# fuzz/corpus/<target> (seeded from fuzz/seeds/<target>); a crash is saved in
# fuzz/artifacts/<target>/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${FUZZ_SECONDS:-60}"
jobs="${FUZZ_JOBS:-1}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is not installed: cargo install cargo-fuzz --locked" >&2
  exit 2
fi

if [ "${FUZZ_STABLE:-0}" != 1 ] && rustup run nightly rustc --version >/dev/null 2>&1; then
  toolchain=(+nightly)
  sanitizer=(--sanitizer address)
  export RUSTC_BOOTSTRAP=0
  echo "==> nightly toolchain: fuzzing under AddressSanitizer"
else
  toolchain=()
  sanitizer=(--sanitizer none)
  export RUSTC_BOOTSTRAP=1
  echo "==> stable toolchain only: fuzzing without a sanitizer (RUSTC_BOOTSTRAP=1)"
fi

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo "${toolchain[@]}" fuzz list)
fi

cargo "${toolchain[@]}" fuzz build -O "${sanitizer[@]}"

failed=()
summary=()
for target in "${targets[@]}"; do
  echo
  echo "==> $target: ${seconds}s"
  mkdir -p "corpus/$target"
  # New inputs go to corpus/<target> (not committed); committed seeds and, for the
  # transcript parser, the shared real transcripts are read as extra starting points.
  dirs=("corpus/$target")
  [ -d "seeds/$target" ] && dirs+=("seeds/$target")
  transcripts=../../shared/data/claude-code-transcripts
  if [ "$target" = parse_transcript ] && [ -d "$transcripts" ]; then
    dirs+=("$transcripts")
  fi
  log="$(mktemp)"
  status=0
  parallel=()
  if [ "$jobs" -gt 1 ]; then
    # libFuzzer then writes each job's output to fuzz-<n>.log in the current directory.
    parallel=(-jobs="$jobs" -workers="$jobs")
  fi
  cargo "${toolchain[@]}" fuzz run -O "${sanitizer[@]}" "$target" "${dirs[@]}" -- \
    -max_total_time="$seconds" -print_final_stats=1 "${parallel[@]}" \
    >"$log" 2>&1 || status=$?
  if [ "$jobs" -gt 1 ]; then
    cat fuzz-*.log >>"$log" 2>/dev/null || true
    rm -f fuzz-*.log
  fi
  if [ "$status" -ne 0 ]; then
    # The failure itself (panic message or sanitizer report), then how to reproduce it.
    grep -E -m1 -A40 'panicked at|==ERROR|ERROR: libFuzzer' "$log" || true
    grep -E -A3 '^Reproduce with' "$log" || true
  else
    grep -E '^(#[0-9]+ *DONE|stat::)' "$log" || tail -n 5 "$log"
  fi
  execs="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" |
    awk '{ n += $NF } END { if (NR) print n }')"
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    summary+=("$target: CRASHED after ${execs:-?} executions (see fuzz/artifacts/$target/)")
  else
    summary+=("$target: ${execs:-?} executions, no crash")
  fi
  rm -f "$log"
done

echo
echo "==> summary (${seconds}s per target)"
printf '  %s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "crashed: ${failed[*]}" >&2
  exit 1
fi
