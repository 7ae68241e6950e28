# Sightline: `make run` (demo with data) and `make test` (every test). See README.md.
SHELL := /bin/bash
CARGO ?= cargo
DUCKDB_LIB := .duckdb/libduckdb.so
TRACKER := web/tracker/dist/t.js

.PHONY: run build test test-rust test-web test-e2e lint bench soak release web clean openapi cluster

# DuckDB's official prebuilt library (npm package pinned in tools/duckdb), linked instead of a 45-minute static build.
$(DUCKDB_LIB): tools/duckdb/package-lock.json
	cd tools/duckdb && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p .duckdb
	cp tools/duckdb/node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so $(DUCKDB_LIB)

web/tracker/node_modules: web/tracker/package-lock.json
	cd web/tracker && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(TRACKER): web/tracker/node_modules $(shell find web/tracker/src web/tracker/scripts -type f 2>/dev/null)
	cd web/tracker && npm run build --silent

web/dashboard/node_modules: web/dashboard/package-lock.json
	cd web/dashboard && npm ci --no-audit --no-fund --loglevel=error
	touch $@

DASHBOARD := web/dashboard/dist/index.html
$(DASHBOARD): web/dashboard/node_modules $(shell find web/dashboard/src web/dashboard/public web/dashboard/index.html web/dashboard/vite.config.ts -type f 2>/dev/null)
	cd web/dashboard && npm run build --silent

web: $(TRACKER) $(DASHBOARD)

build: $(DUCKDB_LIB) web
	$(CARGO) build -p sightline

run: build
	./target/debug/sightline demo

# Two nodes over ClickHouse, PostgreSQL and an S3-protocol server on loopback (docs/cluster.md).
cluster: build
	tools/cluster/run.sh

lint: $(DUCKDB_LIB) web
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust: $(DUCKDB_LIB) web
	$(CARGO) test --workspace

test-web: web
	cd web/tracker && npm run typecheck --silent && npm test --silent
	cd web/dashboard && npm run typecheck --silent && npm test --silent

e2e/node_modules: e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Browser end-to-end tests: Debian's Chromium drives the demo shop against the real server.
test-e2e: build e2e/node_modules
	cd e2e && npm test

test: lint test-rust test-web test-e2e

bench: $(DUCKDB_LIB) web
	$(CARGO) build --release -p sightline -p sightline-bench
	cp $(DUCKDB_LIB) target/release/
	@echo "== tracker size" && cd web/tracker && npm run size --silent
	./target/release/sightline-bench --bin target/release/sightline $(if $(CLICKHOUSE_URL),--clickhouse-url $(CLICKHOUSE_URL))
	@echo "== tracker main-thread cost (Chromium)" && $(MAKE) --no-print-directory build e2e/node_modules && cd e2e && npm run bench --silent

# 10 minutes at 20 k events/s with dashboard queries every second: RSS, writer lag, ack latency, errors.
soak: $(DUCKDB_LIB) web
	$(CARGO) build --release -p sightline -p sightline-bench
	cp $(DUCKDB_LIB) target/release/
	./target/release/sightline-bench --bin target/release/sightline --store-rows 0 --query-events 0 --writer-events 0 --soak-secs 600

# After changing the HTTP API: refresh the dashboard's copy of the OpenAPI document and its generated types.
openapi: $(DUCKDB_LIB)
	$(CARGO) run -q -p sightline -- openapi > web/dashboard/src/api/openapi.json
	cd web/dashboard && npm run gen:api --silent

# One static binary for distribution (compiles DuckDB from source: ~45 minutes on 2 cores).
release: web
	$(CARGO) build --release -p sightline --features bundled

clean:
	$(CARGO) clean
	rm -rf .duckdb web/tracker/dist web/dashboard/dist
