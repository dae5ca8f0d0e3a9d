#!/bin/sh
# Build the fuzz targets if needed and run each for a while over a copy of
# its seed corpus.
#
# usage: tests/fuzz/run.sh [seconds-per-target [target...]]
#   seconds-per-target  default 60
#   target              e.g. fuzz_keytab; default every tests/fuzz/fuzz_*.c
#   FUZZ_BUILDDIR       build directory (default: <top>/_build-fuzz)
#   FUZZ_ARTIFACTS      where crashing inputs are kept
#                       (default: $FUZZ_BUILDDIR/artifacts)
#
# The committed corpus is never written: each target works on a copy in a
# temporary directory that is removed afterwards.  Exit status: 0 when no
# target found anything, 1 when one crashed, leaked, timed out or ran out
# of memory (the input is kept under FUZZ_ARTIFACTS), 2 on build errors.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
case $secs in
''|*[!0-9]*)
	echo "usage: $0 [seconds-per-target [target...]]" >&2
	exit 2
	;;
esac

FUZZ_BUILDDIR=${FUZZ_BUILDDIR:-$top/_build-fuzz}
export FUZZ_BUILDDIR
sh "$top/tests/fuzz/build.sh" || exit 2
build=$(cd "$FUZZ_BUILDDIR" && pwd)
artifacts=${FUZZ_ARTIFACTS:-$build/artifacts}
mkdir -p "$artifacts" || exit 2

if [ $# -eq 0 ]; then
	for src in "$top"/tests/fuzz/fuzz_*.c; do
		set -- "$@" "$(basename "$src" .c)"
	done
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pkinit-kdc-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

failed=0
n_ok=0
n_bad=0
for t in "$@"; do
	exe=$build/bin/$t
	if [ ! -x "$exe" ]; then
		echo "$t: no such target" >&2
		failed=1
		continue
	fi
	mkdir -p "$work/$t/corpus" "$work/$t/out"
	if [ -d "$top/tests/fuzz/corpus/$t" ]; then
		cp "$top/tests/fuzz/corpus/$t"/* "$work/$t/corpus/" 2>/dev/null
	fi
	seeds=$(ls "$work/$t/corpus" | wc -l)
	# -timeout: one input taking seconds is a denial of service on a KDC.
	"$exe" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 \
	    -timeout=10 -print_final_stats=1 \
	    -artifact_prefix="$work/$t/out/" \
	    "$work/$t/corpus" >"$work/$t/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
	    "$work/$t/log" | tail -n 1)
	found=$(ls "$work/$t/out")
	if [ $rc -eq 0 ] && [ -z "$found" ]; then
		printf '%-22s %10s execs in %ss, %s seeds -> %s inputs, ' \
		    "$t" "${execs:-?}" "$secs" "$seeds" \
		    "$(ls "$work/$t/corpus" | wc -l)"
		echo "no crash"
		n_ok=$((n_ok + 1))
		continue
	fi
	failed=1
	n_bad=$((n_bad + 1))
	printf '%-22s %10s execs in %ss: CRASH (exit %s)\n' "$t" \
	    "${execs:-?}" "$secs" "$rc"
	for f in $found; do
		cp "$work/$t/out/$f" "$artifacts/$t-$f"
		echo "    input kept as $artifacts/$t-$f"
	done
	cp "$work/$t/log" "$artifacts/$t.log"
	echo "    log kept as $artifacts/$t.log; the report:"
	awk '/ERROR|invariant failed|Timeout|out-of-memory/ { on = 1 }
	    on && n < 30 { print "    " $0; n++ }
	    /^SUMMARY:/ && n >= 30 { print "    " $0 }' "$work/$t/log"
done
echo "fuzz: $n_ok passed, $n_bad failed"
exit $failed
