# The two commands of the README, and a few for development.
.PHONY: run test build release lint bench

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

# Runtime API throughput, latency, memory and start-up (SQLite, 100,000 agents).
bench:
	bash scripts/bench.sh

build:
	bash scripts/tools.sh && PATH="$$HOME/.cargo/bin:$$PWD/end2end/node_modules/.bin:$$PATH" cargo leptos build

release:
	bash scripts/tools.sh && PATH="$$HOME/.cargo/bin:$$PWD/end2end/node_modules/.bin:$$PATH" cargo leptos build --release

lint:
	cargo fmt --all --check
	cargo clippy -p app --features ssr --all-targets -- -D warnings
	cargo clippy -p relais-server --all-targets -- -D warnings
	cargo clippy -p relais-web -p app --features app/hydrate --target wasm32-unknown-unknown -- -D warnings
