#!/bin/sh
# The cairn CLI against a real cairnd: keys, blob signing and verification
# (both ways with sigstore-js), OCI image signing and verification with every
# tampering the verifier must catch, the Rekor API commands, and the monitor
# (growth, watched keys, a corrupt state file, a forked log).
#
# Run from the repository root (tests/run.sh does) with CAIRN_BIN=<dir with
# cairn and cairnd>. Needs node >= 20 and the sigstore-js packages that
# tests/interop installs (tests/interop/node_modules). Ends with the single
# line "N passed, M failed".
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${CAIRN_BIN:-$root/bin}
cairn=$bin/cairn
cairnd=$bin/cairnd

# Under ASan/UBSan (make asan) a sanitizer report must never pass for an
# expected exit 1: give it its own status, and look for reports below.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=97
export ASAN_OPTIONS

passed=0
failed=0
pids=""
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cairn-cli.XXXXXX") || {
	echo "not ok - cli: mktemp"
	echo "0 passed, 1 failed"
	exit 1
}

# shellcheck disable=SC2317 # run by the trap
cleanup() {
	for p in $pids; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ok() {
	passed=$((passed + 1))
	echo "ok - cli: $*"
}
notok() {
	failed=$((failed + 1))
	echo "not ok - cli: $*"
}
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ] && exit 0
	exit 1
}
indent() { sed 's/^/    /'; }

# expect WANT_RC PATTERN DESCRIPTION -- command...
# Runs the command; passes when it exits WANT_RC and, if PATTERN is not empty,
# its output (stdout and stderr) matches PATTERN (grep -E).
expect() {
	want=$1
	pat=$2
	desc=$3
	shift 4
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	cat "$tmp/out" "$tmp/err" >"$tmp/all"
	if [ "$rc" -eq "$want" ] && { [ -z "$pat" ] || grep -Eq -- "$pat" "$tmp/all"; } &&
		! grep -Eq 'Sanitizer|runtime error:' "$tmp/all"; then
		ok "$desc"
		return 0
	fi
	notok "$desc (exit $rc, want $want${pat:+, output matching /$pat/})"
	indent <"$tmp/all" | head -n 30
	return 1
}

# check STATUS DESCRIPTION
check() {
	if [ "$1" -eq 0 ]; then
		ok "$2"
	else
		notok "$2"
	fi
}

# start_server DIR OUT -> spid, surl
start_server() {
	: >"$2"
	"$cairnd" --listen 127.0.0.1:0 --data "$1" --name 127.0.0.1 >>"$2" 2>&1 &
	spid=$!
	pids="$pids $spid"
	surl=""
	i=0
	while [ $i -lt 200 ]; do
		surl=$(sed -n 's/^cairnd: serving \(http:\/\/[^ ]*\).*$/\1/p' "$2" | head -n 1)
		if [ -n "$surl" ] && "$cairn" loginfo --log "$surl" >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	echo "# cairnd output:"
	indent <"$2"
	return 1
}

stop_server() { # pid
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# Prerequisites ----------------------------------------------------------------

if [ ! -x "$cairn" ] || [ ! -x "$cairnd" ]; then
	notok "no cairn or cairnd in $bin (build with make, or set CAIRN_BIN)"
	finish
fi
have_node=1
if ! command -v node >/dev/null 2>&1; then
	notok "node is not installed (need node >= 20)"
	have_node=0
elif [ ! -d "$here/../interop/node_modules/@sigstore/verify" ]; then
	notok "sigstore-js is not installed in tests/interop/node_modules (tests/interop/interop.test.sh runs npm ci)"
	have_node=0
fi
# shellcheck disable=SC2317 # called through expect
layout() { node "$here/oci_layout.mjs" "$@"; }
# shellcheck disable=SC2317
sjs() { node "$here/sigstore_roundtrip.mjs" "$@"; }

A=$tmp/a
if ! start_server "$A" "$tmp/a.out"; then
	notok "cairnd starts"
	finish
fi
apid=$spid
url=$surl
ok "cairnd serves $url"
logpub=$A/log.pub
cd "$tmp" || exit 1

# Help and usage -----------------------------------------------------------------

for c in keygen sign-blob verify-blob sign-image verify-image upload get search loginfo monitor; do
	"$cairn" "$c" --help >"$tmp/out" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] && grep -q "^usage: cairn $c" "$tmp/out"
	check $? "cairn $c --help prints its usage and exits 0"
done
expect 0 "^usage: cairn <command>" "cairn --help" -- "$cairn" --help
expect 2 "unknown command" "an unknown command is a usage error (2)" -- "$cairn" frobnicate
expect 2 "missing --key" "a missing flag is a usage error (2)" -- "$cairn" verify-blob x
expect 2 "unknown option --bogus" "an unknown option is a usage error (2)" -- "$cairn" loginfo --bogus --log "$url"
"$cairn" verify-blob --key nosuch.pub --log-key nosuch.pub x >"$tmp/out" 2>&1
rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ]
check $? "a missing key file is one line of error and exit 2"
expect 2 "cannot reach" "an unreachable log is one line and exit 2" -- "$cairn" loginfo --log http://127.0.0.1:1

# Keys ---------------------------------------------------------------------------

expect 0 "Public key written" "keygen writes a key pair" -- "$cairn" keygen alice
[ "$(stat -c %a alice.key)" = 600 ] && grep -q "BEGIN PRIVATE KEY" alice.key && grep -q "BEGIN PUBLIC KEY" alice.pub
check $? "keygen: alice.key is PKCS#8 PEM with mode 0600, alice.pub an SPKI PEM"
expect 2 "exists; not overwriting" "keygen never overwrites a key" -- "$cairn" keygen alice
expect 0 "" "keygen --type ed25519" -- "$cairn" keygen --type ed25519 edkey
"$cairn" keygen mallory >/dev/null && "$cairn" keygen fakelog >/dev/null
check $? "keygen: a second signer and a key that is not the log's"
chmod 644 mallory.key
expect 2 "chmod 600" "a private key readable by others is refused" -- "$cairn" sign-blob --key mallory.key --log "$url" alice.pub
chmod 600 mallory.key

# Blobs --------------------------------------------------------------------------

printf 'cairn blob %s\n' "$(date +%s%N)" >blob.txt
expect 0 "Wrote bundle to blob.txt.sigstore.json" "sign-blob logs the file and writes a bundle" -- \
	"$cairn" sign-blob --key alice.key --log "$url" --log-key "$logpub" blob.txt
expect 0 "Verified OK" "verify-blob offline" -- "$cairn" verify-blob --key alice.pub --log-key "$logpub" blob.txt
expect 0 "online: the log's checkpoint .* is consistent" "verify-blob online (inclusion + consistency)" -- \
	"$cairn" verify-blob --key alice.pub --log-key "$logpub" --log "$url" blob.txt
cp blob.txt blob2.txt && echo x >>blob2.txt
expect 1 "verification failed: artifact:" "verify-blob: another file is refused (1)" -- \
	"$cairn" verify-blob --key alice.pub --log-key "$logpub" --bundle blob.txt.sigstore.json blob2.txt
expect 1 "verification failed: signature:" "verify-blob: the wrong signer key is refused (1)" -- \
	"$cairn" verify-blob --key mallory.pub --log-key "$logpub" blob.txt
expect 1 "verification failed: log key:" "verify-blob: the wrong log key is refused (1)" -- \
	"$cairn" verify-blob --key alice.pub --log-key fakelog.pub blob.txt
expect 2 "only ECDSA keys" "sign-blob: an Ed25519 key is refused with a reason (2)" -- \
	"$cairn" sign-blob --key edkey.key --log "$url" blob.txt

tamper() { # file js-expression-on-te-and-j
	node -e '
		const fs = require("fs");
		const j = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
		const te = j.verificationMaterial.tlogEntries[0];
		const flip = (s, at) => { const b = Buffer.from(s, "base64"); b[at % b.length] ^= 1; return b.toString("base64"); };
		eval(process.argv[2]);
		fs.writeFileSync(process.argv[1], JSON.stringify(j));' "$@"
}
if [ "$have_node" = 1 ]; then
	cp blob.txt.sigstore.json t1.json && tamper t1.json 'te.inclusionPromise.signedEntryTimestamp = flip(te.inclusionPromise.signedEntryTimestamp, 9)'
	expect 1 "verification failed: SET:" "verify-blob: a tampered SET is refused (1)" -- \
		"$cairn" verify-blob --key alice.pub --log-key "$logpub" --bundle t1.json blob.txt
	cp blob.txt.sigstore.json t2.json && tamper t2.json 'te.logIndex = String(Number(te.logIndex) + 1)'
	expect 1 "verification failed: SET:" "verify-blob: a tampered logIndex is refused (1)" -- \
		"$cairn" verify-blob --key alice.pub --log-key "$logpub" --bundle t2.json blob.txt
	cp blob.txt.sigstore.json t3.json && tamper t3.json 'delete te.inclusionPromise; te.inclusionProof.hashes.push(Buffer.alloc(32, 7).toString("base64"))'
	expect 1 "verification failed: inclusion proof:" "verify-blob: a tampered inclusion proof is refused (1)" -- \
		"$cairn" verify-blob --key alice.pub --log-key "$logpub" --bundle t3.json blob.txt
	# shellcheck disable=SC2016 # JavaScript, not shell
	cp blob.txt.sigstore.json t4.json && tamper t4.json 'te.inclusionProof.checkpoint.envelope = te.inclusionProof.checkpoint.envelope.replace(/\n(\d+)\n/, (m, n) => `\n${Number(n) + 1}\n`)'
	expect 1 "verification failed: checkpoint:" "verify-blob: a tampered checkpoint is refused (1)" -- \
		"$cairn" verify-blob --key alice.pub --log-key "$logpub" --bundle t4.json blob.txt

	# sigstore-js <-> cairn
	expect 0 "@sigstore/verify accepts" "sigstore-js verifies a bundle made by cairn sign-blob" -- \
		sjs verify "$url" blob.txt blob.txt.sigstore.json alice.pub
	expect 1 "" "sigstore-js refuses the cairn bundle with a tampered SET" -- \
		sjs verify "$url" blob.txt t1.json alice.pub
	printf 'made by sigstore-js %s\n' "$(date +%s%N)" >js.txt
	expect 0 "@sigstore/sign wrote" "sigstore-js signs a blob against cairnd" -- sjs sign "$url" js.txt alice.key js.json
	expect 0 "Verified OK" "cairn verify-blob accepts the sigstore-js bundle offline" -- \
		"$cairn" verify-blob --key alice.pub --log-key "$logpub" --bundle js.json js.txt
	expect 0 "Verified OK" "cairn verify-blob accepts the sigstore-js bundle online" -- \
		"$cairn" verify-blob --key alice.pub --log-key "$logpub" --bundle js.json --log "$url" js.txt
	expect 1 "verification failed: signature:" "cairn refuses the sigstore-js bundle with another signer key" -- \
		"$cairn" verify-blob --key mallory.pub --log-key "$logpub" --bundle js.json js.txt
fi

# Images -------------------------------------------------------------------------

if [ "$have_node" = 1 ]; then
	layout make L >digests || notok "build an OCI layout"
	ha=$(sed -n 1p digests)
	hb=$(sed -n 2p digests)
	expect 0 "Pushing signature to: oci:L:sha256-$ha.sig" "sign-image signs oci:L (tag latest)" -- \
		"$cairn" sign-image --key alice.key --log "$url" --log-key "$logpub" oci:L
	grep -q "\"sha256-$ha.sig\"" L/index.json
	check $? "sign-image: index.json tags the signature manifest sha256-<hex>.sig"
	for v in L/blobs/sha256/*; do
		[ "$(sha256sum "$v" | cut -d' ' -f1)" = "$(basename "$v")" ] || false
	done
	check $? "sign-image: every blob under blobs/sha256 matches its name"
	expect 0 "docker-manifest-digest\":\"sha256:$ha" "verify-image offline passes and prints the payload" -- \
		"$cairn" verify-image --key alice.pub --log-key "$logpub" oci:L
	expect 0 "online: the log serves the entry" "verify-image online passes" -- \
		"$cairn" verify-image --key alice.pub --log-key "$logpub" --log "$url" oci:L:latest
	expect 1 "verification failed: signatures: no signature manifest" "verify-image: an unsigned tag fails (1)" -- \
		"$cairn" verify-image --key alice.pub --log-key "$logpub" oci:L:other

	cp -a L L1 && layout retag L1 latest "$hb"
	expect 1 "verification failed: signatures: no signature manifest tagged sha256-$hb" \
		"verify-image: the tag moved to another manifest (1)" -- \
		"$cairn" verify-image --key alice.pub --log-key "$logpub" oci:L1
	cp -a L L2 && layout retag L2 latest "$hb" && layout copy-sig L2 "$ha" "$hb"
	expect 1 "verification failed: payload: it names sha256:$ha" \
		"verify-image: the tag moved and the signature copied along (1)" -- \
		"$cairn" verify-image --key alice.pub --log-key "$logpub" oci:L2
	expect 1 "verification failed: signature:" "verify-image: the wrong signer key (1)" -- \
		"$cairn" verify-image --key mallory.pub --log-key "$logpub" oci:L
	expect 1 "verification failed: log key:" "verify-image: the wrong log key (1)" -- \
		"$cairn" verify-image --key alice.pub --log-key fakelog.pub oci:L
	cp -a L L3 && layout sig-annotation L3 "$ha"
	expect 1 "verification failed: signature:" "verify-image: an altered signature annotation (1)" -- \
		"$cairn" verify-image --key alice.pub --log-key "$logpub" oci:L3
	cp -a L L4 && layout set L4 "$ha"
	expect 1 "verification failed: SET:" "verify-image: an altered SET (1)" -- \
		"$cairn" verify-image --key alice.pub --log-key "$logpub" oci:L4
	cp -a L L5 && layout log-index L5 "$ha"
	expect 1 "verification failed: SET:" "verify-image: an altered logIndex in the bundle (1)" -- \
		"$cairn" verify-image --key alice.pub --log-key "$logpub" oci:L5
	cp -a L L6 && layout payload L6 "$ha"
	expect 1 "verification failed: signature manifest: payload of layer 0: blob .* does not match its digest" \
		"verify-image: an altered payload blob (1)" -- \
		"$cairn" verify-image --key alice.pub --log-key "$logpub" oci:L6

	expect 0 "" "sign-image: a second signer adds a signature to the same manifest" -- \
		"$cairn" sign-image --key mallory.key --log "$url" oci:L
	expect 0 "signature 1:" "verify-image: the second signer's signature verifies" -- \
		"$cairn" verify-image --key mallory.pub --log-key "$logpub" oci:L
	expect 0 "signature 0:" "verify-image: the first signer's signature still verifies" -- \
		"$cairn" verify-image --key alice.pub --log-key "$logpub" oci:L

	expect 0 "Wrote bundle to img.bundle" "sign-image sha256:<hex> writes payload, signature and bundle" -- \
		"$cairn" sign-image --key alice.key --log "$url" --payload img.payload --signature img.sig \
		--bundle img.bundle "sha256:$ha"
	expect 0 "inclusion proof was verified" "verify-image sha256:<hex> offline" -- \
		"$cairn" verify-image --key alice.pub --log-key "$logpub" --payload img.payload --signature img.sig \
		--bundle img.bundle "sha256:$ha"
	expect 0 "online: the log's checkpoint .* is consistent" "verify-image sha256:<hex> online" -- \
		"$cairn" verify-image --key alice.pub --log-key "$logpub" --log "$url" --payload img.payload \
		--bundle img.bundle "sha256:$ha"
	expect 1 "verification failed: payload:" "verify-image sha256:<hex>: the payload names another image (1)" -- \
		"$cairn" verify-image --key alice.pub --log-key "$logpub" --payload img.payload --bundle img.bundle "sha256:$hb"
	expect 0 "@sigstore/verify accepts" "sigstore-js verifies the image payload bundle" -- \
		sjs verify "$url" img.payload img.bundle alice.pub
fi

# Rekor API commands ---------------------------------------------------------------

printf 'uploaded %s\n' "$(date +%s%N)" >up.txt
if [ "$have_node" = 1 ]; then
	node -e 'const c = require("crypto"), fs = require("fs");
		fs.writeFileSync(process.argv[3], c.sign("sha256", fs.readFileSync(process.argv[1]), c.createPrivateKey(fs.readFileSync(process.argv[2]))).toString("base64") + "\n");' \
		up.txt alice.key up.sig
	expect 0 "Created entry at index" "upload --artifact logs a signature" -- \
		"$cairn" upload --log "$url" --artifact up.txt --signature up.sig --public-key alice.pub --log-key "$logpub"
	uuid=$(sed -n 's/.*entries\/\([0-9a-f]*\)$/\1/p' "$tmp/out")
	expect 0 "already exists" "upload of the same entry finds the existing one" -- \
		"$cairn" upload --log "$url" --artifact up.txt --signature up.sig --public-key alice.pub
	dg=$(sha256sum up.txt | cut -d' ' -f1)
	expect 0 "already exists" "upload --digest sha256:<hex>" -- \
		"$cairn" upload --log "$url" --digest "sha256:$dg" --signature up.sig --public-key alice.pub
	expect 1 "verification failed" "upload with a key that did not sign is refused locally (1)" -- \
		"$cairn" upload --log "$url" --artifact up.txt --signature up.sig --public-key mallory.pub
	expect 0 "UUID: $uuid" "get --uuid" -- "$cairn" get --log "$url" --uuid "$uuid"
	idx=$(sed -n 's/^Index: //p' "$tmp/out")
	expect 0 "Verified: the SET and the inclusion proof" "get --log-index with --log-key verifies the entry" -- \
		"$cairn" get --log "$url" --log-index "$idx" --log-key "$logpub"
	expect 1 "verification failed: log key:" "get with the wrong log key (1)" -- \
		"$cairn" get --log "$url" --log-index "$idx" --log-key fakelog.pub
	expect 2 "HTTP 404" "get of a missing entry is one line and exit 2" -- \
		"$cairn" get --log "$url" --log-index 999999
	expect 0 "$uuid" "search --artifact" -- "$cairn" search --log "$url" --artifact up.txt
	expect 0 "$uuid" "search --sha" -- "$cairn" search --log "$url" --sha "sha256:$dg"
	expect 0 "$uuid" "search --public-key" -- "$cairn" search --log "$url" --public-key alice.pub
fi
expect 0 "Checkpoint: verified" "loginfo --log-key verifies the checkpoint" -- "$cairn" loginfo --log "$url" --log-key "$logpub"
expect 1 "verification failed: checkpoint:" "loginfo with the wrong log key (1)" -- \
	"$cairn" loginfo --log "$url" --log-key fakelog.pub

# Monitor --------------------------------------------------------------------------

expect 0 "first run" "monitor: the first run stores the verified checkpoint" -- \
	"$cairn" monitor --log "$url" --log-key "$logpub" --state st --once
[ -s st ] && grep -q "^127.0.0.1 - " st
check $? "monitor: the state file holds the checkpoint"
printf 'watched %s\n' "$(date +%s%N)" >w.txt
"$cairn" sign-blob --key alice.key --log "$url" w.txt >/dev/null 2>&1
"$cairn" sign-blob --key mallory.key --log "$url" --bundle w2.json w.txt >/dev/null 2>&1
expect 0 "2 new entries" "monitor: growth passes" -- \
	"$cairn" monitor --log "$url" --log-key "$logpub" --state st --once --watch-key alice.pub
grep -q "made with watched key alice.pub: hashedrekord over sha256:$(sha256sum w.txt | cut -d' ' -f1)" "$tmp/all" &&
	[ "$(grep -c 'watched key' "$tmp/all")" -eq 1 ]
check $? "monitor: reports the one new entry made with the watched key"
expect 0 "0 new entries" "monitor: no growth passes" -- "$cairn" monitor --log "$url" --log-key "$logpub" --state st --once
expect 1 "verification failed: latest checkpoint:" "monitor: the wrong log key (1)" -- \
	"$cairn" monitor --log "$url" --log-key fakelog.pub --state st --once
head -c 40 st >bad1 && cp bad1 bad1.orig
expect 2 "refusing to replace it" "monitor: a truncated state file is an error (2)" -- \
	"$cairn" monitor --log "$url" --log-key "$logpub" --state bad1 --once
cmp -s bad1 bad1.orig
check $? "monitor: the truncated state file is left as it was"
sed 's/^\([0-9]\)/9\1/' st >bad2 && cp bad2 bad2.orig
expect 2 "refusing to replace it" "monitor: a state file with an altered size is an error (2)" -- \
	"$cairn" monitor --log "$url" --log-key "$logpub" --state bad2 --once
cmp -s bad2 bad2.orig
check $? "monitor: the altered state file is left as it was"
"$cairn" monitor --log "$url" --log-key "$logpub" --state loop --interval 1 >"$tmp/loop.out" 2>&1 &
lpid=$!
pids="$pids $lpid"
sleep 1.5
kill -TERM "$lpid"
wait "$lpid"
rc=$?
[ "$rc" -eq 0 ] && [ -s loop ]
check $? "monitor: the loop runs rounds and exits 0 on SIGTERM (status $rc)"

# The fork: a copy of the data dir, served under the same keys, that then takes
# different entries.
stop_server "$apid"
B=$tmp/b
cp -a "$A" "$B"
if start_server "$A" "$tmp/a2.out"; then
	apid=$spid
	url=$surl
else
	notok "cairnd restarts on its data dir"
	finish
fi
if start_server "$B" "$tmp/b.out"; then
	bpid=$spid
	burl=$surl
else
	notok "a second cairnd starts on the copy"
	finish
fi
ok "a fork: two cairnd on copies of one data dir ($url, $burl)"
expect 0 "Verified OK" "verify-blob online against the fork, for an entry from before the fork" -- \
	"$cairn" verify-blob --key alice.pub --log-key "$logpub" --log "$burl" blob.txt
for i in 1 2; do
	printf 'only on A %s %s\n' "$i" "$(date +%s%N)" >"a$i.txt"
	"$cairn" sign-blob --key alice.key --log "$url" "a$i.txt" >/dev/null 2>&1
done
printf 'only on B 1 %s\n' "$(date +%s%N)" >b1.txt
"$cairn" sign-blob --key alice.key --log "$burl" b1.txt >/dev/null 2>&1
expect 0 "consistent with size" "monitor: the original log grew consistently" -- \
	"$cairn" monitor --log "$url" --log-key "$logpub" --state st --once
cp st st.orig
expect 3 "LOG INCONSISTENCY: consistency: the log shrank" "monitor: the fork is smaller: a rollback (3)" -- \
	"$cairn" monitor --log "$burl" --log-key "$logpub" --state st --once
[ "$(grep -c '^    — 127.0.0.1 ' "$tmp/all")" -eq 2 ] && grep -q "the checkpoint verified earlier" "$tmp/all" &&
	grep -q "serves now" "$tmp/all"
check $? "monitor: both checkpoints are printed"
printf 'only on B 2 %s\n' "$(date +%s%N)" >b2.txt
"$cairn" sign-blob --key alice.key --log "$burl" b2.txt >/dev/null 2>&1
expect 3 "LOG INCONSISTENCY: consistency: two different roots for the same tree size" \
	"monitor: the fork at the same size with another root (3)" -- \
	"$cairn" monitor --log "$burl" --log-key "$logpub" --state st --once
printf 'only on B 3 %s\n' "$(date +%s%N)" >b3.txt
"$cairn" sign-blob --key alice.key --log "$burl" b3.txt >/dev/null 2>&1
expect 3 "LOG INCONSISTENCY: .*not an extension" "monitor: the fork grown past the original (3)" -- \
	"$cairn" monitor --log "$burl" --log-key "$logpub" --state st --once
cmp -s st st.orig
check $? "monitor: the state file is untouched by the inconsistent rounds"
expect 3 "LOG INCONSISTENCY: online: the log promised entry" \
	"verify-blob online: the fork does not serve an entry the log promised (3)" -- \
	"$cairn" verify-blob --key alice.pub --log-key "$logpub" --log "$burl" a1.txt
expect 0 "consistent with size" "monitor: the original log is still consistent" -- \
	"$cairn" monitor --log "$url" --log-key "$logpub" --state st --once

stop_server "$apid"
stop_server "$bpid"
finish
