# lib.sh - shared helpers for the integration tests (source it).
#
# Each test prints "PASS: ..." / "FAIL: ..." lines and ends with
# test_finish, which exits 1 if anything failed.  Exit status 77 (automake
# "skip") is used only when a required tool is missing.  Everything runs
# in a private temporary directory on loopback addresses with free ports;
# every process a test starts is stopped by the EXIT trap.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir

KDC_BIN="$top_builddir/kdc/pkinit-kdc"
PROBE="$top_srcdir/tests/integration/kdcprobe.py"
TESTS_PASSED=0
TESTS_FAILED=0
TEST_PIDS=""

pass() {
	echo "PASS: $*"
	TESTS_PASSED=$((TESTS_PASSED + 1))
}

fail() {
	echo "FAIL: $*"
	TESTS_FAILED=$((TESTS_FAILED + 1))
}

skip_all() {
	echo "SKIP: $*"
	exit 77
}

require_cmd() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
	done
}

# expect_match DESCRIPTION TEXT EXTENDED-REGEX
expect_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		pass "$1"
	else
		fail "$1 (wanted /$3/, got: $(printf '%s' "$2" | head -c 300))"
	fi
}

# expect_no_match DESCRIPTION TEXT EXTENDED-REGEX
expect_no_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		fail "$1 (unexpected /$3/ in: $(printf '%s' "$2" | head -c 300))"
	else
		pass "$1"
	fi
}

# Remember a background process so the EXIT trap stops it.
track_pid() {
	TEST_PIDS="$TEST_PIDS $1"
}

test_cleanup() {
	for p in $TEST_PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $TEST_PIDS; do
		wait "$p" 2>/dev/null
	done
	if [ -n "${TEST_TMP:-}" ] && [ -d "$TEST_TMP" ]; then
		if [ "$TESTS_FAILED" -gt 0 ] || [ -n "${KEEP_TMP:-}" ]; then
			echo "# test files kept in $TEST_TMP"
		else
			rm -rf "$TEST_TMP"
		fi
	fi
}

test_init() {
	require_cmd python3
	[ -x "$KDC_BIN" ] || skip_all "$KDC_BIN not built"
	TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pkinit-kdc-test.XXXXXX") || exit 1
	trap test_cleanup EXIT
	trap 'exit 1' INT TERM
}

test_finish() {
	echo "# $TESTS_PASSED passed, $TESTS_FAILED failed"
	[ "$TESTS_FAILED" -eq 0 ] || exit 1
	exit 0
}

# Foreground use only: start background clients as `python3 "$PROBE" ... &`
# so that $! is the client itself and the EXIT trap can stop it.
probe() {
	python3 "$PROBE" "$@"
}

# A port free for UDP and TCP on 127.0.0.1 and ::1.
free_port() {
	probe freeport
}

# realm_files: the key and certificate files a realm block needs (the
# daemon loads them at start): the test PKI and the test krbtgt keytab.
realm_files() {
	[ -f "$TEST_TMP/pki/.complete" ] ||
		sh "$top_srcdir/tests/integration/pki.sh" "$TEST_TMP/pki" EXAMPLE.TEST \
		    >"$TEST_TMP/pki.log" 2>&1 || return 1
	[ -f "$TEST_TMP/krbtgt.keytab" ] ||
		cp "$top_srcdir/tests/data/keytab/example.keytab" "$TEST_TMP/krbtgt.keytab"
}

# write_conf FILE PORT [EXTRA kdcdefaults LINES...]
write_conf() {
	f=$1
	port=$2
	shift 2
	realm_files || fail "test PKI generation ($TEST_TMP/pki.log)"
	{
		echo "[kdcdefaults]"
		echo "	kdc_listen = 127.0.0.1:$port [::1]:$port"
		echo "	kdc_tcp_listen = 127.0.0.1:$port [::1]:$port"
		for l in "$@"; do
			echo "	$l"
		done
		echo
		echo "[logging]"
		echo "	kdc = FILE:$TEST_TMP/kdc.log"
		echo "	level = debug"
		echo
		echo "[realms]"
		echo "	EXAMPLE.TEST = {"
		echo "		krbtgt_keytab = FILE:$TEST_TMP/krbtgt.keytab"
		echo "		pkinit_identity = FILE:$TEST_TMP/pki/kdc.crt,$TEST_TMP/pki/kdc.key"
		echo "		pkinit_anchors = FILE:$TEST_TMP/pki/root.crt"
		echo "		ldap_uri = ldap://127.0.0.1:389"
		echo "		ldap_base_dn = dc=example,dc=test"
		echo "	}"
	} >"$f"
}

# wait_file_match FILE EXTENDED-REGEX SECONDS: until FILE has a match.
wait_file_match() {
	i=0
	while ! grep -Eq -- "$2" "$1" 2>/dev/null; do
		[ $i -ge $(($3 * 10)) ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 0
}

# wait_udp HOST PORT: until the KDC answers (5 s at most).
wait_udp() {
	i=0
	while [ $i -lt 50 ]; do
		case $(probe udp "$1" "$2" 2>/dev/null) in
		reply*) return 0 ;;
		esac
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# kdc_start CONF [ARGS...]: foreground daemon in the background; sets
# KDC_PID.  Its stderr goes to $TEST_TMP/kdc.stderr.
kdc_start() {
	conf=$1
	shift
	"$KDC_BIN" -n -w 1 -c "$conf" "$@" 2>>"$TEST_TMP/kdc.stderr" &
	KDC_PID=$!
	track_pid "$KDC_PID"
}

# wait_exit PID SECONDS: 0 if PID ended in time; its status in WAIT_RC.
wait_exit() {
	i=0
	while kill -0 "$1" 2>/dev/null; do
		if [ $i -ge $(($2 * 20)) ]; then
			return 1
		fi
		# A zombie child counts as ended.
		case $(ps -o stat= -p "$1" 2>/dev/null) in
		Z*) break ;;
		esac
		sleep 0.05
		i=$((i + 1))
	done
	wait "$1" 2>/dev/null
	WAIT_RC=$?
	return 0
}
