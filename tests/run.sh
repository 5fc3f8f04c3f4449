#!/bin/sh
# Runs every cmocka test binary under BUILD/tests and every script test
# (tests/*/*.test.sh), prints each one's result, and ends with the single line
# "N passed, N failed" summed over all of them. Exit status 1 if any failed.
# Usage: tests/run.sh BUILD BINDIR
set -u
build=${1:-build}
bindir=${2:-bin}
CAIRN_BIN=$(cd "$bindir" 2>/dev/null && pwd || echo "$bindir")
CAIRN_BUILD=$(cd "$build" && pwd)
export CAIRN_BIN CAIRN_BUILD
logdir="$build/test-logs"
rm -rf "$logdir"
mkdir -p "$logdir"
passed=0
failed=0

# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)...".
count() { # file pattern
	sed -n "s/^\[  $2  \] \([0-9][0-9]*\) test.*/\1/p" "$1" | awk '{s+=$1} END {print s+0}'
}

for t in $(find "$build/tests" -type f -perm -u+x 2>/dev/null | sort); do
	name=${t#"$build"/tests/}
	log="$logdir/$(echo "$name" | tr / _).log"
	"$t" >"$log" 2>&1
	rc=$?
	p=$(count "$log" PASSED)
	f=$(count "$log" FAILED)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed or failed outside cmocka's accounting
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -eq 0 ]; then
		echo "ok   $name ($p)"
	else
		echo "FAIL $name ($p passed, $f failed; log: $log)"
		grep -E '^\[  (FAILED|  ERROR) \]|^\[  ERROR   \]|Error|error:|ERROR|failure' "$log" | head -20 | sed 's/^/     /'
	fi
done

# Script tests end with their own "N passed, N failed" line.
for s in $(find tests -name '*.test.sh' | sort); do
	log="$logdir/$(echo "$s" | tr / _).log"
	sh "$s" >"$log" 2>&1
	rc=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -eq 0 ]; then
		echo "ok   $s ($p)"
	else
		echo "FAIL $s ($p passed, $f failed; log: $log)"
		grep -E 'FAIL|not ok|Error' "$log" | head -20 | sed 's/^/     /'
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
