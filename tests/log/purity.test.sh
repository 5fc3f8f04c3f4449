#!/bin/sh
# The pure modules (merkle, tiles, note, keys, jcs, entry, codec, err) must not
# reach LMDB or libmicrohttpd: the verifier links them alone. Checks the
# undefined symbols of libcairn-core.a and, when built, what bin/cairn links.
set -u
build=${CAIRN_BUILD:-build}
bin=${CAIRN_BIN:-bin}
pass=0
fail=0
check() { # description, command...
	desc=$1
	shift
	if "$@"; then
		pass=$((pass + 1))
		echo "ok - $desc"
	else
		fail=$((fail + 1))
		echo "not ok - $desc"
	fi
}
lib="$build/libcairn-core.a"
check "libcairn-core.a exists" test -f "$lib"
bad=$(nm -u "$lib" 2>/dev/null | grep -E ' (mdb_|MHD_)' | sort -u)
[ -n "$bad" ] && echo "$bad" | sed 's/^/  undefined: /'
check "libcairn-core.a references no LMDB or libmicrohttpd symbol" test -z "$bad"
for m in merkle tiles note keys jcs entry codec err; do
	check "log/$m.o is in libcairn-core.a" sh -c "ar t '$lib' | grep -qx '$m.o'"
done
loglib="$build/libcairn-log.a"
check "the LMDB code lives in libcairn-log.a" sh -c "nm -u '$loglib' | grep -q ' mdb_txn_begin'"
if [ -x "$bin/cairn" ]; then
	linked=$(ldd "$bin/cairn" 2>/dev/null | grep -E 'liblmdb|libmicrohttpd')
	check "bin/cairn links neither liblmdb nor libmicrohttpd" test -z "$linked"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
