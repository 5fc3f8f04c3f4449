#!/bin/sh
# Interoperability tests: real clients against a real cairnd.
#
# Starts "$CAIRN_BIN/cairnd" on an ephemeral port with a fresh data dir and
# --name 127.0.0.1 (sigstore-js wants the checkpoint signer name inside the
# log's URL), then:
#   1. rekor_upload.mjs  uploads COUNT (default 1000) distinct hashedrekord
#                        entries through the Rekor v1 API and checks every
#                        response and the read endpoints;
#   2. sigstore.test.mjs @sigstore/sign (RekorWitness) + @sigstore/verify:
#                        hashedrekord and dsse bundles, SET, checkpoint,
#                        inclusion proof, and tampered bundles;
#   3. sumdb_check.go    Go's golang.org/x/mod/sumdb/{note,tlog} over the C2SP
#                        checkpoint, tiles and entry bundles;
#   4. SIGTERM, restart on the same data dir, same tree.
# Sums the checks and ends with the single line "N passed, M failed".
#
# Run from the repository root (tests/run.sh does) with CAIRN_BIN=<dir with
# cairnd>. Needs node >= 20 (npm for the first run) and Go with
# golang.org/x/mod (Debian: golang-go golang-golang-x-mod-dev, installed here
# when running as root). Env: CAIRN_INTEROP_COUNT (entries, default 1000);
# CAIRND (a server command to use instead of $CAIRN_BIN/cairnd).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${CAIRN_BIN:-$root/bin}
cairnd=${CAIRND:-$bin/cairnd}
count=${CAIRN_INTEROP_COUNT:-1000}
name=127.0.0.1
gopath=/usr/share/gocode

passed=0
failed=0
pid=""
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cairn-interop.XXXXXX") || {
	echo "not ok - interop: mktemp"
	echo "0 passed, 1 failed"
	exit 1
}

stop_server() { # signal
	[ -n "$pid" ] || return 0
	kill "-$1" "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=""
		return 124
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	pid=""
	return $rc
}
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	stop_server KILL >/dev/null 2>&1
	# Let a background go build finish before its output dir goes away.
	[ -n "${gobuild_pid:-}" ] && wait "$gobuild_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ok() {
	passed=$((passed + 1))
	echo "ok - interop: $*"
}
notok() {
	failed=$((failed + 1))
	echo "not ok - interop: $*"
}
check() { # status-of-the-condition description
	if [ "$1" -eq 0 ]; then
		ok "$2"
	else
		notok "$2"
		return 1
	fi
}
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ] && exit 0
	exit 1
}
indent() { sed 's/^/    /'; }

# Adds a sub-test's "N passed, M failed" to the totals; a sub-test that
# exited non-zero without counting a failure counts as one failure.
tally() { # log rc what
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1)
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
	p=${p:-0}
	f=${f:-0}
	if [ -z "$line" ] || { [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; }; then
		f=$((f + 1))
		echo "not ok - interop: $3 exited with status $2 without a failure count"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	echo "# $3: $p passed, $f failed"
}

# Prerequisites ------------------------------------------------------------

if ! command -v node >/dev/null 2>&1; then
	notok "node is not installed (need node >= 20)"
	finish
fi
if [ ! -x "$cairnd" ] && [ -z "${CAIRND:-}" ]; then
	notok "no cairnd at $cairnd (build it with make, or set CAIRN_BIN)"
	finish
fi
have_go() {
	command -v go >/dev/null 2>&1 && [ -d "$gopath/src/golang.org/x/mod/sumdb/tlog" ]
}
if ! have_go && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "# installing golang-go golang-golang-x-mod-dev"
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update -q && apt-get install -y -q --no-install-recommends golang-go golang-golang-x-mod-dev; } >"$tmp/apt.log" 2>&1 ||
		indent <"$tmp/apt.log" | tail -5
fi
if [ ! -d "$here/node_modules/@sigstore/verify" ] || [ ! -d "$here/node_modules/@sigstore/sign" ]; then
	echo "# npm ci in tests/interop"
	if ! (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >"$tmp/npm.log" 2>&1; then
		indent <"$tmp/npm.log" | tail -20
		notok "npm ci in tests/interop"
	fi
fi

# Build the Go checker while the server starts.
if have_go; then
	if [ -z "${HOME:-}" ] || [ ! -w "${HOME:-/nonexistent}" ]; then
		GOCACHE=$tmp/gocache
		export GOCACHE
	fi
	(cd "$here" && GO111MODULE=off GOPATH=$gopath GOFLAGS="" go build -o "$tmp/sumdb_check" sumdb_check.go) >"$tmp/gobuild.log" 2>&1 &
	gobuild_pid=$!
else
	gobuild_pid=""
	notok "Go with golang.org/x/mod is not available (apt-get install golang-go golang-golang-x-mod-dev)"
fi

# Start cairnd ---------------------------------------------------------------

data=$tmp/data
start_server() { # -> sets pid, url
	: >"$tmp/cairnd.out"
	# shellcheck disable=SC2086 # CAIRND may be a command with arguments
	$cairnd --listen 127.0.0.1:0 --data "$data" --name "$name" >>"$tmp/cairnd.out" 2>>"$tmp/cairnd.err" &
	pid=$!
	url=""
	i=0
	while [ $i -lt 200 ]; do # 20 s
		url=$(sed -n 's/^cairnd: serving \(http:\/\/[^ ]*\).*$/\1/p' "$tmp/cairnd.out" | head -n 1)
		[ -n "$url" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	[ -n "$url" ] || return 1
	url=${url%/}
	i=0
	while [ $i -lt 100 ]; do # 10 s
		if node -e 'fetch(process.argv[1]).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))' "$url/api/v1/log"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

if ! start_server; then
	notok "cairnd starts and answers GET /api/v1/log"
	echo "# cairnd stdout:"
	indent <"$tmp/cairnd.out"
	echo "# cairnd stderr:"
	tail -n 30 "$tmp/cairnd.err" | indent
	finish
fi
ok "cairnd serves $url"
treeid=$(sed -n 's/^cairnd: tree ID \([0-9][0-9]*\)$/\1/p' "$tmp/cairnd.out" | head -n 1)
logid=$(sed -n 's/^cairnd: log ID \([0-9a-f]\{64\}\)$/\1/p' "$tmp/cairnd.out" | head -n 1)
vkey=$(sed -n 's/^cairnd: note verifier key \(.*\)$/\1/p' "$tmp/cairnd.out" | head -n 1)
[ -n "$treeid" ] && [ -n "$logid" ] && [ -n "$vkey" ]
check $? "startup prints log ID, tree ID and note verifier key" ||
	indent <"$tmp/cairnd.out"
[ -s "$data/log.key" ] && [ -s "$data/log.pub" ] && [ -s "$data/note.key" ] && [ -s "$data/note.vkey" ]
check $? "data dir has log.key, log.pub, note.key, note.vkey"
mode=$(stat -c %a "$data/log.key" 2>/dev/null)
[ "$mode" = 600 ]
check $? "log.key is mode 0600 (is $mode)"
mode=$(stat -c %a "$data/note.key" 2>/dev/null)
[ "$mode" = 600 ]
check $? "note.key is mode 0600 (is $mode)"
[ "$(tr -d "\n" <"$data/note.vkey" 2>/dev/null)" = "$vkey" ]
check $? "note.vkey holds the printed verifier key"
[ "${vkey%%+*}" = "$name" ]
check $? "note verifier key names the signer $name"
# log ID = sha256 of the DER SubjectPublicKeyInfo of log.pub.
derid=$(node -e '
	const c = require("crypto"), fs = require("fs");
	const der = c.createPublicKey(fs.readFileSync(process.argv[1])).export({ type: "spki", format: "der" });
	console.log(c.createHash("sha256").update(der).digest("hex"));' "$data/log.pub" 2>/dev/null)
[ -n "$derid" ] && [ "$derid" = "$logid" ]
check $? "printed log ID is sha256(DER SPKI of log.pub)"

export CAIRN_URL="$url" CAIRN_DATA="$data" CAIRN_NAME="$name"

# 1. Fill the log through the Rekor API ------------------------------------

echo "# rekor_upload.mjs: $count hashedrekord entries"
(cd "$here" && timeout 120 node rekor_upload.mjs "$count" 8) >"$tmp/upload.log" 2>&1
rc=$?
indent <"$tmp/upload.log"
tally "$tmp/upload.log" $rc rekor_upload.mjs

# 2. sigstore-js -----------------------------------------------------------

echo "# sigstore.test.mjs"
(cd "$here" && timeout 120 node sigstore.test.mjs) >"$tmp/sigstore.log" 2>&1
rc=$?
indent <"$tmp/sigstore.log"
tally "$tmp/sigstore.log" $rc sigstore.test.mjs

# 3. Go sumdb tlog over the tiles --------------------------------------------

if [ -n "$gobuild_pid" ]; then
	wait "$gobuild_pid"
	gobuild_rc=$?
	gobuild_pid=""
	if [ "$gobuild_rc" -eq 0 ]; then
		echo "# sumdb_check.go"
		timeout 120 "$tmp/sumdb_check" "$url" "$data/note.vkey" "$data/log.pub" >"$tmp/go.log" 2>&1
		rc=$?
		indent <"$tmp/go.log"
		tally "$tmp/go.log" $rc sumdb_check
	else
		indent <"$tmp/gobuild.log"
		notok "go build sumdb_check.go"
	fi
fi

# 4. Clean stop, restart on the same data, same tree -------------------------

before=$(node -e 'fetch(process.argv[1]).then((r) => r.json()).then((j) => console.log(j.treeSize, j.rootHash, j.treeID))' "$url/api/v1/log" 2>/dev/null)
stop_server TERM
rc=$?
[ "$rc" -eq 0 ]
check $? "cairnd exits 0 on SIGTERM (status $rc)"
if start_server; then
	after=$(node -e 'fetch(process.argv[1]).then((r) => r.json()).then((j) => console.log(j.treeSize, j.rootHash, j.treeID))' "$url/api/v1/log" 2>/dev/null)
	[ -n "$before" ] && [ "$before" = "$after" ]
	check $? "after a restart on the same data dir: same size, root and tree ID ($after)"
	logid2=$(sed -n 's/^cairnd: log ID \([0-9a-f]\{64\}\)$/\1/p' "$tmp/cairnd.out" | head -n 1)
	vkey2=$(sed -n 's/^cairnd: note verifier key \(.*\)$/\1/p' "$tmp/cairnd.out" | head -n 1)
	[ "$logid2" = "$logid" ] && [ "$vkey2" = "$vkey" ]
	check $? "after a restart: same log ID and note key"
	stop_server TERM
	rc=$?
	[ "$rc" -eq 0 ]
	check $? "restarted cairnd exits 0 on SIGTERM (status $rc)"
else
	notok "cairnd restarts on its data dir"
	tail -n 30 "$tmp/cairnd.err" | indent
fi
if [ -s "$tmp/cairnd.err" ]; then
	echo "# cairnd stderr (last 15 lines):"
	tail -n 15 "$tmp/cairnd.err" | indent
fi

finish
