#!/bin/sh
# test_hostile.sh - the KDC under attack from hostile clients.
#
# Each attack comes from its own loopback source address (127.0.0.N) and
# runs while a real MIT kinit -X logs on over TCP.  For every attack:
# the logon succeeds within HOSTILE_MAX_MS (default 2000 ms), the
# daemon's resident memory stays under HOSTILE_MAX_RSS_MB (default 200,
# more in a sanitizer build, whose allocator keeps freed memory in
# quarantine), and the log has a handful of lines about the attacking
# address, not one per packet or connection.
. "$(dirname "$0")/lib.sh"

require_cmd kinit kdestroy slapd openssl
test_init

ATTACK="python3 $top_srcdir/tests/integration/kdcattack.py"
REALM=EXAMPLE.TEST
PKI=$TEST_TMP/pki
MAX_MS=${HOSTILE_MAX_MS:-2000}
if ldd "$KDC_BIN" 2>/dev/null | grep -q libasan; then
	MAX_RSS_MB=${HOSTILE_MAX_RSS_MB:-600}
else
	MAX_RSS_MB=${HOSTILE_MAX_RSS_MB:-200}
fi
realm_files || { fail "test PKI generation"; test_finish; }

LDAP_URI=$(sh "$top_srcdir/tests/integration/slapd.sh" start "$TEST_TMP/ldap" \
    "$top_srcdir/conf/sample.ldif" 2>"$TEST_TMP/slapd.err") ||
	{ fail "slapd start: $(cat "$TEST_TMP/slapd.err")"; test_finish; }
trap 'sh "$top_srcdir/tests/integration/slapd.sh" stop "$TEST_TMP/ldap" >/dev/null 2>&1; test_cleanup' EXIT

PORT=$(free_port)
CONF=$TEST_TMP/kdc.conf
cat >"$CONF" <<EOT
[kdcdefaults]
	kdc_listen = 127.0.0.1:$PORT
	kdc_tcp_listen = 127.0.0.1:$PORT
	kdc_max_tcp_connections = 64
	kdc_tcp_idle_timeout = 3
[logging]
	kdc = FILE:$TEST_TMP/kdc.log
	level = debug
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
kdc_start "$CONF"
wait_udp 127.0.0.1 "$PORT" || { fail "pkinit-kdc did not start: $(cat "$TEST_TMP/kdc.stderr")"; test_finish; }

# kinit over TCP only: the stream side is where most attacks land.
cat >"$TEST_TMP/krb5.conf" <<EOT
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
	rdns = false
	udp_preference_limit = 1
	kdc_timeout = 5000
	max_retries = 1
[realms]
	$REALM = {
		kdc = 127.0.0.1:$PORT
		pkinit_anchors = FILE:$PKI/root.crt
		pkinit_pool = FILE:$PKI/ca.crt
	}
EOT
export KRB5_CONFIG="$TEST_TMP/krb5.conf"
export KRB5CCNAME="FILE:$TEST_TMP/ccache"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$KDC_PID/status"; }

# logon WHAT: a kinit -X during the attack; checks success and latency.
logon() {
	kdestroy >/dev/null 2>&1
	t0=$(now_ms)
	out=$(timeout 30 kinit -X "X509_user_identity=FILE:$PKI/alice.crt,$PKI/alice.key" \
	    alice@$REALM </dev/null 2>&1)
	rc=$?
	ms=$(($(now_ms) - t0))
	if [ $rc -eq 0 ] && [ $ms -le "$MAX_MS" ]; then
		pass "$1: kinit -X succeeds in $ms ms"
	else
		fail "$1: kinit rc=$rc in $ms ms (limit $MAX_MS): $out"
	fi
}

# after_attack WHAT SRC MAXLINES: memory and log volume once it is over.
after_attack() {
	rss=$(rss_kb)
	if [ -n "$rss" ] && [ "$rss" -le $((MAX_RSS_MB * 1024)) ]; then
		pass "$1: daemon RSS $((rss / 1024)) MB (limit $MAX_RSS_MB MB)"
	else
		fail "$1: daemon RSS ${rss:-?} kB above $MAX_RSS_MB MB or daemon gone"
	fi
	n=$(grep -c "$2[]:]" "$TEST_TMP/kdc.log")
	if [ "$n" -ge 1 ] && [ "$n" -le "$3" ]; then
		pass "$1: $n log line(s) about $2"
	else
		fail "$1: $n log lines about $2 (wanted 1..$3): $(grep "$2[]:]" "$TEST_TMP/kdc.log" | head -n 5)"
	fi
}

logon "baseline"
echo "# baseline RSS $(($(rss_kb) / 1024)) MB"

# --- 5000 garbage datagrams ---
$ATTACK garbage 127.0.0.1 "$PORT" 127.0.0.11 5000 >"$TEST_TMP/a1.out" 2>&1 &
A=$!; track_pid $A
logon "garbage datagrams"
wait $A
# Only a datagram framed exactly like an AS-REQ (outer tag and length
# right, by chance) gets an error back; everything else is dropped.
expect_match "garbage datagrams: all sent, (almost) none answered" "$(cat "$TEST_TMP/a1.out")" \
    'sent 5000 datagrams .* replies=[0-9]$'
echo "# $(cat "$TEST_TMP/a1.out")"
after_attack "garbage datagrams" 127.0.0.11 2

# --- slowloris: length prefixes, then an octet a second ---
$ATTACK hold 127.0.0.1 "$PORT" 127.0.0.12 200 6 slow >"$TEST_TMP/a2.out" 2>&1 &
A=$!; track_pid $A
sleep 2
logon "slowloris (200 connections, limit 64)"
sleep 1
logon "slowloris, second logon"
wait $A
expect_match "slowloris: the KDC closed connections to stay under its limit" \
    "$(cat "$TEST_TMP/a2.out")" 'closed-by-kdc=[1-9]'
after_attack "slowloris" 127.0.0.12 3

# --- connection-limit exhaustion with idle connections ---
$ATTACK hold 127.0.0.1 "$PORT" 127.0.0.13 300 6 idle >"$TEST_TMP/a3.out" 2>&1 &
A=$!; track_pid $A
sleep 2
logon "connection flood (300 idle, limit 64)"
sleep 1
logon "connection flood, second logon"
wait $A
expect_match "connection flood: the KDC closed connections" "$(cat "$TEST_TMP/a3.out")" 'closed-by-kdc=[1-9]'
after_attack "connection flood" 127.0.0.13 3

# --- 2^31 as a length ---
$ATTACK biglen 127.0.0.1 "$PORT" 127.0.0.14 300 >"$TEST_TMP/a4.out" 2>&1 &
A=$!; track_pid $A
logon "2^31 length prefixes"
wait $A
expect_match "2^31 length: every one refused with FIELD_TOOLONG" "$(cat "$TEST_TMP/a4.out")" \
    '^biglen reply msg-type=30 error-code=61 realm=EXAMPLE.TEST x300$'
after_attack "2^31 length" 127.0.0.14 2

# --- ASN.1 nested 1000 deep, over UDP and TCP ---
for proto in udp tcp; do
	$ATTACK nested 127.0.0.1 "$PORT" 127.0.0.15 1000 $proto >"$TEST_TMP/a5.out" 2>&1
	expect_match "nested ASN.1 (depth 1000, $proto): refused at once" "$(cat "$TEST_TMP/a5.out")" \
	    'error-code=60 .*ms=[0-9]+$'
	echo "# $(cat "$TEST_TMP/a5.out")"
done
$ATTACK nested 127.0.0.1 "$PORT" 127.0.0.15 1000 udp 2000 >"$TEST_TMP/a5.out" 2>&1 &
A=$!; track_pid $A
logon "2000 nested ASN.1 requests"
wait $A
echo "# $(cat "$TEST_TMP/a5.out")"
expect_match "nested ASN.1: the limit refuses it" "$(grep 'from=127.0.0.15:' "$TEST_TMP/kdc.log")" \
    'malformed AS-REQ: nesting deeper than'
after_attack "nested ASN.1" 127.0.0.15 2

# --- huge ASN.1 near the TCP message limit (256k) ---
for kind in blob many; do
	$ATTACK huge 127.0.0.1 "$PORT" 127.0.0.16 260000 $kind >"$TEST_TMP/a6.out" 2>&1 &
	A=$!; track_pid $A
	logon "huge ASN.1 ($kind)"
	wait $A
	expect_match "huge ASN.1 ($kind): answered" "$(cat "$TEST_TMP/a6.out")" 'reply msg-type=30'
	echo "# $(cat "$TEST_TMP/a6.out")"
done
expect_match "huge ASN.1: the element count limit refuses the long list" \
    "$(grep 'from=127.0.0.16:' "$TEST_TMP/kdc.log")" 'malformed AS-REQ: more than [0-9]+ elements'
after_attack "huge ASN.1" 127.0.0.16 4

# --- PKINIT request whose CMS carries 100 extra certificates ---
mkdir -p "$TEST_TMP/junk"
i=0
: >"$TEST_TMP/junk/bundle.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$TEST_TMP/junk/k.pem" 2>/dev/null
while [ $i -lt 100 ]; do
	openssl req -x509 -new -key "$TEST_TMP/junk/k.pem" -subj "/CN=junk $i/O=Junk" -days 2 \
	    -set_serial $((i + 1)) >>"$TEST_TMP/junk/bundle.pem" 2>/dev/null
	i=$((i + 1))
done
$ATTACK pkreq 127.0.0.1 "$PORT" 127.0.0.17 "$PKI/alice.crt" "$PKI/alice.key" \
    "$TEST_TMP/junk/bundle.pem" >"$TEST_TMP/a7.out" 2>&1 &
A=$!; track_pid $A
logon "PKINIT with a 100-certificate CMS"
wait $A
echo "# $(cat "$TEST_TMP/a7.out")"
expect_match "100-certificate CMS: answered" "$(cat "$TEST_TMP/a7.out")" 'pkreq len=[0-9]+ reply msg-type=(11|30)'
expect_match "100-certificate CMS: refused by the certificate count limit" \
    "$(grep 'from=127.0.0.17:' "$TEST_TMP/kdc.log" | tail -n 1)" 'type=AS-REQ .*code=24 reason="SignedData carries too many certificates'
after_attack "100-certificate CMS" 127.0.0.17 2

# --- a 16384-bit RSA client key (tests/data/pki/rsa16384.key) ---
BIG=$top_srcdir/tests/data/pki/rsa16384.key
if [ -f "$BIG" ]; then
	openssl req -new -key "$BIG" -subj "/DC=test/DC=example/OU=Users/CN=alice" \
	    -out "$TEST_TMP/big.csr" 2>/dev/null &&
	openssl x509 -req -in "$TEST_TMP/big.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
	    -set_serial 4556 -days 2 -sha256 -extfile "$PKI/ext.cnf" -extensions alice \
	    -out "$TEST_TMP/big.crt" 2>/dev/null
	$ATTACK pkreq 127.0.0.1 "$PORT" 127.0.0.18 "$TEST_TMP/big.crt" "$BIG" - \
	    >"$TEST_TMP/a8.out" 2>&1 &
	A=$!; track_pid $A
	logon "PKINIT with a 16384-bit RSA key"
	wait $A
	echo "# $(cat "$TEST_TMP/a8.out")"
	expect_match "16384-bit RSA: answered" "$(cat "$TEST_TMP/a8.out")" 'pkreq len=[0-9]+ reply msg-type=(11|30)'
	# Verifying with a big public key is cheap (small exponent); the
	# request is served like any other.
	expect_match "16384-bit RSA: logged with its outcome" \
	    "$(grep 'from=127.0.0.18:' "$TEST_TMP/kdc.log" | tail -n 1)" 'type=AS-REQ .*result=(ISSUED|KDC_ERR)'
	after_attack "16384-bit RSA" 127.0.0.18 2
else
	fail "tests/data/pki/rsa16384.key missing"
fi

kill -0 "$KDC_PID" 2>/dev/null && pass "daemon alive after all attacks" || fail "daemon died"
logon "after all attacks"
test_finish
