#!/bin/sh
# bench.sh - PKINIT logon benchmark: pkinit-kdc against MIT krb5kdc, with
# the same certificates, the same clients and the same load, in one run.
#
#   tests/bench/bench.sh [LOADGEN [PKLOAD]]
#
# Environment (all optional):
#   BENCH_DURATION  measured seconds per run (default 15)
#   BENCH_WARMUP    warm-up seconds before each measurement (default 2)
#   BENCH_CLIENTS   client processes (default 2)
#   BENCH_WORKERS   worker counts to compare (default "1 2")
#   BENCH_KDC_ARGS  extra arguments for pkinit-kdc
#   BENCH_KDC_WRAP  command prefix for pkinit-kdc, for profiling (e.g.
#                   "valgrind --tool=callgrind"; use with BENCH_WORKERS=1)
#   BENCH_LDAP_CACHE_TTL  pkinit-kdc's ldap_cache_ttl (default 10s; 0: off)
#   BENCH_EC        0 skips the run with the ECDSA KDC key
#   BENCH_MIT       0 skips the MIT runs (profiling our side only)
#   BENCH_NATIVE    0 skips the runs with the native PKINIT client
#                   (tests/bench/pkload: ECDH P-256, and DH MODP-2048)
#   BENCH_NATIVE_CLIENTS  native client processes (default 4: they are
#                   cheap, and fewer cannot keep the KDC busy)
#   BENCH_SCALING   0 skips the worker-scaling runs (pkload -P, capacity
#                   mode: requests built before the measured window, so
#                   the clients hardly compete with the KDC for CPU)
#   BENCH_SCALING_CLIENTS  client processes for them (default 6: one
#                   worker stays busier with a few more than 4)
#   BENCH_PIN       0 skips the run with the KDC (-w 1) pinned to CPU 0
#                   and the clients to CPU 1 (taskset; needs 2 CPUs)
#   BENCH_SOAK      N: also a memory soak of N logons (ECDH, -w 1) with
#                   the native client, printing the KDC's resident memory
#                   every BENCH_SOAK_INTERVAL seconds (default 10); the
#                   KDC log grows by about 1 kB per logon (with KEEP_TMP)
#   KEEP_TMP        keep the temporary directory
#
# Everything runs on 127.0.0.1 in a private temporary directory: the test
# PKI (tests/integration/pki.sh), a private slapd with conf/sample.ldif,
# our daemon and an MIT krb5kdc database.  Every process started here is
# stopped on exit.  The clients are MIT libkrb5 (tests/bench/loadgen), and
# for the rows marked "native client" the project's own PKINIT client
# (tests/bench/pkload), which speaks ECDH and costs far less CPU.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/lib.sh"

LOADGEN=${1:-$top_builddir/tests/bench/loadgen}
PKLOAD=${2:-$top_builddir/tests/bench/pkload}
DURATION=${BENCH_DURATION:-15}
WARMUP=${BENCH_WARMUP:-2}
CLIENTS=${BENCH_CLIENTS:-2}
WORKERS=${BENCH_WORKERS:-1 2}
NATIVE_CLIENTS=${BENCH_NATIVE_CLIENTS:-4}
REALM=EXAMPLE.TEST

require_cmd krb5kdc kdb5_util kadmin.local slapd openssl
[ -x "$LOADGEN" ] || { echo "bench: $LOADGEN not built" >&2; exit 1; }
if [ "${BENCH_NATIVE:-1}" != 0 ] || [ -n "${BENCH_SOAK:-}" ]; then
	[ -x "$PKLOAD" ] || { echo "bench: $PKLOAD not built" >&2; exit 1; }
fi
test_init
T=$TEST_TMP
PKI=$T/pki
KDC_PIDS=""
MIT_PIDS=""

bench_cleanup() {
	for p in $KDC_PIDS $MIT_PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $KDC_PIDS $MIT_PIDS; do
		wait "$p" 2>/dev/null
	done
	sh "$top_srcdir/tests/integration/slapd.sh" stop "$T/ldap" >/dev/null 2>&1
	test_cleanup
}
trap bench_cleanup EXIT

die() {
	echo "bench: $*" >&2
	exit 1
}

sh "$top_srcdir/tests/integration/pki.sh" "$PKI" "$REALM" >"$T/pki.log" 2>&1 ||
	die "PKI generation failed ($T/pki.log)"
LDAP_URI=$(sh "$top_srcdir/tests/integration/slapd.sh" start "$T/ldap" \
    "$top_srcdir/conf/sample.ldif" 2>"$T/slapd.err") ||
	die "slapd: $(cat "$T/slapd.err")"

# --- MIT krb5kdc: same realm, same KDC certificate and anchors ---
MIT=$T/mit
MIT_PORT=$(free_port)
mkdir -p "$MIT"
cat >"$MIT/kdc.conf" <<EOT
[libdefaults]
	default_realm = $REALM
[kdcdefaults]
	kdc_listen = 127.0.0.1:$MIT_PORT
	kdc_tcp_listen = 127.0.0.1:$MIT_PORT
[realms]
	$REALM = {
		database_name = $MIT/principal
		key_stash_file = $MIT/stash
		acl_file = $MIT/kadm5.acl
		supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
		max_life = 1d
		pkinit_identity = FILE:$PKI/kdc.crt,$PKI/kdc.key
		pkinit_anchors = FILE:$PKI/root.crt
		pkinit_pool = FILE:$PKI/ca.crt
		pkinit_allow_upn = true
		pkinit_eku_checking = scLogin
	}
[logging]
	kdc = FILE:$MIT/krb5kdc.log
EOT
: >"$MIT/kadm5.acl"
mit() {
	KRB5_CONFIG=$MIT/kdc.conf KRB5_KDC_PROFILE=$MIT/kdc.conf "$@"
}
mit kdb5_util create -r "$REALM" -s -P "bench-$$" -W >"$MIT/setup.log" 2>&1 ||
	die "kdb5_util create ($MIT/setup.log)"
# The client certificate carries the UPN alice@example.test; the clients
# log on with that enterprise name, which MIT (pkinit_allow_upn) matches
# against the principal alice\@example.test@EXAMPLE.TEST.
mit kadmin.local -r "$REALM" -q "addprinc -randkey +requires_preauth alice\\@example.test@$REALM" \
    >>"$MIT/setup.log" 2>&1 || die "kadmin ($MIT/setup.log)"
mit kadmin.local -r "$REALM" -q "ktadd -norandkey -k $T/krbtgt.keytab krbtgt/$REALM" \
    >>"$MIT/setup.log" 2>&1 || die "kadmin ktadd ($MIT/setup.log)"

# --- pkinit-kdc ---
PORT=$(free_port)
# kdc_conf FILE KEYNAME: our configuration with PKI/KEYNAME.{crt,key}
kdc_conf() {
	cat >"$1" <<EOT
[kdcdefaults]
	kdc_listen = 127.0.0.1:$PORT
	kdc_tcp_listen = 127.0.0.1:$PORT
[logging]
	kdc = FILE:$T/kdc.log
	level = info
[realms]
	$REALM = {
		krbtgt_keytab = FILE:$T/krbtgt.keytab
		pkinit_identity = FILE:$PKI/$2.crt,$PKI/$2.key
		pkinit_anchors = FILE:$PKI/root.crt
		pkinit_pool = FILE:$PKI/ca.crt
		ldap_uri = $LDAP_URI
		ldap_base_dn = dc=example,dc=test
		ldap_bind_dn = cn=admin,dc=example,dc=test
		ldap_bind_password_file = $T/ldap/rootpw
		ldap_cache_ttl = ${BENCH_LDAP_CACHE_TTL:-10s}
	}
EOT
}
kdc_conf "$T/kdc.conf" kdc
kdc_conf "$T/kdc-ec.conf" kdc-ec

# Client configurations, one per KDC.
client_conf() {
	cat >"$1" <<EOT
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
	rdns = false
[realms]
	$REALM = {
		kdc = 127.0.0.1:$2
		pkinit_anchors = FILE:$PKI/root.crt
		pkinit_pool = FILE:$PKI/ca.crt
	}
EOT
}
client_conf "$T/krb5-ours.conf" "$PORT"
client_conf "$T/krb5-mit.conf" "$MIT_PORT"
IDENTITY="FILE:$PKI/alice.crt,$PKI/alice.key"

# start_ours WORKERS [CONF]: sets KDC_PID
start_ours() {
	# shellcheck disable=SC2086
	${BENCH_KDC_WRAP:-} "$KDC_BIN" -n -w "$1" -c "${2:-$T/kdc.conf}" ${BENCH_KDC_ARGS:-} \
	    2>>"$T/kdc.stderr" &
	KDC_PID=$!
	KDC_PIDS="$KDC_PIDS $KDC_PID"
	wait_udp 127.0.0.1 "$PORT" || die "pkinit-kdc did not start ($T/kdc.stderr)"
}

# start_mit WORKERS: sets MIT_PID
start_mit() {
	mw=""
	[ "$1" -gt 1 ] && mw="-w $1"
	: >"$MIT/krb5kdc.log"
	# shellcheck disable=SC2086
	# Not through mit(): $! must be krb5kdc itself, not a subshell.
	KRB5_CONFIG=$MIT/kdc.conf KRB5_KDC_PROFILE=$MIT/kdc.conf \
	    krb5kdc -n $mw >>"$MIT/krb5kdc.out" 2>&1 &
	MIT_PID=$!
	MIT_PIDS="$MIT_PIDS $MIT_PID"
	wait_file_match "$MIT/krb5kdc.log" 'commencing operation' 10 ||
		die "krb5kdc did not start ($MIT/krb5kdc.log)"
	# Workers of -w N announce themselves separately.
	sleep 0.5
}

stop_pid() {
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# rss_kb PID: resident memory of PID and its children.
rss_kb() {
	t=0
	for p in $1 $(ps -o pid= --ppid "$1" 2>/dev/null); do
		r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		t=$((t + ${r:-0}))
	done
	echo "$t"
}

# load CONF KDCPID OUT [RATE]
load() {
	r=""
	[ -n "${4:-}" ] && r="-r $4"
	# shellcheck disable=SC2086
	KRB5_CONFIG=$1 KRB5CCNAME=MEMORY:bench "$LOADGEN" -c "$CLIENTS" \
	    -d "$DURATION" -W "$WARMUP" -E -p alice@example.test -X "$IDENTITY" \
	    -k "$2" $r >"$3" 2>"$3.err"
	if [ $? -ne 0 ]; then
		echo "bench: load run failed: $(head -c 300 "$3.err")" >&2
	fi
}

val() {
	awk -F= -v k="$2" '$1 == k { print $2 }' "$1"
}

row() {
	printf '%-22s %10s %10s %8s %8s %8s %9s\n' "$@"
}

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs;" \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "# $CLIENTS client processes (MIT libkrb5, RSA-2048 certificate, DH MODP-2048)," \
    "${WARMUP}s warm-up, ${DURATION}s measured per run"
row "run" "exch/s" "cpu-ms/ex" "p50-ms" "p90-ms" "p99-ms" "failures"
report() {
	row "$1" "$(val "$2" exchanges_per_s)" "$(val "$2" kdc_cpu_ms_per_exchange)" \
	    "$(val "$2" lat_p50_ms)" "$(val "$2" lat_p90_ms)" \
	    "$(val "$2" lat_p99_ms)" "$(val "$2" failures)"
}

for w in $WORKERS; do
	start_ours "$w"
	rss0=$(rss_kb "$KDC_PID")
	load "$T/krb5-ours.conf" "$KDC_PID" "$T/ours-w$w"
	rss1=$(rss_kb "$KDC_PID")
	echo "ours_rss_kb_before=$rss0" >>"$T/ours-w$w"
	echo "ours_rss_kb_after=$rss1" >>"$T/ours-w$w"
	peak=$(val "$T/ours-w$w" exchanges_per_s)
	# Steady load at half of our peak, for latency.
	half=$(awk -v p="$peak" 'BEGIN { printf "%.0f", p / 2 }')
	load "$T/krb5-ours.conf" "$KDC_PID" "$T/ours-w$w-half" "$half"
	stop_pid "$KDC_PID"
	report "pkinit-kdc -w $w" "$T/ours-w$w"

	report "  ours at $half/s" "$T/ours-w$w-half"
	echo "  pkinit-kdc resident memory: ${rss0} kB after start, ${rss1} kB after the run"
	[ "${BENCH_MIT:-1}" = 0 ] && continue
	start_mit "$w"
	load "$T/krb5-mit.conf" "$MIT_PID" "$T/mit-w$w"
	load "$T/krb5-mit.conf" "$MIT_PID" "$T/mit-w$w-half" "$half"
	stop_pid "$MIT_PID"
	report "MIT krb5kdc -w $w" "$T/mit-w$w"
	report "  MIT at $half/s" "$T/mit-w$w-half"
	awk -v a="$(val "$T/ours-w$w" kdc_cpu_ms_per_exchange)" \
	    -v b="$(val "$T/mit-w$w" kdc_cpu_ms_per_exchange)" \
	    -v x="$(val "$T/ours-w$w" exchanges_per_s)" \
	    -v y="$(val "$T/mit-w$w" exchanges_per_s)" \
	    'BEGIN { if (a > 0 && y > 0)
		printf "  ratio MIT/ours: KDC CPU per exchange %.2fx, throughput ours/MIT %.2fx\n", b / a, x / y }'
done
# Our KDC signing with an ECDSA P-256 key (MIT krb5kdc 1.20 has no EC
# KDC keys, so there is no MIT row); the clients still use DH MODP-2048.
if [ "${BENCH_EC:-1}" != 0 ]; then
	w=$(echo $WORKERS | awk '{ print $NF }')
	start_ours "$w" "$T/kdc-ec.conf"
	load "$T/krb5-ours.conf" "$KDC_PID" "$T/ours-ec-w$w"
	stop_pid "$KDC_PID"
	report "ours -w $w, ECDSA key" "$T/ours-ec-w$w"
fi

# --- The native client: our KDC under a client that costs little CPU ---
# native GROUP CERT KDCCERT OUT [pkload options...]: pkload against our
# KDC (KDC_PID), accepting only replies signed with KDCCERT.
native() {
	ng=$1 nc=$2 nk=$3 nout=$4
	shift 4
	# shellcheck disable=SC2086
	${NATIVE_WRAP:-} "$PKLOAD" -s "127.0.0.1:${NATIVE_PORT:-$PORT}" -g "$ng" -i "$PKI/$nc.crt" \
	    -x "$PKI/$nc.key" -K "$PKI/$nk.crt" -c "$NATIVE_CLIENTS" -W "$WARMUP" \
	    -k "$KDC_PID" "$@" >"$nout" 2>"$nout.err"
	if [ $? -ne 0 ]; then
		echo "bench: native run failed: $(head -c 300 "$nout.err")" >&2
	fi
}

nrow() {
	printf '%-50s %8s %9s %9s %7s %7s %7s %8s\n' "$@"
}

nreport() {
	nrow "$1" "$(val "$2" exchanges_per_s)" \
	    "$(val "$2" kdc_cpu_ms_per_exchange)" \
	    "$(val "$2" client_cpu_ms_per_exchange)" "$(val "$2" lat_p50_ms)" \
	    "$(val "$2" lat_p90_ms)" "$(val "$2" lat_p99_ms)" \
	    "$(val "$2" failures)"
}

if [ "${BENCH_NATIVE:-1}" != 0 ]; then
	echo "# native PKINIT client (tests/bench/pkload), $NATIVE_CLIENTS processes:" \
	    "ECDSA P-256 certificate with ECDH P-256, or RSA-2048 with DH MODP-2048"
	nrow "run" "exch/s" "cpu-ms/ex" "cl-ms/ex" "p50-ms" "p90-ms" \
	    "p99-ms" "failures"
	for w in 1 2; do
		start_ours "$w" "$T/kdc-ec.conf"
		native P-256 alice-ec kdc-ec "$T/native-ecdh-w$w" -d "$DURATION"
		stop_pid "$KDC_PID"
		nreport "ours -w $w, ECDSA key, ECDH P-256 (native client)" \
		    "$T/native-ecdh-w$w"
	done
	start_ours 1 "$T/kdc.conf"
	native MODP-2048 alice kdc "$T/native-dh-w1" -d "$DURATION"
	stop_pid "$KDC_PID"
	nreport "ours -w 1, RSA key, DH MODP-2048 (native client)" \
	    "$T/native-dh-w1"
	# The same client against MIT krb5kdc (same KDC certificate and key):
	# the KDC CPU ratio without MIT's own client sharing the CPUs.
	if [ "${BENCH_MIT:-1}" != 0 ]; then
		start_mit 1
		NATIVE_PORT=$MIT_PORT
		KDC_PID=$MIT_PID
		native MODP-2048 alice kdc "$T/native-dh-mit-w1" -d "$DURATION"
		NATIVE_PORT=""
		stop_pid "$MIT_PID"
		nreport "MIT krb5kdc -w 1, DH MODP-2048 (native client)" \
		    "$T/native-dh-mit-w1"
		awk -v a="$(val "$T/native-dh-w1" kdc_cpu_ms_per_exchange)" \
		    -v b="$(val "$T/native-dh-mit-w1" kdc_cpu_ms_per_exchange)" \
		    'BEGIN { if (a > 0) printf "  ratio MIT/ours: KDC CPU per exchange %.2fx\n", b / a }'
	fi
fi

# --- Worker scaling: the KDC alone on the CPUs (capacity mode) ---
# pkload -P builds every request before the measured window (one
# freshness token per client process, then each AS-REQ with its own
# nonce, ephemeral key and signed AuthPack); in the window each logon
# still sends both messages, so the KDC works exactly as in a real logon
# while the clients only send and receive (every 16th reply is checked in
# full, the others cheaply).  -B sizes the pre-built requests: half as
# much again as what the KDC's CPU per logon in the live -w 1 run allows
# on w cores.
if [ "${BENCH_NATIVE:-1}" != 0 ] && [ "${BENCH_SCALING:-1}" != 0 ]; then
	sc=${BENCH_SCALING_CLIENTS:-6}
	ms=$(val "$T/native-ecdh-w1" kdc_cpu_ms_per_exchange)
	percore=$(awk -v m="${ms:-0}" 'BEGIN {
	    r = m > 0 ? 1500 / m : 4000; if (r < 1000) r = 1000
	    printf "%.0f", r }')
	echo "# capacity mode (pkload -P), $sc processes: ECDSA P-256" \
	    "certificate with ECDH P-256, ECDSA KDC key"
	srow() {
		printf '%-38s %8s %9s %8s %9s %7s %7s %8s\n' "$@"
	}
	sreport() {
		srow "$1" "$(val "$2" exchanges_per_s)" \
		    "$(val "$2" kdc_cpu_ms_per_exchange)" \
		    "$(val "$2" kdc_cpu_util)" \
		    "$(val "$2" client_cpu_ms_per_exchange)" \
		    "$(val "$2" lat_p50_ms)" "$(val "$2" lat_p99_ms)" \
		    "$(val "$2" failures)"
	}
	srow "run" "exch/s" "cpu-ms/ex" "kdc-cpu" "cl-ms/ex" "p50-ms" \
	    "p99-ms" "failures"
	saved_clients=$NATIVE_CLIENTS
	NATIVE_CLIENTS=$sc
	for w in 1 2; do
		start_ours "$w" "$T/kdc-ec.conf"
		native P-256 alice-ec kdc-ec "$T/native-cap-w$w" -P \
		    -B $((percore * w)) -d "$DURATION"
		stop_pid "$KDC_PID"
		sreport "ours -w $w (capacity mode)" "$T/native-cap-w$w"
	done
	if [ "${BENCH_PIN:-1}" != 0 ] && [ "$(nproc)" -ge 2 ] &&
	    command -v taskset >/dev/null 2>&1; then
		saved_wrap=${BENCH_KDC_WRAP:-}
		BENCH_KDC_WRAP="taskset -c 0 $saved_wrap"
		start_ours 1 "$T/kdc-ec.conf"
		BENCH_KDC_WRAP=$saved_wrap
		NATIVE_WRAP="taskset -c 1"
		native P-256 alice-ec kdc-ec "$T/native-cap-pin" -P \
		    -B "$percore" -d "$DURATION"
		NATIVE_WRAP=""
		stop_pid "$KDC_PID"
		sreport "ours -w 1 on CPU 0, clients on CPU 1" \
		    "$T/native-cap-pin"
	fi
	NATIVE_CLIENTS=$saved_clients
	# Throughput per core the KDC used shows what the clients' share of
	# the machine hides: flat means the workers scale with cores.
	awk -v a="$(val "$T/native-cap-w1" exchanges_per_s)" \
	    -v b="$(val "$T/native-cap-w2" exchanges_per_s)" \
	    -v ua="$(val "$T/native-cap-w1" kdc_cpu_util)" \
	    -v ub="$(val "$T/native-cap-w2" kdc_cpu_util)" \
	    'BEGIN { if (a > 0 && ua > 0 && ub > 0)
		printf "scaling -w 2 / -w 1: %.2fx throughput; KDC CPU %.2f -> %.2f cores; per KDC core %.0f -> %.0f exch/s (%.2fx)\n",
		    b / a, ua, ub, a / ua, b / ub, (b / ub) / (a / ua) }'
	# The pinned run has one core to itself: the capacity of a core.
	if [ -f "$T/native-cap-pin" ]; then
		awk -v p="$(val "$T/native-cap-pin" exchanges_per_s)" \
		    -v b="$(val "$T/native-cap-w2" exchanges_per_s)" \
		    'BEGIN { if (p > 0)
			printf "scaling -w 2 / pinned -w 1 (one whole core): %.2fx throughput\n", b / p }'
	fi
fi

# --- Memory soak: BENCH_SOAK logons in a row, resident memory sampled ---
if [ -n "${BENCH_SOAK:-}" ]; then
	echo "# soak: $BENCH_SOAK logons, ECDH P-256, ECDSA KDC key, -w 1;" \
	    "rss_sample=<seconds> <logons> <KDC resident kB>"
	start_ours 1 "$T/kdc-ec.conf"
	native P-256 alice-ec kdc-ec "$T/native-soak" -n "$BENCH_SOAK" \
	    -m "${BENCH_SOAK_INTERVAL:-10}"
	stop_pid "$KDC_PID"
	grep '^rss_sample=' "$T/native-soak" | sed 's/^/# /'
	nrow "run" "exch/s" "cpu-ms/ex" "cl-ms/ex" "p50-ms" "p90-ms" \
	    "p99-ms" "failures"
	nreport "soak (native client)" "$T/native-soak"
	awk -F'[= ]' -v n="$BENCH_SOAK" '
	    $1 == "rss_sample" {
		if (first == "") first = $4
		last = $4
		if ($4 > max) max = $4
	    }
	    END {
		printf "soak: %s exchanges, rss after warm-up %s kB, at end %s kB, max %s kB\n",
		    n, first, last, max
	    }' "$T/native-soak"
fi

echo "# KDC CPU split (user/system s per run):"
for f in "$T"/ours-w* "$T"/mit-w* "$T"/ours-ec-w* "$T"/native-*; do
	case $f in *.err) continue ;; esac
	[ -f "$f" ] || continue
	echo "#   $(basename "$f"): user $(val "$f" kdc_utime_s) system $(val "$f" kdc_stime_s)"
done
if [ -n "${KEEP_TMP:-}" ]; then
	echo "# raw results in $T"
fi
