#!/bin/sh
# Builds every libFuzzer target (tests/fuzz/fuzz_*.c, and tests/*/fuzz_*.c that
# other parts of the tree keep beside their tests) with clang against the log/
# sources and runs each for SECONDS, starting from its committed seed corpus
# (corpus/<target>/ next to the target's source). Fails if any target finds a crash, a
# leak, undefined behaviour or a broken invariant; the input that did it is
# left in BUILD/artifacts/<target>/.
# Usage: tests/fuzz/run.sh [SECONDS]   (default 60; 0 only replays the seeds)
# Env: FUZZ_BUILD (default build-fuzz), FUZZ_CC (default clang), FUZZ_JOBS
# (targets run at once, default 1), FUZZ_TARGETS (names to run, default all),
# FUZZ_LOG_DIR (where the log/ sources are, default log: point it at a patched
# copy to keep fuzzing past a known bug).
set -u
secs=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
out=${FUZZ_BUILD:-build-fuzz}
logdir=${FUZZ_LOG_DIR:-log}
cc=${FUZZ_CC:-clang}
jobs=${FUZZ_JOBS:-1}
mkdir -p "$out/obj" "$out/bin" "$out/corpus" "$out/artifacts" "$out/logs"

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "fuzz: $cc not found (sh mk/deps.sh clang libclang-rt-14-dev)" >&2
	exit 1
fi
pcflags=$(pkg-config --cflags jansson libcrypto) || exit 1
pclibs=$(pkg-config --libs jansson libcrypto) || exit 1
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cflags="-g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -I$logdir $pcflags"

# The pure log modules, instrumented for coverage (no LMDB, no HTTP).
core=""
for m in err codec merkle tiles jcs keys note entry; do
	core="$core $logdir/$m.c"
done
objs=""
compile() { # source -> object path on stdout; rebuilds when the source is newer
	o="$out/obj/$(echo "$1" | tr / _).o"
	if [ ! -f "$o" ] || [ "$1" -nt "$o" ] || [ "$(find "$logdir" -name '*.h' -newer "$o" | head -1)" ]; then
		$cc $cflags $san -fsanitize=fuzzer-no-link -c "$1" -o "$o" || return 1
	fi
	echo "$o"
}
for s in $core; do
	o=$(compile "$s") || exit 1
	objs="$objs $o"
done

# name -> source: tests/fuzz/ first; a name must be unique across the tree.
src_of() {
	for d in tests/fuzz tests/*; do
		[ -f "$d/$1.c" ] && { echo "$d/$1.c"; return; }
	done
}
all=$(for t in tests/fuzz/fuzz_*.c tests/*/fuzz_*.c; do [ -f "$t" ] && basename "$t" .c; done | awk '!seen[$0]++')
targets=${FUZZ_TARGETS:-$all}
built=""
for name in $targets; do
	src=$(src_of "$name")
	if [ -z "$src" ]; then
		echo "fuzz: no target $name" >&2
		exit 1
	fi
	# A target may need more sources: a line "/* fuzz-extra: a.c b.c */",
	# and libraries: "/* fuzz-libs: -llmdb */".
	extra=$(sed -n 's|^/\* fuzz-extra: \(.*\) \*/$|\1|p' "$src")
	libs=$(sed -n 's|^/\* fuzz-libs: \(.*\) \*/$|\1|p' "$src")
	missing=""
	eobjs=""
	for e in $extra; do
		if [ ! -f "$e" ]; then
			missing="$missing $e"
			continue
		fi
		o=$(compile "$e") || exit 1
		eobjs="$eobjs $o"
	done
	if [ -n "$missing" ]; then
		echo "skip $name: missing$missing"
		continue
	fi
	$cc $cflags $san -fsanitize=fuzzer "$src" $objs $eobjs -o "$out/bin/$name" $libs $pclibs -lm || exit 1
	built="$built $name"
done

run_one() { # name
	name=$1
	corpus="$out/corpus/$name"
	mkdir -p "$corpus" "$out/artifacts/$name"
	home=$(dirname "$(src_of "$name")")
	seeds="$home/corpus/$name"
	[ -d "$seeds" ] || seeds=""
	# Regressions found in targets kept elsewhere live in tests/fuzz/corpus.
	if [ "$home" != tests/fuzz ] && [ -d "tests/fuzz/corpus/$name" ]; then
		seeds="$seeds tests/fuzz/corpus/$name"
	fi
	dict=""
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
	if [ "$secs" -eq 0 ]; then
		runargs="-runs=0"
	else
		runargs="-max_total_time=$secs"
	fi
	log="$out/logs/$name.log"
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		"$out/bin/$name" $runargs -timeout=20 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$out/artifacts/$name/" $dict "$corpus" $seeds >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	if [ "$rc" -eq 0 ]; then
		echo "ok   $name (${execs:-?} runs, ${cov:-cov: ?})"
	else
		echo "FAIL $name (exit $rc; log $log; artifacts $out/artifacts/$name/)"
		grep -E 'ERROR|invariant broken|runtime error|SUMMARY' "$log" | head -5 | sed 's/^/     /'
	fi
	return $rc
}

passed=0
failed=0
set -- $built
while [ $# -gt 0 ]; do
	pids=""
	i=0
	names=""
	while [ $# -gt 0 ] && [ "$i" -lt "$jobs" ]; do
		run_one "$1" >"$out/logs/$1.status" &
		pids="$pids $!"
		names="$names $1"
		shift
		i=$((i + 1))
	done
	for p in $pids; do
		wait "$p"
	done
	for n in $names; do
		cat "$out/logs/$n.status"
		if grep -q '^ok ' "$out/logs/$n.status"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
