#!/bin/sh
# test_failover.sh - outages and failover with real peers.
#
# Directory: two slapd, a provider and a syncrepl consumer, both in
# ldap_uri.  Killing the provider during a run of logons loses none (the
# KDC moves to the consumer); with both down the KDC answers
# KDC_ERR_SVC_UNAVAILABLE at once; when one comes back logons work again
# without restarting the KDC.
#
# KDC replicas: two pkinit-kdc of one realm (same krbtgt keytab and
# configuration) on two ports, both listed as kdc = in krb5.conf.  One is
# killed during a loop of FAILOVER_LOOP (default 200) logons: none fails.
# A freshness token handed out by one replica is accepted by the other.
. "$(dirname "$0")/lib.sh"

require_cmd kinit kdestroy slapd ldapsearch openssl
test_init

REALM=EXAMPLE.TEST
PKI=$TEST_TMP/pki
SLAPD_SH="sh $top_srcdir/tests/integration/slapd.sh"
LOOP=${FAILOVER_LOOP:-200}
realm_files || { fail "test PKI generation"; test_finish; }

# ---- two directories: provider and syncrepl consumer ----
P_URI=$(SLAPD_REPL=provider $SLAPD_SH start "$TEST_TMP/ldap-p" \
    "$top_srcdir/conf/sample.ldif" 2>"$TEST_TMP/slapd.err") ||
	{ fail "provider slapd: $(cat "$TEST_TMP/slapd.err")"; test_finish; }
stop_all_slapd() {
	$SLAPD_SH stop "$TEST_TMP/ldap-p" >/dev/null 2>&1
	$SLAPD_SH stop "$TEST_TMP/ldap-c" >/dev/null 2>&1
}
trap 'stop_all_slapd; test_cleanup' EXIT
mkdir -p "$TEST_TMP/ldap-c"
cp "$TEST_TMP/ldap-p/rootpw" "$TEST_TMP/ldap-c/rootpw"
C_URI=$(SLAPD_REPL="consumer:$P_URI" $SLAPD_SH start "$TEST_TMP/ldap-c" 2>"$TEST_TMP/slapd.err") ||
	{ fail "consumer slapd: $(cat "$TEST_TMP/slapd.err")"; test_finish; }
i=0
while [ $i -lt 100 ]; do
	ldapsearch -x -H "$C_URI" -D cn=admin,dc=example,dc=test -w "$(cat "$TEST_TMP/ldap-c/rootpw")" \
	    -b dc=example,dc=test '(sAMAccountName=alice)' dn 2>/dev/null | grep -q '^dn: cn=alice' && break
	sleep 0.1
	i=$((i + 1))
done
[ $i -lt 100 ] && pass "consumer replicated the accounts from the provider" ||
	fail "consumer has no accounts after 10 s"

# kdc_conf FILE PORT: a KDC configuration with both directories.
kdc_conf() {
	cat >"$1" <<EOT
[kdcdefaults]
	kdc_listen = 127.0.0.1:$2
	kdc_tcp_listen = 127.0.0.1:$2
[logging]
	kdc = FILE:$TEST_TMP/kdc-$2.log
	level = info
[realms]
	$REALM = {
		krbtgt_keytab = FILE:$TEST_TMP/krbtgt.keytab
		pkinit_identity = FILE:$PKI/kdc.crt,$PKI/kdc.key
		pkinit_anchors = FILE:$PKI/root.crt
		pkinit_pool = FILE:$PKI/ca.crt
		ldap_uri = $P_URI $C_URI
		ldap_base_dn = dc=example,dc=test
		ldap_bind_dn = cn=admin,dc=example,dc=test
		ldap_bind_password_file = $TEST_TMP/ldap-p/rootpw
		pkinit_require_freshness = true
	}
EOT
}

# krb5_conf FILE PORT...: client configuration listing each KDC.
krb5_conf() {
	f=$1
	shift
	{
		printf '[libdefaults]\n\tdefault_realm = %s\n\tdns_lookup_kdc = false\n' "$REALM"
		printf '\trdns = false\n\tkdc_timeout = 2000\n'
		printf '[realms]\n\t%s = {\n' "$REALM"
		for p in "$@"; do
			printf '\t\tkdc = 127.0.0.1:%s\n' "$p"
		done
		printf '\t\tpkinit_anchors = FILE:%s/root.crt\n\t\tpkinit_pool = FILE:%s/ca.crt\n\t}\n' "$PKI" "$PKI"
	} >"$f"
}

PA=$(free_port)
kdc_conf "$TEST_TMP/kdc-a.conf" "$PA"
kdc_start "$TEST_TMP/kdc-a.conf"
KDC_A=$KDC_PID
wait_udp 127.0.0.1 "$PA" || { fail "KDC A did not start: $(cat "$TEST_TMP/kdc.stderr")"; test_finish; }
LOG_A=$TEST_TMP/kdc-$PA.log

krb5_conf "$TEST_TMP/krb5-a.conf" "$PA"
export KRB5_CONFIG="$TEST_TMP/krb5-a.conf"
export KRB5CCNAME="FILE:$TEST_TMP/ccache"
ID="X509_user_identity=FILE:$PKI/alice.crt,$PKI/alice.key"

# logons N: N kinits; failures counted in FAILS.
logons() {
	FAILS=0
	n=0
	while [ $n -lt "$1" ]; do
		timeout 20 kinit -X "$ID" alice@$REALM </dev/null >"$TEST_TMP/kinit.out" 2>&1 ||
			{ FAILS=$((FAILS + 1)); cat "$TEST_TMP/kinit.out" >>"$TEST_TMP/kinit.fail"; }
		n=$((n + 1))
	done
}

# ---- directory failover ----
logons 1
[ $FAILS -eq 0 ] && pass "logon with both directories up" || fail "logon: $(cat "$TEST_TMP/kinit.out")"

# The provider dies a fifth of the way through 100 logons (counted in
# the KDC's log, so the kill lands mid-run however fast logons are).
BASE=$(grep -c 'result=ISSUED' "$LOG_A")
logons 100 >"$TEST_TMP/loop1.out" 2>&1 &
LOOP_PID=$!
track_pid $LOOP_PID
i=0
while [ "$(grep -c 'result=ISSUED' "$LOG_A")" -lt $((BASE + 20)) ] && [ $i -lt 600 ]; do
	sleep 0.05
	i=$((i + 1))
done
AT_KILL=$(grep -c 'result=ISSUED' "$LOG_A")
kill -9 "$(cat "$TEST_TMP/ldap-p/pid")" 2>/dev/null
rm -f "$TEST_TMP/ldap-p/pid"
wait $LOOP_PID
LRC=$?
DONE=$(grep -c 'result=ISSUED' "$LOG_A")
if [ "$LRC" -eq 0 ] && [ ! -s "$TEST_TMP/kinit.fail" ]; then
	pass "provider killed during 100 logons: none failed ($((DONE - AT_KILL)) issued after the kill)"
else
	fail "provider killed: failures: $(head -c 400 "$TEST_TMP/kinit.fail" 2>/dev/null)"
fi
[ $((DONE - AT_KILL)) -ge 50 ] && pass "most logons ran after the provider died" ||
	fail "only $((DONE - AT_KILL)) logons after the provider died"
expect_match "KDC noticed the provider was lost" "$(cat "$LOG_A")" "directory: .*$P_URI"
expect_match "KDC moved to the consumer" "$(grep 'connected to' "$LOG_A" | tail -n 1)" "connected to $C_URI"

# Both directories down: an immediate SVC_UNAVAILABLE (MIT kinit treats
# it as "try another KDC" and keeps trying until its own timeout, so the
# KDC's answer time is read from its log).
$SLAPD_SH stop "$TEST_TMP/ldap-c" >/dev/null 2>&1
sleep 0.3
kdestroy >/dev/null 2>&1
timeout 5 kinit -X "$ID" alice@$REALM </dev/null >/dev/null 2>&1
LINE=$(grep ' req=' "$LOG_A" | grep -v PREAUTH_REQUIRED | tail -n 1)
expect_match "all directories down -> KDC_ERR_SVC_UNAVAILABLE" "$LINE" 'code=29 reason="account lookup'
MS=$(printf '%s\n' "$LINE" | sed -n 's/.* ms=\([0-9]*\).*/\1/p')
if [ -n "$MS" ] && [ "$MS" -le 3000 ]; then pass "answered in $MS ms with all directories down"; else
	fail "answer took ${MS:-?} ms with all directories down"; fi

# The consumer comes back (same port): logons resume, no KDC restart.
$SLAPD_SH start "$TEST_TMP/ldap-c" >/dev/null 2>"$TEST_TMP/slapd.err" ||
	fail "consumer restart: $(cat "$TEST_TMP/slapd.err")"
t0=$(date +%s)
i=0
FAILS=1
while [ $i -lt 40 ] && [ $FAILS -ne 0 ]; do
	sleep 0.5
	kdestroy >/dev/null 2>&1
	logons 1
	i=$((i + 1))
done
if [ $FAILS -eq 0 ]; then
	pass "logons work again $(($(date +%s) - t0)) s after a directory returned, same KDC process"
else
	fail "no recovery after the consumer returned"
fi
kill -0 "$KDC_A" 2>/dev/null && pass "KDC A never restarted" || fail "KDC A died"
# The provider returns too, for the replica tests.
$SLAPD_SH start "$TEST_TMP/ldap-p" >/dev/null 2>&1 || fail "provider restart"

# ---- two KDC replicas ----
PB=$(free_port)
kdc_conf "$TEST_TMP/kdc-b.conf" "$PB"
kdc_start "$TEST_TMP/kdc-b.conf"
KDC_B=$KDC_PID
wait_udp 127.0.0.1 "$PB" || { fail "KDC B did not start"; test_finish; }
LOG_B=$TEST_TMP/kdc-$PB.log
krb5_conf "$TEST_TMP/krb5-ab.conf" "$PA" "$PB"
export KRB5_CONFIG="$TEST_TMP/krb5-ab.conf"

# A freshness token from A used on B: kinit gets A's PREAUTH_REQUIRED
# (with the token), then stops to ask for the PKCS#12 passphrase; A is
# stopped meanwhile, so the signed request carrying A's token goes to B,
# which requires freshness (pkinit_require_freshness = true).
mkfifo "$TEST_TMP/pass.fifo"
exec 3<>"$TEST_TMP/pass.fifo"
KRB5_TRACE=$TEST_TMP/fresh.trace timeout 30 kinit \
    -X "X509_user_identity=PKCS12:$PKI/alice.p12" alice@$REALM \
    <"$TEST_TMP/pass.fifo" >"$TEST_TMP/fresh.out" 2>&1 &
KPID=$!
track_pid $KPID
if wait_file_match "$TEST_TMP/fresh.trace" 'PA_AS_FRESHNESS' 10 &&
    wait_file_match "$LOG_A" 'KDC_ERR_PREAUTH_REQUIRED' 5; then
	sleep 0.3
	kill -STOP "$KDC_A"
	cat "$PKI/alice.p12.pass" >&3
	wait $KPID
	KRC=$?
	kill -CONT "$KDC_A"
	exec 3>&-
	expect_match "the token came from A" \
	    "$(grep 'PREAUTH_REQUIRED' "$LOG_A" | tail -n 1)" 'client=alice@EXAMPLE.TEST'
	if [ $KRC -eq 0 ]; then
		pass "B accepted the freshness token A issued (kinit succeeded)"
	else
		fail "kinit with A's token at B: $(cat "$TEST_TMP/fresh.out")"
	fi
	expect_match "B issued the ticket for the request holding A's token" \
	    "$(grep 'result=ISSUED' "$LOG_B" | tail -n 1)" 'client=alice@EXAMPLE.TEST'
	expect_match "kinit was asked for preauthentication once only" \
	    "$(grep -c 'Additional pre-authentication required' "$TEST_TMP/fresh.trace")" '^1$'
	expect_match "the ticket came from B" \
	    "$(grep 'Received answer' "$TEST_TMP/fresh.trace" | tail -n 1)" "127.0.0.1:$PB"
else
	fail "kinit did not reach the passphrase prompt: $(cat "$TEST_TMP/fresh.out")"
fi

# Loop of logons; A is killed a quarter of the way through.
rm -f "$TEST_TMP/kinit.fail"
t0=$(date +%s)
logons "$LOOP" >/dev/null 2>&1 &
LOOP_PID=$!
track_pid $LOOP_PID
i=0
while [ "$(grep -c 'result=ISSUED' "$LOG_A")" -lt $((DONE + LOOP / 4)) ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
ISSUED_A=$(grep -c 'result=ISSUED' "$LOG_A")
kill -9 "$KDC_A"
wait $LOOP_PID
secs=$(($(date +%s) - t0))
ISSUED_B=$(grep -c 'result=ISSUED' "$LOG_B")
if [ ! -s "$TEST_TMP/kinit.fail" ]; then
	pass "replica A killed during $LOOP logons: zero failures ($secs s; B issued $ISSUED_B)"
else
	fail "replica failover: $(grep -c . "$TEST_TMP/kinit.fail") error lines: $(head -c 300 "$TEST_TMP/kinit.fail")"
fi
[ "$ISSUED_B" -ge $((LOOP / 2)) ] && pass "B took over after A died" ||
	fail "B issued only $ISSUED_B tickets"
echo "# A issued $ISSUED_A tickets in all before it was killed"
test_finish
