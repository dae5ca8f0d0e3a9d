#!/bin/sh
# valgrind.sh [BUILDDIR] [TEST...] - run integration tests with every
# daemon they start (kdc_start in lib.sh) under valgrind memcheck.
#
# A test fails when valgrind reports an invalid access, a use of
# uninitialised memory or a definite leak (--errors-for-leak-kinds=
# definite; "still reachable" and "possibly lost" memory at exit, such as
# OpenSSL's and libldap's global tables, is not an error).  Logs are
# $TEST_TMP/valgrind.PID.log, checked by lib.sh once the daemon stopped.
#
# BUILDDIR defaults to ./_build (a normal, not a sanitizer, build); TESTS
# default to every tests/integration/test_*.sh.  Timing bounds of the
# tests are relaxed (valgrind slows the daemon twenty-fold or so).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/_build}
[ $# -gt 0 ] && shift
build=$(cd "$build" && pwd) || exit 2

command -v valgrind >/dev/null 2>&1 || { echo "valgrind not installed"; exit 77; }
[ -x "$build/kdc/pkinit-kdc" ] || { echo "$build/kdc/pkinit-kdc not built"; exit 2; }
if ldd "$build/kdc/pkinit-kdc" | grep -q libasan; then
	echo "$build is a sanitizer build; valgrind needs a plain one"
	exit 2
fi

if [ $# -eq 0 ]; then
	set -- "$here"/tests/integration/test_*.sh
fi

# %p: one log per process, so a test with several daemons gets several.
KDC_WRAPPER="valgrind --tool=memcheck --leak-check=full \
--errors-for-leak-kinds=definite --show-leak-kinds=definite \
--track-origins=yes --error-exitcode=99 --num-callers=30 \
--log-file=@TEST_TMP@/valgrind.%p.log"
KDC_START_WAIT=60
HOSTILE_MAX_MS=${HOSTILE_MAX_MS:-15000}
HOSTILE_MAX_RSS_MB=${HOSTILE_MAX_RSS_MB:-600}
FAILOVER_LOOP=${FAILOVER_LOOP:-40}
top_srcdir=$here
top_builddir=$build
export KDC_START_WAIT HOSTILE_MAX_MS HOSTILE_MAX_RSS_MB FAILOVER_LOOP \
    top_srcdir top_builddir

failed=0
for t in "$@"; do
	[ -f "$t" ] || t=$here/$t
	name=$(basename "$t")
	start=$(date +%s)
	# The wrapper names @TEST_TMP@, known only inside the test: lib.sh
	# fills it in when it starts the daemon.
	KDC_WRAPPER=$KDC_WRAPPER sh "$t" >"$build/valgrind-$name.log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	case $rc in
	0) echo "PASS: $name (${secs}s)" ;;
	77) echo "SKIP: $name" ;;
	*) echo "FAIL: $name (${secs}s; see $build/valgrind-$name.log)"
	   grep -E '^FAIL' "$build/valgrind-$name.log" | head -n 20
	   failed=1 ;;
	esac
done
exit $failed
