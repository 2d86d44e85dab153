#!/usr/bin/env bash
# Installs benchgate on a runner: the release binary for this OS and architecture, verified
# against the SHA-256 sums pinned in the action (dist/SHA256SUMS), else `cargo install --locked`
# from the action's own source. A download whose sum does not match is an error, never a
# fallback: it means the file is not the one that was released.
#
# Environment: BENCHGATE_ACTION_PATH (the action's directory, required), BENCHGATE_VERSION
# (default: the version in the action's Cargo.toml), BENCHGATE_RELEASE_REPO (owner/name with the
# releases; empty = build from source), BENCHGATE_DOWNLOAD_BASE (default: GitHub's release
# download address), BENCHGATE_BIN_DIR (where the binary goes), BENCHGATE_CARGO (default cargo).
set -euo pipefail

action="${BENCHGATE_ACTION_PATH:?set BENCHGATE_ACTION_PATH to the action directory}"
version="${BENCHGATE_VERSION:-}"
if [ -z "$version" ]; then
  version=$(sed -n 's/^version = "\([^"]*\)"$/\1/p' "$action/Cargo.toml" | head -n 1)
fi
repo="${BENCHGATE_RELEASE_REPO:-}"
base="${BENCHGATE_DOWNLOAD_BASE:-${GITHUB_SERVER_URL:-https://github.com}/$repo/releases/download}"
bin_dir="${BENCHGATE_BIN_DIR:-${RUNNER_TEMP:-/tmp}/benchgate/bin}"
cargo="${BENCHGATE_CARGO:-cargo}"

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) target=x86_64-unknown-linux-musl ;;
  Linux/aarch64 | Linux/arm64) target=aarch64-unknown-linux-musl ;;
  Darwin/arm64) target=aarch64-apple-darwin ;;
  Darwin/x86_64) target=x86_64-apple-darwin ;;
  MINGW*/* | MSYS*/* | CYGWIN*/*) target=x86_64-pc-windows-msvc ;;
  *) target="" ;;
esac

asset="benchgate-v$version-$target.tar.gz"
expected=""
if [ -n "$target" ] && [ -f "$action/dist/SHA256SUMS" ]; then
  expected=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1; exit }' "$action/dist/SHA256SUMS")
fi

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

mkdir -p "$bin_dir"
if [ -n "$repo" ] && [ -n "$expected" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if curl -fsSL --retry 3 --max-time 120 -o "$tmp/$asset" "$base/v$version/$asset"; then
    actual=$(sha256 "$tmp/$asset")
    if [ "$actual" != "$expected" ]; then
      echo "::error title=benchgate install::$asset has SHA-256 $actual, but the action pins $expected; refusing to run it" >&2
      exit 1
    fi
    tar -xzf "$tmp/$asset" -C "$tmp"
    install -m 0755 "$tmp/benchgate" "$bin_dir/benchgate" 2>/dev/null \
      || install -m 0755 "$tmp/benchgate.exe" "$bin_dir/benchgate.exe"
    echo "benchgate: installed release v$version for $target (SHA-256 verified)"
  else
    echo "benchgate: cannot download $asset; building from source instead" >&2
    "$cargo" install --locked --quiet --root "$(dirname "$bin_dir")" --path "$action"
  fi
else
  echo "benchgate: no pinned release for ${target:-this platform} v$version; building from source"
  "$cargo" install --locked --quiet --root "$(dirname "$bin_dir")" --path "$action"
fi
if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$bin_dir" >> "$GITHUB_PATH"
fi
