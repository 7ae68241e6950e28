#!/usr/bin/env bash
# `make cluster`: Sightline as two stateless nodes on this machine, over the engines a cluster uses — ClickHouse
# (events), PostgreSQL (metadata) and an S3-protocol server (replay blobs), all on loopback with their data in
# .cluster/. Needs clickhouse-server, postgresql and moto_server (what .ci/run installs). Ctrl-C stops it all.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-./target/debug/sightline}
ROOT=$PWD/.cluster
CH_PORT=${CH_PORT:-18123} PG_PORT=${PG_PORT:-15432} S3_PORT=${S3_PORT:-15000}
NODE_PORTS=(${NODE_PORTS:-8421 8422})
mkdir -p "$ROOT"
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -n "${PG_CTL:-}" ] && as_pg "$PG_CTL" -D "$ROOT/pg" -m fast stop >/dev/null 2>&1 || true
}
trap stop EXIT INT TERM

# PostgreSQL refuses to run as root: run its tools as the postgres system user then.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PG_CTL=$PG_BIN/pg_ctl
if [ ! -d "$ROOT/pg" ]; then
  mkdir -p "$ROOT/pg" && [ "$(id -u)" = 0 ] && chown postgres "$ROOT/pg" "$ROOT"
  as_pg "$PG_BIN/initdb" -D "$ROOT/pg" -U sightline --auth=trust -E UTF8 >/dev/null
fi
as_pg "$PG_CTL" -D "$ROOT/pg" -l "$ROOT/pg.log" -o "-p $PG_PORT -k $ROOT -c listen_addresses=127.0.0.1" -w start >/dev/null
as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U sightline sightline 2>/dev/null || true

mkdir -p "$ROOT/ch"
clickhouse-server --config-file=/etc/clickhouse-server/config.xml -- --path="$ROOT/ch/" --tmp_path="$ROOT/ch/tmp/" \
  --user_files_path="$ROOT/ch/uf/" --format_schema_path="$ROOT/ch/fs/" --logger.log="$ROOT/ch.log" \
  --logger.errorlog="$ROOT/ch.err" --listen_host=127.0.0.1 --http_port="$CH_PORT" --tcp_port=$((CH_PORT + 1)) \
  --interserver_http_port=$((CH_PORT + 2)) >/dev/null 2>&1 &
pids+=($!)
moto_server -H 127.0.0.1 -p "$S3_PORT" >"$ROOT/s3.log" 2>&1 &
pids+=($!)
for url in "http://127.0.0.1:$CH_PORT/ping" "http://127.0.0.1:$S3_PORT/"; do
  for _ in $(seq 100); do curl -sf "$url" >/dev/null && break; sleep 0.2; done
done
curl -sf -X PUT "http://127.0.0.1:$S3_PORT/sightline" >/dev/null

cat >"$ROOT/sightline.toml" <<TOML
[events]
backend = "clickhouse"
url = "http://127.0.0.1:$CH_PORT"
database = "sightline"

[meta]
backend = "postgres"
url = "postgres://sightline@127.0.0.1:$PG_PORT/sightline"

[blobs]
backend = "s3"
bucket = "sightline"
endpoint = "http://127.0.0.1:$S3_PORT"
TOML
export SIGHTLINE_CONFIG=$ROOT/sightline.toml AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
for port in "${NODE_PORTS[@]}"; do
  "$BIN" serve --data-dir "$ROOT/node-$port" --listen "127.0.0.1:$port" >"$ROOT/node-$port.log" 2>&1 &
  pids+=($!)
  echo "node: http://127.0.0.1:$port/ (log $ROOT/node-$port.log)"
done
echo "config: $ROOT/sightline.toml — e.g. SIGHTLINE_CONFIG=$ROOT/sightline.toml $BIN site add --name Shop --domain shop.example"
wait -n "${pids[@]}"
