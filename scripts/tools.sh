#!/usr/bin/env bash
# Installs what building and testing Relais need, when missing: the wasm32
# target, cargo-leptos (pinned: newer ones need a newer rustc), wasm-bindgen-cli
# (the version in Cargo.lock), the npm tools (Playwright, wasm-opt 132: Debian's
# wasm-opt breaks the release WASM, the OpenFeature JS SDK), the OpenFeature
# Python SDK (a virtualenv), and with --browser Debian's Chromium.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

step() { printf '==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
rustup component list --installed | grep -q '^clippy' || rustup component add clippy
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt

if ! cargo leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION"; then
  step "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 17 minutes, once)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION"; then
  step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes, once)"
  # Without --locked: its lockfile names a crate version the registry mirror lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if [ ! -f end2end/node_modules/.package-lock.json ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  step "installing npm tools (Playwright, binaryen)"
  (cd end2end && npm ci --no-audit --no-fund)
fi

# The OpenFeature Python SDK for the OFREP test, in its own virtualenv.
VENV=end2end/sdk/.venv
if [ ! -f "$VENV/.installed" ] || [ end2end/sdk/requirements.txt -nt "$VENV/.installed" ]; then
  step "installing the OpenFeature Python SDK (PyPI, pinned)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --no-deps -r end2end/sdk/requirements.txt
  touch "$VENV/.installed"
fi

if [ "${1:-}" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then
  step "installing Debian's chromium"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
fi
