#!/bin/sh
# test_metrics.sh - the operations view of real logons: the Prometheus
# endpoint (scraped before and after MIT kinit runs), JSON request lines
# with their event ids, and a reload that moves the endpoint.
. "$(dirname "$0")/lib.sh"

require_cmd kinit kdestroy slapd openssl
test_init
SCRAPE="python3 $top_srcdir/tests/integration/scrape.py"

REALM=EXAMPLE.TEST
PKI=$TEST_TMP/pki
sh "$top_srcdir/tests/integration/pki.sh" "$PKI" "$REALM" >"$TEST_TMP/pki.log" 2>&1 ||
	{ fail "test PKI generation"; test_finish; }
LDAP_URI=$(sh "$top_srcdir/tests/integration/slapd.sh" start "$TEST_TMP/ldap" \
    "$top_srcdir/conf/sample.ldif" 2>"$TEST_TMP/slapd.err") ||
	{ fail "slapd start: $(cat "$TEST_TMP/slapd.err")"; test_finish; }
trap 'sh "$top_srcdir/tests/integration/slapd.sh" stop "$TEST_TMP/ldap" >/dev/null 2>&1; test_cleanup' EXIT
cp "$top_srcdir/tests/data/keytab/example.keytab" "$TEST_TMP/krbtgt.keytab"

PORT=$(free_port)
MPORT=$(free_port)
CONF=$TEST_TMP/kdc.conf
LOG=$TEST_TMP/kdc.log
write_kdc_conf() {
	cat >"$CONF" <<EOT
[kdcdefaults]
	kdc_listen = 127.0.0.1:$PORT
	kdc_tcp_listen = 127.0.0.1:$PORT
	metrics_listen = 127.0.0.1:$1
[logging]
	kdc = FILE:$LOG
	format = json
[realms]
	$REALM = {
		krbtgt_keytab = FILE:$TEST_TMP/krbtgt.keytab
		pkinit_identity = FILE:$PKI/kdc.crt,$PKI/kdc.key
		pkinit_anchors = FILE:$PKI/root.crt
		pkinit_pool = FILE:$PKI/ca.crt
		ldap_uri = $LDAP_URI
		ldap_base_dn = dc=example,dc=test
		ldap_bind_dn = cn=admin,dc=example,dc=test
		ldap_bind_password_file = $TEST_TMP/ldap/rootpw
	}
EOT
}
write_kdc_conf "$MPORT"
kdc_start "$CONF"
wait_udp 127.0.0.1 "$PORT" || { fail "pkinit-kdc did not start: $(cat "$TEST_TMP/kdc.stderr")"; test_finish; }

# udp_preference_limit = 1: every request goes over TCP.
cat >"$TEST_TMP/krb5.conf" <<EOT
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
	rdns = false
	udp_preference_limit = 1
[realms]
	$REALM = {
		kdc = 127.0.0.1:$PORT
		pkinit_anchors = FILE:$PKI/root.crt
		pkinit_pool = FILE:$PKI/ca.crt
	}
EOT
export KRB5_CONFIG="$TEST_TMP/krb5.conf"
export KRB5CCNAME="FILE:$TEST_TMP/ccache"
URL=http://127.0.0.1:$MPORT/metrics

# value NAME-AND-LABELS FILE: the sample's value, 0 when absent.
value() {
	v=$(grep -F "$1 " "$2" | head -n 1 | sed 's/.* //')
	echo "${v:-0}"
}

# --- scrape before any logon ---
if $SCRAPE "$URL" >"$TEST_TMP/before" 2>"$TEST_TMP/scrape.err"; then
	pass "endpoint serves well-formed Prometheus text"
else
	fail "scrape before: $(cat "$TEST_TMP/scrape.err")"
fi
expect_match "families exported at zero before use" "$(cat "$TEST_TMP/before")" \
    '^pkinit_kdc_ocsp_fetches_total 0$'
expect_match "a path other than /metrics is 404" \
    "$($SCRAPE status "http://127.0.0.1:$MPORT/other")" '^404$'

# --- logons: one issued, one refused by a certificate check ---
kdestroy >/dev/null 2>&1
OUT=$(timeout 30 kinit -X "X509_user_identity=FILE:$PKI/alice.crt,$PKI/alice.key" alice@$REALM </dev/null 2>&1)
[ $? -eq 0 ] && pass "kinit -X alice" || fail "kinit alice: $OUT"
OUT=$(timeout 30 kinit -X "X509_user_identity=FILE:$PKI/carol.crt,$PKI/carol.key" alice@$REALM </dev/null 2>&1)
expect_match "kinit with carol's certificate for alice is refused" "$OUT" 'Client name mismatch'

if $SCRAPE "$URL" >"$TEST_TMP/after" 2>"$TEST_TMP/scrape.err"; then
	pass "scrape after the logons parses"
else
	fail "scrape after: $(cat "$TEST_TMP/scrape.err")"
fi
A=$TEST_TMP/after
B=$TEST_TMP/before
ok=$(value 'pkinit_kdc_requests_total{type="AS-REQ",code="0",result="ISSUED"}' "$A")
[ "$ok" -ge 1 ] && pass "issued AS-REQ counted ($ok)" || fail "no issued AS-REQ counted"
pre=$(value 'pkinit_kdc_requests_total{type="AS-REQ",code="25",result="KDC_ERR_PREAUTH_REQUIRED"}' "$A")
[ "$pre" -ge 1 ] && pass "PREAUTH_REQUIRED counted ($pre)" || fail "PREAUTH_REQUIRED not counted"
mis=$(value 'pkinit_kdc_requests_total{type="AS-REQ",code="75",result="KDC_ERR_CLIENT_NAME_MISMATCH"}' "$A")
[ "$mis" -ge 1 ] && pass "CLIENT_NAME_MISMATCH counted ($mis)" || fail "CLIENT_NAME_MISMATCH not counted"
n0=$(value pkinit_kdc_ldap_searches_total "$B")
n1=$(value pkinit_kdc_ldap_searches_total "$A")
[ "$n1" -gt "$n0" ] && pass "ldap_searches_total moved ($n0 -> $n1)" || fail "ldap_searches_total did not move ($n0 -> $n1)"
c=$(value pkinit_kdc_ldap_connects_total "$A")
[ "$c" -ge 1 ] && pass "ldap_connects_total counted ($c)" || fail "ldap_connects_total is $c"
t0=$(value pkinit_kdc_tcp_connections_accepted_total "$B")
t1=$(value pkinit_kdc_tcp_connections_accepted_total "$A")
[ "$t1" -gt "$t0" ] && pass "tcp_connections_accepted_total moved ($t0 -> $t1)" || fail "TCP connections not counted"
h=$(value 'pkinit_kdc_request_duration_seconds_count{type="AS-REQ"}' "$A")
inf=$(value 'pkinit_kdc_request_duration_seconds_bucket{type="AS-REQ",le="+Inf"}' "$A")
[ "$h" -ge 4 ] && [ "$h" = "$inf" ] && pass "latency histogram counts every AS-REQ ($h)" ||
	fail "histogram count $h, +Inf bucket $inf"
expect_match "nothing left in flight" "$(cat "$A")" '^pkinit_kdc_requests_in_flight 0$'

# --- JSON request lines with event ids ---
if python3 - "$LOG" <<'EOT'
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)
EOT
then pass "every log line is a JSON object"; else fail "log has lines that are not JSON"; fi
expect_match "issued TGT: event 4768 with account and certificate" "$(grep '"ISSUED"' "$LOG")" \
    '"type":"AS-REQ","client":"alice@EXAMPLE.TEST".*"account":"cn=alice,ou=Users,dc=example,dc=test","cert_subject":"CN=alice,OU=Users,DC=example,DC=test","cert_issuer":"[^"]+","cert_serial":"[0-9A-F]+","cert_sha1":"[0-9a-f]{40}","result":"ISSUED","code":0,.*"event":4768\}$'
expect_match "refused certificate: event 4771 naming the check" "$(grep '"code":75' "$LOG")" \
    '"cert_subject":"CN=carol.*"result":"KDC_ERR_CLIENT_NAME_MISMATCH","code":75,"reason":"certificate.*"event":4771\}$'
expect_match "PREAUTH_REQUIRED stays event 4768" "$(grep '"code":25' "$LOG" | head -n 1)" '"event":4768\}$'

# --- reload: the endpoint follows metrics_listen ---
MPORT2=$(free_port)
write_kdc_conf "$MPORT2"
kill -HUP "$KDC_PID"
wait_file_match "$LOG" 'reloaded' 5 || fail "no reload"
$SCRAPE "http://127.0.0.1:$MPORT2/metrics" >"$TEST_TMP/moved" 2>&1 &&
	pass "endpoint moved to the new port on reload" || fail "new port: $(cat "$TEST_TMP/moved")"
expect_match "counters kept across the reload" "$(cat "$TEST_TMP/moved")" \
    'requests_total\{type="AS-REQ",code="0",result="ISSUED"\} [1-9]'
if $SCRAPE "$URL" >/dev/null 2>&1; then fail "old port still serves"; else pass "old port closed"; fi
kill -HUP "$KDC_PID"
sleep 0.5
$SCRAPE "http://127.0.0.1:$MPORT2/metrics" >/dev/null 2>&1 &&
	pass "an unchanged address keeps serving across a reload" || fail "endpoint lost on a plain reload"

test_finish
