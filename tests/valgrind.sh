#!/bin/sh
# Runs the unit tests (the cmocka binaries under BUILD/tests/log and
# BUILD/tests/verifier) under valgrind memcheck: any memory error or any
# definite or indirect leak fails the binary. Ends with "N passed, N failed"
# (one count per binary). Usage: tests/valgrind.sh [BUILD]
set -u
build=${1:-build}
if ! command -v valgrind >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind >/dev/null || exit 1
	else
		echo "valgrind: not installed (apt-get install valgrind)" >&2
		exit 1
	fi
fi
logdir="$build/valgrind-logs"
mkdir -p "$logdir"
passed=0
failed=0
for t in $(find "$build/tests/log" "$build/tests/verifier" -type f -perm -u+x 2>/dev/null | sort); do
	name=$(basename "$t")
	log="$logdir/$name.log"
	valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect --error-exitcode=99 "$t" >"$log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok   valgrind $name"
	else
		failed=$((failed + 1))
		echo "FAIL valgrind $name (exit $rc; log: $log)"
		grep -E '==[0-9]+==|FAILED|ERROR' "$log" | head -20 | sed 's/^/     /'
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
