#!/usr/bin/env bash
# Measures `benchgate compare` against critcmp on the same 2,000-benchmark criterion tree, side
# by side in one hyperfine run (the #8 target). Needs hyperfine and critcmp
# (`cargo install critcmp --locked`). Usage: scripts/vs-critcmp.sh [N] [DIR]
set -euo pipefail
n="${1:-2000}"
dir="${2:-${TMPDIR:-/tmp}/benchgate-vs-critcmp}"
cargo build --release --quiet --bin benchgate --example gen_scale
bin="$PWD/target/release/benchgate"
rm -rf "$dir" && mkdir -p "$dir"
target/release/examples/gen_scale criterion "$dir/target/criterion" "$n"
cd "$dir"
"$bin" baseline create --baseline base.json --criterion-baseline base --commit base target/criterion
hyperfine -N --warmup 3 --runs 30 \
  "critcmp --target-dir $dir/target base new" \
  "$bin compare --baseline base.json --criterion-baseline new --commit head target/criterion" \
  "$bin compare --baseline base.json --criterion-baseline new --commit head --out-dir out target/criterion"
