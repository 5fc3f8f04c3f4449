#!/bin/sh
# make bench: cairn's benchmark suite. Writes bench/results/latest.json,
# latest.md and two SVG plots. See bench/README.md for what each figure is.
#
# Environment (all optional):
#   CAIRN_BUILD         build dir holding libcairn-*.a            (default: build)
#   CAIRN_BIN           dir holding cairnd   (default: bin for build, else $CAIRN_BUILD/bin)
#   BENCH_OUT           results dir                                (default: bench/results)
#   BENCH_TMP           where the data dirs go; must be a real disk (default: /var/tmp)
#   BENCH_SECONDS       length of each HTTP phase                  (default: 5)
#   BENCH_CONNS         ingest connection counts                   (default: "1 16 64 256")
#   BENCH_READ_CONNS    connections for the read phases            (default: 64)
#   BENCH_CORE_N        tree for the core and read figures         (default: 1000000)
#   BENCH_BIG_N         tree for the second proof-time figure      (default: 10000000)
#   BENCH_BIG_BATCH     log_append batch used to grow to BIG_N     (default: 1000000)
#   BENCH_KEEP=1        keep the temp dir (data dirs, logs)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${CAIRN_BUILD:-build}
if [ -n "${CAIRN_BIN:-}" ]; then
	BIN=$CAIRN_BIN
elif [ "$BUILD" = build ]; then
	BIN=bin
else
	BIN=$BUILD/bin
fi
OUT=${BENCH_OUT:-bench/results}
SECS=${BENCH_SECONDS:-5}
CONNS=${BENCH_CONNS:-"1 16 64 256"}
READ_CONNS=${BENCH_READ_CONNS:-64}
CORE_N=${BENCH_CORE_N:-1000000}
BIG_N=${BENCH_BIG_N:-10000000}
BIG_BATCH=${BENCH_BIG_BATCH:-1000000}
NAME=bench.cairn

for f in "$BIN/cairnd" "$BUILD/libcairn-log.a" "$BUILD/libcairn-core.a"; do
	[ -e "$f" ] || { echo "bench: $f is missing: run make all first (or set CAIRN_BUILD/CAIRN_BIN)" >&2; exit 1; }
done

WORK=$(mktemp -d "${BENCH_TMP:-/var/tmp}/cairn-bench.XXXXXX")
KV=$WORK/results.kv
: >"$KV"
CAIRND_PID=
NGINX_PID=
cleanup() {
	[ -n "$CAIRND_PID" ] && kill "$CAIRND_PID" 2>/dev/null && wait "$CAIRND_PID" 2>/dev/null
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: kept $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

T0=$(date +%s)
say() { echo "bench [$(($(date +%s) - T0))s]: $*" >&2; }
kv() { echo "$1 $2" >>"$KV"; }
# The load average as each phase starts: other work on the machine shows up here.
phase() {
	say "$1"
	kv "load.$1" "$(cut -d' ' -f1 /proc/loadavg)"
}

# --- the bench tools ---------------------------------------------------------
say "building the bench tools in $BUILD/bench"
PKGS="lmdb libcrypto jansson"
BCFLAGS="-O2 -g -std=c11 -Wall -Wextra -pthread -Ilog $(pkg-config --cflags $PKGS)"
BLIBS="$BUILD/libcairn-log.a $BUILD/libcairn-core.a $(pkg-config --libs $PKGS) -lm"
mkdir -p "$BUILD/bench"
for t in core:core load:loadgen report:report; do
	${CC:-cc} $BCFLAGS "bench/${t#*:}.c" $BLIBS -o "$BUILD/bench/bench-${t%%:*}"
done
BCORE=$BUILD/bench/bench-core
BLOAD=$BUILD/bench/bench-load
BREPORT=$BUILD/bench/bench-report

# 256 connections and the server's descriptors.
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# --- the machine --------------------------------------------------------------
kv machine.cpu_model "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
kv machine.cores "$(nproc)"
kv machine.mem_gib "$(awk '/^MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)"
kv machine.kernel "$(uname -r)"
kv machine.openssl "$(openssl version 2>/dev/null | cut -d' ' -f1-2 || echo unknown)"
kv machine.fd_limit "$(ulimit -n)"
kv run.git_commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
kv run.git_dirty "$(if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then echo 1; else echo 0; fi)"
kv run.date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
kv run.seconds_per_phase "$SECS"
kv run.data_dir_fs "$(df -PT "$WORK" | awk 'NR == 2 {print $2}')"

# --- cairnd ------------------------------------------------------------------
TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# A process and its children (nginx: the master and its workers).
tree_ticks() {
	t=$(cpu_ticks "$1")
	for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		t=$((t + $(cpu_ticks "$c" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
start_cairnd() {
	"$BIN/cairnd" --listen 127.0.0.1:0 --data "$1" --name "$NAME" >"$1.out" 2>&1 &
	CAIRND_PID=$!
	i=0
	while ! grep -q "serving http://" "$1.out" 2>/dev/null; do
		kill -0 "$CAIRND_PID" 2>/dev/null || { cat "$1.out" >&2; echo "bench: cairnd did not start" >&2; exit 1; }
		i=$((i + 1))
		[ $i -lt 3000 ] || { echo "bench: cairnd did not start" >&2; exit 1; }
		sleep 0.01
	done
	ADDR=$(sed -n 's|^cairnd: serving http://\([0-9.:]*\).*|\1|p' "$1.out")
}
stop_cairnd() {
	kill "$CAIRND_PID"
	wait "$CAIRND_PID" || true
	CAIRND_PID=
}
# Runs the load generator against cairnd and adds cairnd's CPU time per
# answered request: "bench_load PREFIX args...".
bench_load() {
	p=$1
	shift
	c0=$(cpu_ticks "$CAIRND_PID")
	"$BLOAD" "$@" "$p" >>"$KV"
	c1=$(cpu_ticks "$CAIRND_PID")
	ok=$(sed -n "s/^$p\.ok //p" "$KV" | tail -1)
	kv "$p.server_cpu_s" "$(echo "$c0 $c1 $TCK" | awk '{printf "%.3f", ($2 - $1) / $3}')"
	kv "$p.server_cpu_us_per_req" "$(echo "$c0 $c1 $TCK $ok" | awk '{printf "%.1f", ($4 > 0 ? 1e6 * ($2 - $1) / $3 / $4 : 0)}')"
}

# --- 1. baselines ----------------------------------------------------------------
phase baselines
"$BCORE" ecdsa 3 >>"$KV"
"$BCORE" hash 2 >>"$KV"

# --- 2. ingest over HTTP ---------------------------------------------------------
phase ingest_generate
# Enough distinct signed entries that no phase runs dry: each phase is a
# fresh cairnd, so the same entries serve every connection count.
"$BLOAD" gen "${BENCH_INGEST_ENTRIES:-100000}" "$WORK/entries.jsonl"
for c in $CONNS; do
	phase "ingest_c$c"
	mkdir -m 700 "$WORK/ingest-$c"
	start_cairnd "$WORK/ingest-$c"
	bench_load "ingest.c$c" post "$ADDR" "$c" "$SECS" "$WORK/entries.jsonl"
	# Group commit at work: entries per log_append, from cairnd's metrics.
	echo metrics >"$WORK/metrics.txt"
	if "$BLOAD" mirror "$ADDR" "$WORK/metrics.txt" "$WORK/m$c" 2>/dev/null; then
		awk -v p="ingest.c$c" '/^cairn_batch_size_sum / {s = $2} /^cairn_batch_size_count / {n = $2}
			END {if (n > 0) {print p ".batches " n; printf "%s.batch_mean %.2f\n", p, s / n}}' \
			"$WORK/m$c/metrics" >>"$KV"
	fi
	stop_cairnd
	last_ingest=$WORK/ingest-$c
done
"$BCORE" disk "$last_ingest" ingest.disk >>"$KV"
rm -f "$WORK/entries.jsonl"

# --- 3. log core, no HTTP; proofs; storage -----------------------------------------
phase core_fsync
"$BCORE" fsync "$WORK" 200 >>"$KV"
# The same appends with no disk under them (tmpfs: fsync returns at once), to
# split the core's CPU cost from its I/O cost. Diagnostic only.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	phase core_nodisk
	SHM=$(mktemp -d /dev/shm/cairn-bench.XXXXXX)
	"$BCORE" build "$SHM/tree" "$NAME" 100000 1000 hashedrekord core.nodisk >>"$KV" || true
	rm -rf "$SHM"
fi
DATA=$WORK/tree
mkdir -m 700 "$DATA"
prev=0
for n in 10000 100000 "$CORE_N"; do
	[ "$n" -gt "$prev" ] && [ "$n" -le "$CORE_N" ] || continue
	phase "core_build_$n"
	"$BCORE" build "$DATA" "$NAME" "$n" 1000 hashedrekord "core.build.n$n" >>"$KV"
	"$BCORE" proofs "$DATA" "$NAME" 1 "proofs.n$n" >>"$KV"
	prev=$n
done
kv core.tree_size "$CORE_N"
phase "disk_$CORE_N"
"$BCORE" disk "$DATA" disk >>"$KV"

# --- 4. reads over HTTP at CORE_N entries ---------------------------------------------
phase reads
start_cairnd "$DATA"
bench_load reads.inclusion get "$ADDR" "$READ_CONNS" "$SECS" inclusion "$CORE_N"
bench_load reads.consistency get "$ADDR" "$READ_CONNS" "$SECS" consistency "$CORE_N"

# Every full hash tile of levels 0 and 1, fetched from cairnd once and served
# by nginx as static files: the same bytes to the same client.
awk -v n="$CORE_N" 'function path(l, i,   s, g) {
		s = sprintf("%03d", i % 1000); i = int(i / 1000)
		while (i > 0) { s = sprintf("x%03d/%s", i % 1000, s); i = int(i / 1000) }
		return "tile/" l "/" s
	}
	BEGIN { for (l = 0; l < 2; l++) { full = int(n / (256 ^ (l + 1))); for (i = 0; i < full; i++) print path(l, i) } }' \
	>"$WORK/tiles.txt"
kv tiles.count "$(wc -l <"$WORK/tiles.txt")"
NG=$WORK/nginx
mkdir -p "$NG/root" "$NG/tmp"
"$BLOAD" mirror "$ADDR" "$WORK/tiles.txt" "$NG/root"

NGINX=$(command -v nginx || true)
[ -n "$NGINX" ] || [ ! -x /usr/sbin/nginx ] || NGINX=/usr/sbin/nginx
if [ -z "$NGINX" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	phase nginx_install
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light >&2 || true
	NGINX=$(command -v nginx || true)
	[ -n "$NGINX" ] || [ ! -x /usr/sbin/nginx ] || NGINX=/usr/sbin/nginx
fi
nginx_conf() {
	# One worker per core, as cairnd runs one HTTP thread per core; no access
	# log, as cairnd keeps none; keep-alive without a request cap.
	cat <<EOF
$( [ "$(id -u)" = 0 ] && echo "user root;" )
worker_processes auto;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	keepalive_timeout 60;
	default_type application/octet-stream;
	client_body_temp_path $NG/tmp/body;
	$1
	server {
		listen $NGINX_ADDR;
		root $NG/root;
		location / { }
	}
}
EOF
}
TILES_ROUNDS=2
if [ -n "$NGINX" ]; then
	NGINX_ADDR=127.0.0.1:$("$BLOAD" freeport)
	nginx_conf "proxy_temp_path $NG/tmp/proxy; fastcgi_temp_path $NG/tmp/fastcgi; uwsgi_temp_path $NG/tmp/uwsgi; scgi_temp_path $NG/tmp/scgi;" >"$NG/nginx.conf"
	"$NGINX" -t -p "$NG" -c "$NG/nginx.conf" >/dev/null 2>&1 || nginx_conf "" >"$NG/nginx.conf"
	"$NGINX" -p "$NG" -c "$NG/nginx.conf" 2>>"$NG/error.log" &
	NGINX_PID=$!
	i=0
	until "$BLOAD" mirror "$NGINX_ADDR" "$WORK/tiles.txt" "$NG/check" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 200 ] && kill -0 "$NGINX_PID" 2>/dev/null || { cat "$NG/error.log" >&2; NGINX=; break; }
		sleep 0.05
	done
	rm -rf "$NG/check"
	[ -z "$NGINX" ] || kv machine.nginx "$("$NGINX" -v 2>&1 | sed 's|.*/||')"
fi
[ -n "$NGINX" ] || { say "nginx is not available: no tile ratio"; kv tiles.nginx_missing 1; }
# Alternate the two servers, twice, so that a burst of other load on the
# machine does not land on one of them only; each keeps its better round.
r=1
while [ $r -le $TILES_ROUNDS ]; do
	phase "tiles_cairnd_r$r"
	bench_load "tiles.cairnd.r$r" get "$ADDR" "$READ_CONNS" "$SECS" paths "$WORK/tiles.txt"
	if [ -n "$NGINX" ]; then
		phase "tiles_nginx_r$r"
		c0=$(tree_ticks "$NGINX_PID")
		"$BLOAD" get "$NGINX_ADDR" "$READ_CONNS" "$SECS" paths "$WORK/tiles.txt" "tiles.nginx.r$r" >>"$KV"
		c1=$(tree_ticks "$NGINX_PID")
		ok=$(sed -n "s/^tiles\.nginx\.r$r\.ok //p" "$KV" | tail -1)
		kv "tiles.nginx.r$r.server_cpu_us_per_req" "$(echo "$c0 $c1 $TCK $ok" | awk '{printf "%.1f", ($4 > 0 ? 1e6 * ($2 - $1) / $3 / $4 : 0)}')"
	fi
	r=$((r + 1))
done
stop_cairnd
if [ -n "$NGINX_PID" ]; then
	kill "$NGINX_PID"
	wait "$NGINX_PID" || true
	NGINX_PID=
fi

# --- 5. proof time at BIG_N ------------------------------------------------------------
# Growing the tree by 9M entries in batches of 1,000 with fsync would take far
# over the budget, so the rest of the tree is appended in batches of
# BIG_BATCH with small bodies; proofs only read the hash tiles.
if [ "$BIG_N" -gt "$CORE_N" ]; then
	phase "grow_$BIG_N"
	"$BCORE" build "$DATA" "$NAME" "$BIG_N" "$BIG_BATCH" small grow >>"$KV"
	phase "proofs_$BIG_N"
	"$BCORE" proofs "$DATA" "$NAME" 1 "proofs.n$BIG_N" >>"$KV"
fi
kv proofs.big_size "$BIG_N"
kv run.total_seconds "$(($(date +%s) - T0))"

# --- 6. the report -----------------------------------------------------------------------
mkdir -p "$OUT"
"$BREPORT" "$KV" "$OUT"
say "done: $OUT/latest.md"
cat "$OUT/latest.md"
