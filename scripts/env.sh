# Sourced by the other scripts: tool paths and the build environment that
# cargo-leptos uses, so `cargo test` reuses its debug build instead of
# recompiling every crate.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"
CARGO_LEPTOS_VERSION=0.3.10
leptos_build_env() {
  export LEPTOS_OUTPUT_NAME=relais LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_SITE_ADDR=127.0.0.1:3000 LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=. \
    LEPTOS_BIN_DIR=server LEPTOS_JS_MINIFY=false LEPTOS_HASH_FILES=false
  export RUSTFLAGS="--cfg erase_components"
}
