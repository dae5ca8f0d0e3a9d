#!/bin/sh
# Build the libFuzzer targets tests/fuzz/fuzz_*.c with clang, AddressSanitizer
# and UndefinedBehaviorSanitizer.
#
# usage: tests/fuzz/build.sh
#   FUZZ_BUILDDIR  where to build (default: <top>/_build-fuzz)
#   FUZZ_CC        compiler with libFuzzer (default: clang)
#
# The whole library is compiled again with the fuzzer coverage and sanitizer
# flags, in a build of its own, so the ordinary gcc build (in-tree or not)
# is never touched.  configure refuses an out-of-tree build of a source tree
# that is configured in place, and make would pick up that tree's objects
# through VPATH, so the build reads the sources through a tree of symbolic
# links that leaves every build product out.  Only make's usual timestamp
# checks decide what is rebuilt: running this again is cheap.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILDDIR:-$top/_build-fuzz}
cc=${FUZZ_CC:-clang}
san='-fsanitize=address,undefined -fno-sanitize-recover=undefined'
cflags="-g -O1 -fno-omit-frame-pointer $san"
jobs=$(nproc 2>/dev/null || echo 2)

if [ ! -x "$top/configure" ]; then
	echo "build.sh: $top/configure is missing: run autoreconf -fi first" >&2
	exit 1
fi
if ! command -v "$cc" >/dev/null 2>&1; then
	echo "build.sh: $cc not found (install clang and libclang-rt-dev)" >&2
	exit 1
fi

mkdir -p "$build"
build=$(cd "$build" && pwd)
shadow=$build/src
obj=$build/obj
bin=$build/bin

# Source tree as symbolic links, without objects, libraries, configure
# results or other build directories.
rm -rf "$shadow"
mkdir -p "$shadow" "$obj" "$bin"
(
	cd "$top"
	find . \( -name .git -o -name autom4te.cache -o -name .deps \
	    -o -path './_build*' -o -path "./${build#"$top"/}" \) -prune -o \
	    \( -type f -o -type l \) \
	    ! -name '*.o' ! -name '*.a' ! -name .dirstamp ! -name '*.trs' \
	    ! -name '*.log' ! -name config.status ! -name stamp-h1 \
	    ! -path ./config.h ! -path ./Makefile -print
) | while IFS= read -r f; do
	d=$(dirname "$f")
	[ -d "$shadow/$d" ] || mkdir -p "$shadow/$d"
	ln -s "$top/$f" "$shadow/$f"
done

# Configure once per set of flags.
want="CC=$cc CFLAGS=$cflags -fsanitize=fuzzer-no-link"
if [ ! -f "$obj/config.status" ] || [ ! -f "$obj/fuzz-flags" ] ||
    [ "$(cat "$obj/fuzz-flags")" != "$want" ]; then
	echo "build.sh: configuring $obj"
	rm -f "$obj/fuzz-flags"
	(cd "$obj" && "$shadow/configure" -q CC="$cc" \
	    CFLAGS="$cflags -fsanitize=fuzzer-no-link")
	echo "$want" >"$obj/fuzz-flags"
fi
make -s -C "$obj" -j"$jobs" lib/libpkinitkdc.a kdc/libkdcd.a

# Flags configure found, read back from the generated Makefile.
mkvar() {
	sed -n "s/^$1 = //p" "$obj/Makefile" | head -n 1
}
warn=$(mkvar WARN_CFLAGS)
incs="-I$top/lib -I$top/kdc -I$top/tests/fuzz -I$obj $(mkvar OPENSSL_CFLAGS)"
libs="$obj/kdc/libkdcd.a $obj/lib/libpkinitkdc.a $(mkvar LDAP_LIBS)"
libs="$libs $(mkvar LIBEVENT_LIBS)"
libs="$libs $(mkvar OPENSSL_LIBS)"

# up_to_date OUT INPUT...: OUT exists and is newer than every INPUT.
up_to_date() {
	o=$1
	shift
	[ -x "$o" ] || return 1
	for i in "$@"; do
		[ -z "$(find "$i" -prune -newer "$o")" ] || return 1
	done
}

for src in "$top"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	out=$bin/$name
	if up_to_date "$out" "$src" "$obj/lib/libpkinitkdc.a" \
	    "$obj/kdc/libkdcd.a" "$top"/tests/fuzz/*.h; then
		continue
	fi
	echo "  CCLD     $name"
	# shellcheck disable=SC2086
	"$cc" $cflags -fsanitize=fuzzer $warn -Werror $incs -o "$out" "$src" \
	    $libs
done
